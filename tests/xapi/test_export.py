"""GET /admin/exports/statements: NDJSON of every statement a GET /xapi/statements query would page
through, for each xAPI filter, streamed in keyset pages (small pages here, so every export spans many)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.credentials import create_credential
from lrs.settings import Settings
from tests.support import basic_auth, make_settings

REG = str(uuid.UUID(int=7))
ANN = {"mbox": "mailto:ann@example.com"}
BOB = {"mbox": "mailto:bob@example.com"}
VERB = "http://adlnet.gov/expapi/verbs/"
ACT = "https://example.com/activities/"


@pytest.fixture
def settings() -> Settings:
    return make_settings(export_page_size=4, statement_page_size=1000)


def statement(n: int) -> dict[str, Any]:
    s: dict[str, Any] = {
        "id": str(uuid.UUID(int=1000 + n)),
        "actor": {"objectType": "Agent", **(ANN if n % 2 else BOB)},
        "verb": {"id": VERB + ("completed" if n % 3 == 0 else "experienced")},
        "object": {"id": f"{ACT}{n % 4}"},
    }
    if n % 5 == 0:
        s["context"] = {"registration": REG, "contextActivities": {"parent": [{"id": ACT + "course"}]}}
    if n % 7 == 0:
        s["context"] = {"instructor": {"objectType": "Agent", **ANN}}
    return s


@pytest.fixture
def stored(client: TestClient) -> list[str]:
    """23 statements stored one request at a time (distinct `stored`), one of them voided."""
    stamps = []
    for n in range(23):
        assert client.post("/xapi/statements", json=statement(n)).status_code == 200
        stamps.append(
            client.get("/xapi/statements", params={"statementId": statement(n)["id"]}).json()["stored"]
        )
    voiding = {
        "actor": {"objectType": "Agent", **ANN},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": statement(4)["id"]},
    }
    assert client.post("/xapi/statements", json=voiding).status_code == 200
    return stamps


def export(client: TestClient, params: dict[str, str]) -> tuple[list[dict[str, Any]], Any]:
    response = client.get("/admin/exports/statements", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = response.text.splitlines()
    assert response.text.endswith("\n") or not lines
    return [json.loads(line) for line in lines], response.headers


def xapi_ids(client: TestClient, params: dict[str, str]) -> list[str]:
    body = client.get("/xapi/statements", params={**params, "limit": "1000"}).json()
    assert body["more"] == ""
    return [s["id"] for s in body["statements"]]


FILTERS = [
    pytest.param({}, id="everything"),
    pytest.param({"ascending": "true"}, id="ascending"),
    pytest.param({"agent": json.dumps(ANN)}, id="agent"),
    pytest.param({"agent": json.dumps(ANN), "related_agents": "true"}, id="related-agents"),
    pytest.param({"verb": VERB + "completed"}, id="verb"),
    pytest.param({"activity": ACT + "1"}, id="activity"),
    pytest.param({"activity": ACT + "course", "related_activities": "true"}, id="related-activities"),
    pytest.param({"registration": REG}, id="registration"),
    pytest.param(
        {"verb": VERB + "experienced", "agent": json.dumps(BOB), "ascending": "true"}, id="combined"
    ),
]


@pytest.mark.parametrize("params", FILTERS)
def test_export_matches_the_xapi_query(client: TestClient, stored: list[str], params: dict[str, str]) -> None:
    statements, headers = export(client, params)
    expected = xapi_ids(client, params)
    assert [s["id"] for s in statements] == expected
    assert int(headers["x-total-count"]) == len(expected)
    assert statement(4)["id"] not in expected  # voided


def test_export_everything_spans_pages_in_stored_order(client: TestClient, stored: list[str]) -> None:
    statements, headers = export(client, {"ascending": "true"})
    assert len(statements) == 23 == int(headers["x-total-count"])  # 22 kept + the voiding statement
    assert [s["stored"] for s in statements] == sorted(s["stored"] for s in statements)
    assert statements[0] == client.get("/xapi/statements", params={"statementId": statements[0]["id"]}).json()


def test_export_since_and_until(client: TestClient, stored: list[str]) -> None:
    params = {"since": stored[5], "until": stored[15]}
    statements, _ = export(client, params)
    assert [s["id"] for s in statements] == xapi_ids(client, params)
    inside = [n for n in range(23) if n != 4 and stored[5] < stored[n] <= stored[15]]
    assert {s["id"] for s in statements} == {statement(n)["id"] for n in inside}
    assert len(inside) >= 9  # the statements were stored one request apart


def test_export_of_an_empty_store_is_empty(client: TestClient) -> None:
    statements, headers = export(client, {})
    assert statements == [] and headers["x-total-count"] == "0"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"limit": "5"}, "limit", id="limit"),
        pytest.param({"more": "x"}, "more", id="more"),
        pytest.param({"statementId": REG}, "statementId", id="statement-id"),
        pytest.param({"verb": "not an iri"}, "verb", id="bad-verb"),
        pytest.param({"since": "yesterday"}, "since", id="bad-since"),
    ],
)
def test_export_refuses_bad_parameters(client: TestClient, params: dict[str, str], field: str) -> None:
    response = client.get("/admin/exports/statements", params=params)
    assert response.status_code == 400 and response.json()["field"] == field


def test_export_needs_statements_read(client: TestClient) -> None:
    client.portal.call(create_credential, client.app.state.db, "launcher", ["scorm/commit"], "l", "s")  # type: ignore[attr-defined]
    response = client.get("/admin/exports/statements", headers={"Authorization": basic_auth("l", "s")})
    assert response.status_code == 403
