"""Admin API, credentials: create (secret shown once), list, revoke, rotate, expiry, whoami, scopes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.credentials import ALL_SCOPES
from lrs.storage.indexes import CREDENTIALS
from tests.support import API_KEY, basic_auth


def create(client: TestClient, **body: Any) -> dict[str, Any]:
    payload = {"label": "launcher", "scopes": ["scorm/commit"], "expires_at": None, **body}
    response = client.post("/admin/credentials", json=payload)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def as_(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": basic_auth(key, secret)}


def future(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_admin_create_shows_the_secret_once_and_the_credential_works(client: TestClient) -> None:
    made = create(client, label="analytics", scopes=["statements/read", "reports/read"])
    assert set(made) == {"key", "secret", "label", "scopes", "expires_at", "created", "revoked"}
    assert made["label"] == "analytics" and made["scopes"] == ["statements/read", "reports/read"]
    assert made["revoked"] is False and made["expires_at"] is None
    listed = client.get("/admin/credentials").json()
    assert made["secret"] not in str(listed)
    assert all("secret" not in item and "secret_hash" not in item for item in listed["items"])
    me = client.get("/admin/whoami", headers=as_(made["key"], made["secret"]))
    assert me.status_code == 200
    assert me.json() == {
        "key": made["key"],
        "label": "analytics",
        "scopes": ["reports/read", "statements/read"],
        "expires_at": None,
    }
    assert client.get("/reports/enrollments", headers=as_(made["key"], made["secret"])).status_code == 200


def test_admin_list_has_every_credential_with_a_total(client: TestClient) -> None:
    first, second = create(client, label="a"), create(client, label="b")
    body = client.get("/admin/credentials").json()
    assert body["total"] == len(body["items"]) == 3  # with the default credential
    by_key = {item["key"]: item for item in body["items"]}
    assert set(by_key) == {API_KEY, first["key"], second["key"]}
    assert set(by_key[first["key"]]) == {"key", "label", "scopes", "expires_at", "created", "revoked"}
    assert by_key[second["key"]]["label"] == "b"


def test_admin_revoke_refuses_the_credential_and_is_idempotent(client: TestClient) -> None:
    made = create(client)
    auth = as_(made["key"], made["secret"])
    assert client.get("/admin/whoami", headers=auth).status_code == 200
    for _ in range(2):
        revoked = client.delete(f"/admin/credentials/{made['key']}")
        assert revoked.status_code == 200
        assert revoked.json() == {"key": made["key"], "revoked": True}
    assert client.get("/admin/whoami", headers=auth).status_code == 401
    items = client.get("/admin/credentials").json()["items"]
    assert next(i for i in items if i["key"] == made["key"])["revoked"] is True


def test_admin_revoke_unknown_key_is_404(client: TestClient) -> None:
    response = client.delete("/admin/credentials/nope")
    assert response.status_code == 404 and response.json()["field"] == "key"


def test_admin_rotate_replaces_the_secret(client: TestClient) -> None:
    made = create(client)
    old = as_(made["key"], made["secret"])
    assert client.get("/admin/whoami", headers=old).status_code == 200
    rotated = client.post(f"/admin/credentials/{made['key']}/rotate")
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"key", "secret"} and rotated.json()["key"] == made["key"]
    assert rotated.json()["secret"] != made["secret"]
    assert client.get("/admin/whoami", headers=old).status_code == 401
    assert client.get("/admin/whoami", headers=as_(made["key"], rotated.json()["secret"])).status_code == 200


def test_admin_rotate_unknown_is_404_and_revoked_is_409(client: TestClient) -> None:
    assert client.post("/admin/credentials/nope/rotate").status_code == 404
    made = create(client)
    client.delete(f"/admin/credentials/{made['key']}")
    refused = client.post(f"/admin/credentials/{made['key']}/rotate")
    assert refused.status_code == 409 and refused.json()["error"] == "conflict"


def test_admin_expiry_is_kept_and_an_expired_credential_is_401(client: TestClient) -> None:
    made = create(client, expires_at="2099-01-02T03:04:05+02:00")
    assert made["expires_at"].startswith("2099-01-02T01:04:05")
    listed = client.get("/admin/credentials").json()["items"]
    assert next(i for i in listed if i["key"] == made["key"])["expires_at"] == made["expires_at"]
    auth = as_(made["key"], made["secret"])
    assert client.get("/admin/whoami", headers=auth).json()["expires_at"] == made["expires_at"]

    later = create(client, expires_at=future())
    db = client.app.state.db  # type: ignore[attr-defined]
    past = datetime.now(UTC) - timedelta(seconds=1)
    client.portal.call(  # type: ignore[union-attr]
        lambda: db.collection(CREDENTIALS).update_one({"_id": later["key"]}, {"$set": {"expires_at": past}})
    )
    refused = client.get("/admin/whoami", headers=as_(later["key"], later["secret"]))
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"


def test_admin_scope_is_required_and_not_granted_by_all(client: TestClient) -> None:
    made = create(client, scopes=["all"])
    auth = as_(made["key"], made["secret"])
    for method, path in [
        ("GET", "/admin/credentials"),
        ("POST", "/admin/credentials"),
        ("DELETE", f"/admin/credentials/{made['key']}"),
        ("POST", f"/admin/credentials/{made['key']}/rotate"),
    ]:
        response = client.request(method, path, headers=auth, json={"label": "x", "scopes": ["all"]})
        assert response.status_code == 403, (method, path)
        assert "admin" in response.json()["message"]
    assert client.get("/admin/whoami", headers=auth).status_code == 200


def test_admin_unauthenticated_is_401(client: TestClient) -> None:
    for path in ("/admin/credentials", "/admin/whoami"):
        response = client.get(path, headers={"Authorization": ""})
        assert response.status_code == 401 and "www-authenticate" in response.headers


def test_admin_default_credential_has_every_scope_including_admin(client: TestClient) -> None:
    me = client.get("/admin/whoami").json()
    assert me["key"] == API_KEY and set(me["scopes"]) == set(ALL_SCOPES) and "admin" in me["scopes"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"scopes": ["all"]}, "label", id="no-label"),
        pytest.param({"label": "  ", "scopes": ["all"]}, "label", id="blank-label"),
        pytest.param({"label": "x" * 201, "scopes": ["all"]}, "label", id="label-too-long"),
        pytest.param({"label": "x", "scopes": []}, "scopes", id="no-scopes"),
        pytest.param({"label": "x", "scopes": ["root"]}, "scopes", id="unknown-scope"),
        pytest.param({"label": "x", "scopes": "all"}, "scopes", id="scopes-not-a-list"),
        pytest.param(
            {"label": "x", "scopes": ["all"], "expires_at": "2001-01-01T00:00:00Z"}, "expires_at", id="past"
        ),
        pytest.param(
            {"label": "x", "scopes": ["all"], "expires_at": "tomorrow"}, "expires_at", id="not-a-date"
        ),
        pytest.param(
            {"label": "x", "scopes": ["all"], "expires_at": "9999-12-31T23:59:59-01:00"},
            "expires_at",
            id="out-of-range",
        ),
        pytest.param({"label": "x", "scopes": ["all"], "expiry": "2099-01-01"}, "expiry", id="unknown-field"),
        pytest.param(["x"], "body", id="not-an-object"),
    ],
)
def test_admin_create_rejects_bad_bodies_naming_the_field(client: TestClient, body: Any, field: str) -> None:
    response = client.post("/admin/credentials", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request" and response.json()["field"] == field
    assert client.get("/admin/credentials").json()["total"] == 1


def test_admin_create_rejects_a_body_that_is_not_json(client: TestClient) -> None:
    response = client.post("/admin/credentials", content=b"{nope")
    assert response.status_code == 422 and response.json()["field"] == "body"
