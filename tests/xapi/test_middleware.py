"""XapiMiddleware: version negotiation and headers, alternate request syntax (1.0.x only)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from lrs.errors import BadRequest
from lrs.xapi.middleware import consistent_through, negotiate_version
from tests.support import basic_auth

STATEMENT = {
    "actor": {"mbox": "mailto:a@example.com"},
    "verb": {"id": "http://example.com/v"},
    "object": {"id": "http://example.com/a"},
}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("header", "version"),
    [
        pytest.param("1.0.3", "1.0.3", id="1.0.3"),
        pytest.param("1.0.0", "1.0.3", id="1.0.0"),
        pytest.param("1.0", "1.0.3", id="1.0"),
        pytest.param("2.0.0", "2.0.0", id="2.0.0"),
        pytest.param("2.0", "2.0.0", id="2.0"),
    ],
)
def test_negotiate_version_maps_supported_versions(header: str, version: str) -> None:
    assert negotiate_version(header) == version


@pytest.mark.parametrize("header", [None, "", "0.95", "1.1.0", "3.0.0", "1.0.x", "0.8"])
def test_negotiate_version_refuses_missing_and_unsupported(header: str | None) -> None:
    with pytest.raises(BadRequest):
        negotiate_version(header)


def test_middleware_answers_with_negotiated_version(client: TestClient) -> None:
    assert client.get("/xapi/statements").headers["x-experience-api-version"] == "1.0.3"
    v2 = client.get("/xapi/statements", headers={"X-Experience-API-Version": "2.0.0"})
    assert v2.status_code == 200 and v2.headers["x-experience-api-version"] == "2.0.0"


def test_middleware_refuses_missing_version_except_about(client: TestClient) -> None:
    del client.headers["X-Experience-API-Version"]
    response = client.get("/xapi/statements")
    assert response.status_code == 400
    assert (
        response.headers["x-experience-api-version"]
        and response.headers["x-experience-api-consistent-through"]
    )
    assert client.get("/xapi/about").status_code == 200


def test_middleware_leaves_other_paths_alone(client: TestClient) -> None:
    del client.headers["X-Experience-API-Version"]
    response = client.get("/health/live")
    assert response.status_code == 200 and "x-experience-api-version" not in response.headers


def test_alternate_syntax_put_is_rewritten(client: TestClient) -> None:
    sid = str(uuid.uuid4())
    del client.headers["Authorization"]
    form = {
        "statementId": sid,
        "content": json.dumps(STATEMENT),
        "Authorization": basic_auth(),
        "X-Experience-API-Version": "1.0.3",
    }
    response = client.post("/xapi/statements?method=PUT", content=urlencode(form), headers=FORM)
    assert response.status_code == 204, response.text
    client.headers["Authorization"] = basic_auth()
    assert client.get(f"/xapi/statements?statementId={sid}").status_code == 200


def test_alternate_syntax_get_returns_statement_result(client: TestClient) -> None:
    response = client.post("/xapi/statements?method=GET", content=urlencode({"limit": 1}), headers=FORM)
    assert response.status_code == 200 and "statements" in response.json()


@pytest.mark.parametrize(
    ("method", "query", "body", "headers"),
    [
        pytest.param(
            "PUT", "method=POST", urlencode({"content": json.dumps(STATEMENT)}), FORM, id="not-a-post"
        ),
        pytest.param(
            "POST",
            f"method=PUT&statementId={uuid.uuid4()}",
            urlencode({"content": json.dumps(STATEMENT)}),
            FORM,
            id="extra-query-param",
        ),
        pytest.param("POST", "method=PUT", "", FORM, id="no-content"),
        pytest.param(
            "POST",
            "method=PUT",
            json.dumps({"content": STATEMENT}),
            {"Content-Type": "application/json"},
            id="not-form-encoded",
        ),
        pytest.param(
            "POST",
            "method=PUT",
            urlencode(
                {
                    "statementId": str(uuid.uuid4()),
                    "content": json.dumps(STATEMENT),
                    "X-Experience-API-Version": "0.8",
                }
            ),
            FORM,
            id="bad-version-in-form",
        ),
    ],
)
def test_alternate_syntax_refuses_malformed(
    client: TestClient, method: str, query: str, body: str, headers: dict[str, str]
) -> None:
    response = client.request(method, f"/xapi/statements?{query}", content=body, headers=headers)
    assert response.status_code == 400


def test_alternate_syntax_refused_for_2_0(client: TestClient) -> None:
    form = {"statementId": str(uuid.uuid4()), "content": json.dumps(STATEMENT)}
    response = client.post(
        "/xapi/statements?method=PUT",
        content=urlencode(form),
        headers={**FORM, "X-Experience-API-Version": "2.0.0"},
    )
    assert response.status_code == 400


def test_middleware_error_without_header_answers_clients_last_version(client: TestClient) -> None:
    client.get("/xapi/statements", headers={"X-Experience-API-Version": "2.0.0"})
    del client.headers["X-Experience-API-Version"]
    assert client.get("/xapi/statements").headers["x-experience-api-version"] == "2.0.0"
    client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
    assert client.get("/xapi/statements").headers["x-experience-api-version"] == "1.0.3"


def test_consistent_through_is_now_in_iso_8601_utc_with_milliseconds() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    text = consistent_through().decode()
    after = datetime.now(UTC)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", text)
    assert before <= datetime.fromisoformat(text.replace("Z", "+00:00")) <= after
