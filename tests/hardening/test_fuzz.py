"""Fuzz every endpoint and parameter (issue 8, "No 5xx for bad input"): random methods, parameters,
headers and bodies; no answer is a 5xx, and every error is JSON naming what was wrong."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.xapi.query import PARAMETERS
from tests.hardening import strategies as s
from tests.hardening.conftest import TRIED
from tests.support import MONGODB_URL, make_database, make_settings

STATEMENT_PARAMS = [
    *sorted(PARAMETERS),
    "method",
]  # every GET /statements parameter, and the alternate syntax's
REPORT_PARAMS = [
    "learner",
    "course",
    "status",
    "from",
    "to",
    "limit",
    "offset",
    "group",
    "sort",
    "order",
    "idle",
    "format",
]
# path -> (parameter names, body strategy)
ENDPOINTS: dict[str, tuple[list[str], st.SearchStrategy[bytes]]] = {
    "/xapi/statements": (STATEMENT_PARAMS, s.statement_body),
    "/xapi/activities/state": (
        ["activityId", "agent", "registration", "stateId", "since", "method"],
        s.raw_body,
    ),
    "/xapi/activities/profile": (["activityId", "profileId", "since", "method"], s.raw_body),
    "/xapi/agents/profile": (["agent", "profileId", "since", "method"], s.raw_body),
    "/xapi/agents": (["agent"], s.raw_body),
    "/xapi/activities": (["activityId"], s.raw_body),
    "/xapi/about": ([], s.raw_body),
    "/scorm/commits": (["session_id"], s.commit_body),
    "/reports/enrollments": (REPORT_PARAMS, s.raw_body),
    "/reports/attempts": (REPORT_PARAMS, s.raw_body),
    "/reports/attempts/{id}": (["format"], s.raw_body),
    "/reports/time-spent": (REPORT_PARAMS, s.raw_body),
    "/reports/attempt-counts": (REPORT_PARAMS, s.raw_body),
    "/reports/learners/{id}/courses": (REPORT_PARAMS, s.raw_body),
    "/reports/courses": (REPORT_PARAMS, s.raw_body),
    "/reports/abandoned-attempts": (REPORT_PARAMS, s.raw_body),
    "/scorm/launches": ([], s.launch_body),
    "/scorm/packages": (["course", "course_title", "limit", "offset"], s.raw_body),
    "/scorm/packages/{id}": ([], s.raw_body),
    "/scorm/runtime/v1/lrs-bridge-runtime.js": ([], s.raw_body),
    "/admin/credentials": (["name", "scopes", "key", "expires"], s.raw_body),
    "/admin/credentials/{id}": ([], s.raw_body),
    "/admin/credentials/{id}/rotate": ([], s.raw_body),
    "/admin/whoami": ([], s.raw_body),
    "/admin/imports": (["dry_run"], s.raw_body),
    "/admin/exports/statements": (STATEMENT_PARAMS, s.raw_body),
    "/health/live": ([], s.raw_body),
    "/health/ready": ([], s.raw_body),
}


@pytest.fixture(scope="module")
def fuzz_client() -> Iterator[TestClient]:
    """One app for the whole module (Hypothesis runs many examples per test); errors come back as 500s."""
    settings = make_settings()
    database = make_database(settings)
    with TestClient(create_app(settings, database), raise_server_exceptions=False) as client:
        yield client
        if MONGODB_URL:
            client.portal.call(database.drop)  # type: ignore[attr-defined]


def check(response: Any, method: str) -> None:
    """No 5xx; an error (except to HEAD) is JSON with a non-empty error code and message."""
    TRIED["fuzz"] += 1
    TRIED[f"fuzz {response.status_code // 100}xx"] += 1
    if response.status_code >= 500:
        TRIED["5xx"] += 1
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.status_code >= 400 and method != "HEAD":
        assert response.headers.get("content-type", "").startswith("application/json"), response.text[:200]
        body = response.json()
        assert isinstance(body.get("error"), str) and body["error"], body
        assert isinstance(body.get("message"), str) and body["message"], body


@pytest.mark.parametrize("path", list(ENDPOINTS))
@given(data=st.data())
def test_fuzz_endpoint_never_answers_5xx_and_errors_are_json(
    fuzz_client: TestClient, path: str, data: st.DataObject
) -> None:
    names, bodies = ENDPOINTS[path]
    method = data.draw(st.sampled_from(s.METHODS), "method")
    segment = data.draw(s.text_value, "segment")
    url = path.replace("{id}", quote(segment, safe="") or "x")
    query = data.draw(s.params(names) if names else st.just({}), "query")
    headers = data.draw(s.header_sets, "headers")
    headers["Authorization"] = data.draw(st.sampled_from(s.AUTHORIZATIONS), "authorization")
    body = data.draw(bodies, "body") if method in ("POST", "PUT", "PATCH", "DELETE") else b""
    response = fuzz_client.request(method, url, params=query, headers=headers, content=body)
    check(response, method)


@given(
    path=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FFF), max_size=30),
    method=st.sampled_from(s.METHODS),
)
def test_fuzz_unknown_paths_are_json_404_or_405(fuzz_client: TestClient, path: str, method: str) -> None:
    url = "/" + quote(path, safe="/")
    response = fuzz_client.request(method, url, headers={"Authorization": s.AUTHORIZATIONS[0]})
    check(response, method)


@given(
    form=st.dictionaries(
        st.sampled_from(
            ["content", "X-Experience-API-Version", "Authorization", "Content-Type", "agent", "more"]
        ),
        s.text_value,
        max_size=4,
    ),
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "PATCH", "x"]),
    path=st.sampled_from(["/xapi/statements", "/xapi/activities/state", "/xapi/agents/profile"]),
)
def test_fuzz_alternate_request_syntax(
    fuzz_client: TestClient, form: dict[str, str], method: str, path: str
) -> None:
    response = fuzz_client.post(
        path,
        params={"method": method},
        data=form,
        headers={"Authorization": s.AUTHORIZATIONS[0], "X-Experience-API-Version": "1.0.3"},
    )
    check(response, "POST")


# values that broke parsers before (issue 8 defect 5), swept over every parameter of every endpoint
KILLERS = [
    "9" * 5000,
    "\u00b2",
    "-1",
    "1e400",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31",
    "100000000w",
    '{"$gt": ""}',
    "\x00",
    str(2**63),
    "",
]


@pytest.mark.parametrize("path", [p for p, (names, _) in ENDPOINTS.items() if names])
def test_sweep_every_parameter_with_values_that_broke_parsers(fuzz_client: TestClient, path: str) -> None:
    names, _ = ENDPOINTS[path]
    url = path.replace("{id}", "x")
    headers = {"Authorization": s.AUTHORIZATIONS[0], "X-Experience-API-Version": "2.0.0"}
    for name in names:
        for value in KILLERS:
            for method in ("GET", "POST", "PUT"):
                check(fuzz_client.request(method, url, params={name: value}, headers=headers), method)
