"""Authentication and scopes: 401 with WWW-Authenticate, 403 out of scope, revocation, hashing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.auth import require
from lrs.credentials import create_credential, hash_secret, revoke_credential, verify_secret
from lrs.responses import json_response
from lrs.storage import Database
from tests.support import Store, basic_auth, make_settings


async def probe(request: Request) -> Response:
    principal = await require(request, request.query_params["scope"])
    return json_response({"key": principal.key, "authority": principal.authority})


@pytest.fixture
def setup(database: Database) -> Iterator[tuple[TestClient, Database]]:
    settings = make_settings(auth_cache_seconds=0)
    db = database
    app = create_app(settings, db)
    app.router.routes.append(Route("/probe", probe))
    with TestClient(app) as client:
        client.portal.call(create_credential, db, "reader", ["statements/read"], "reader", "reader-secret")  # type: ignore[union-attr]
        yield client, db


def test_auth_missing_header_is_401_with_basic_challenge(setup: tuple[TestClient, Database]) -> None:
    client, _ = setup
    response = client.get("/probe", params={"scope": "statements/read"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.json()["error"] == "unauthorized"


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(basic_auth("reader", "wrong"), id="wrong-secret"),
        pytest.param(basic_auth("nobody", "x"), id="unknown-key"),
        pytest.param("Basic !!!notbase64", id="malformed"),
        pytest.param("Bearer abc", id="not-basic"),
    ],
)
def test_auth_bad_credentials_are_401(setup: tuple[TestClient, Database], header: str) -> None:
    client, _ = setup
    response = client.get("/probe", params={"scope": "statements/read"}, headers={"Authorization": header})
    assert response.status_code == 401


def test_auth_scope_outside_credential_is_403_naming_it(setup: tuple[TestClient, Database]) -> None:
    client, _ = setup
    auth = {"Authorization": basic_auth("reader", "reader-secret")}
    assert client.get("/probe", params={"scope": "statements/read"}, headers=auth).status_code == 200
    refused = client.get("/probe", params={"scope": "statements/write"}, headers=auth)
    assert refused.status_code == 403
    assert "statements/write" in refused.json()["message"]


def test_auth_authority_is_the_credential_account(setup: tuple[TestClient, Database]) -> None:
    client, _ = setup
    body = client.get(
        "/probe",
        params={"scope": "statements/read/mine"},
        headers={"Authorization": basic_auth("reader", "reader-secret")},
    ).json()
    assert body["authority"] == {
        "objectType": "Agent",
        "name": "reader",
        "account": {"homePage": "https://lms.example.com", "name": "reader"},
    }


def test_auth_revoked_credential_is_refused(setup: tuple[TestClient, Database]) -> None:
    client, db = setup
    auth = {"Authorization": basic_auth("reader", "reader-secret")}
    assert client.get("/probe", params={"scope": "statements/read"}, headers=auth).status_code == 200
    client.portal.call(revoke_credential, db, "reader")  # type: ignore[union-attr]
    assert client.get("/probe", params={"scope": "statements/read"}, headers=auth).status_code == 401


def test_auth_default_credential_from_settings_has_every_scope(
    setup: tuple[TestClient, Database],
) -> None:
    client, _ = setup
    for scope in ("statements/write", "state", "scorm/commit", "reports/read"):
        assert (
            client.get("/probe", params={"scope": scope}, headers={"Authorization": basic_auth()}).status_code
            == 200
        )


def test_credentials_secret_is_stored_as_a_salted_slow_hash() -> None:
    first, second = hash_secret("s3cret"), hash_secret("s3cret")
    assert first != second and "s3cret" not in first
    assert first.startswith("scrypt$")
    assert verify_secret("s3cret", first) and not verify_secret("s3cret!", first)


def test_credentials_unknown_scope_is_refused(store: Store) -> None:
    from lrs.errors import BadRequest

    with pytest.raises(BadRequest, match="unknown scope 'root'"):
        store.run(create_credential(store.db, "x", ["root"]))
