"""`more` tokens (issue 8 defect 3): signed with the server key, every field checked again as if it came
from the query string; tampered, type-tampered and forged tokens are 400; they work on any process
sharing the key."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.signing import Signer
from lrs.storage import Database
from tests.support import basic_auth, make_settings, same_store

HEADERS = {"Authorization": basic_auth(), "X-Experience-API-Version": "1.0.3"}
LAST_ID = "6f3b1a0e-3d1c-4e7e-9a3b-2b8f0a4c1d2e"


def statement(n: int) -> dict[str, Any]:
    return {
        "actor": {"mbox": f"mailto:learner{n}@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": f"http://example.com/activities/{n}"},
    }


def more_token(response: Any) -> str:
    more = response.json()["more"]
    assert more, response.text
    return parse_qs(urlsplit(more).query)["more"][0]


def signer_of(client: TestClient) -> Signer:
    return client.app.state.signer  # type: ignore[attr-defined, no-any-return]


def test_more_pages_through_every_statement_once(client: TestClient) -> None:
    assert client.post("/xapi/statements", json=[statement(n) for n in range(5)]).status_code == 200
    seen: list[str] = []
    response = client.get("/xapi/statements", params={"limit": "2"})
    while True:
        seen += [s["id"] for s in response.json()["statements"]]
        if not response.json()["more"]:
            break
        response = client.get(response.json()["more"])
        assert response.status_code == 200, response.text
    assert len(seen) == len(set(seen)) == 5


def test_more_token_is_signed_not_readable_json(client: TestClient) -> None:
    client.post("/xapi/statements", json=[statement(n) for n in range(3)])
    token = more_token(client.get("/xapi/statements", params={"limit": "1"}))
    assert token.startswith("v1.") and token.count(".") == 2


@pytest.mark.parametrize(
    "state",
    [
        pytest.param({"agent": {"$regex": ".*"}, "limit": 1}, id="regex-operator"),
        pytest.param({"verb": {"$ne": None}}, id="ne-operator"),
        pytest.param({"after_stored": {"$gt": 0}, "after_id": {"$gt": ""}}, id="gt-operator"),
        pytest.param({"limit": 10_000_000}, id="limit-over-cap"),
        pytest.param({"limit": "x"}, id="type-tampered"),
    ],
)
def test_more_unsigned_hand_made_token_is_400(client: TestClient, state: dict[str, Any]) -> None:
    client.post("/xapi/statements", json=[statement(n) for n in range(3)])
    forged = base64.urlsafe_b64encode(orjson.dumps(state)).decode().rstrip("=")
    response = client.get("/xapi/statements", params={"more": forged})
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "more"


def test_more_tampered_token_is_400(client: TestClient) -> None:
    client.post("/xapi/statements", json=[statement(n) for n in range(3)])
    version, body, mac = more_token(client.get("/xapi/statements", params={"limit": "1"})).split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["p"]["limit"] = "10000000"
    tampered = base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")
    for token in (f"{version}.{tampered}.{mac}", f"{version}.{body}.{mac[:-3]}AAA", f"v2.{body}.{mac}"):
        response = client.get("/xapi/statements", params={"more": token})
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_parameter"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"p": {"agent": '{"$regex": ".*"}'}, "s": 0, "i": LAST_ID}, id="operator-in-agent"),
        pytest.param({"p": {"verb": "not an iri"}, "s": 0, "i": LAST_ID}, id="bad-verb"),
        pytest.param({"p": {"limit": 5}, "s": 0, "i": LAST_ID}, id="number-not-string"),
        pytest.param({"p": {}, "s": "0", "i": LAST_ID}, id="position-as-text"),
        pytest.param({"p": {}, "s": {"$gt": 0}, "i": LAST_ID}, id="position-operator"),
        pytest.param({"p": {}, "s": 2**62, "i": LAST_ID}, id="position-out-of-range"),
        pytest.param({"p": {}, "s": 0, "i": {"$gt": ""}}, id="id-operator"),
        pytest.param({"p": {}, "s": 0, "i": "x"}, id="id-not-a-uuid"),
        pytest.param({"p": {"more": "x"}, "s": 0, "i": LAST_ID}, id="nested-more"),
        pytest.param({"p": {"statementId": LAST_ID}, "s": 0, "i": LAST_ID}, id="single-statement"),
        pytest.param({"p": {"foo": "1"}, "s": 0, "i": LAST_ID}, id="unknown-parameter"),
        pytest.param({"p": {}, "s": 0, "i": LAST_ID, "extra": 1}, id="extra-field"),
        pytest.param({"p": [], "s": 0, "i": LAST_ID}, id="params-not-an-object"),
    ],
)
def test_more_signed_but_invalid_content_is_400(client: TestClient, payload: dict[str, Any]) -> None:
    """Even a token signed with the key is checked field by field (as a leaked key or a bug would allow)."""
    token = signer_of(client).sign("more", payload)
    response = client.get("/xapi/statements", params={"more": token})
    assert response.status_code == 400, response.text
    assert response.json()["message"]


def test_more_limit_is_capped_again_when_decoded(database: Database) -> None:
    settings = make_settings(statement_page_size=2)
    with TestClient(create_app(settings, database), headers=HEADERS) as client:
        client.post("/xapi/statements", json=[statement(n) for n in range(6)])
        token = signer_of(client).sign(
            "more", {"p": {"limit": "10000000"}, "s": 253402300799999, "i": LAST_ID}
        )
        response = client.get("/xapi/statements", params={"more": token})
    assert response.status_code == 200, response.text
    assert len(response.json()["statements"]) == 2


def test_more_of_another_kind_or_another_key_is_400(client: TestClient) -> None:
    client.post("/xapi/statements", json=[statement(n) for n in range(3)])
    payload = {"p": {}, "s": 0, "i": LAST_ID}
    for token in (signer_of(client).sign("cursor", payload), Signer("another key").sign("more", payload)):
        assert client.get("/xapi/statements", params={"more": token}).status_code == 400


def test_more_url_works_on_another_process_sharing_the_key(database: Database) -> None:
    """Two apps (processes) on one store and one LRS_SECRET_KEY: a page from one continues on the other."""
    settings = make_settings(secret_key="shared-signing-key")
    with TestClient(create_app(settings, database), headers=HEADERS) as first:
        first.post("/xapi/statements", json=[statement(n) for n in range(3)])
        page = first.get("/xapi/statements", params={"limit": "2"})
        # the second process's own client to the same store (a MongoDB client serves one event loop)
        with TestClient(create_app(settings, same_store(database)), headers=HEADERS) as second:
            rest = second.get(page.json()["more"])
    assert rest.status_code == 200, rest.text
    first_ids = {s["id"] for s in page.json()["statements"]}
    rest_ids = {s["id"] for s in rest.json()["statements"]}
    assert len(rest_ids) == 1 and not first_ids & rest_ids
