"""The service as a whole: health endpoints, body limit, CORS, credentials at startup."""

from __future__ import annotations

from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.storage import Database
from tests.support import basic_auth, make_settings


def test_health_live_and_ready_answer_ok(client: TestClient) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"


def test_body_over_limit_is_refused_with_413_naming_the_limit(database: Database) -> None:
    settings = make_settings(max_body_bytes=100)
    with TestClient(create_app(settings, database)) as client:
        response = client.post(
            "/xapi/statements",
            content=b"x" * 101,
            headers={"Authorization": basic_auth(), "Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert "100 bytes" in response.json()["message"]


def test_cors_preflight_allows_configured_origin(database: Database) -> None:
    settings = make_settings(cors_origins=["https://content.example.org"])
    with TestClient(create_app(settings, database)) as client:
        response = client.options(
            "/xapi/statements",
            headers={
                "Origin": "https://content.example.org",
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "authorization,x-experience-api-version,content-type",
            },
        )
        refused = client.options(
            "/xapi/statements",
            headers={"Origin": "https://evil.example.net", "Access-Control-Request-Method": "PUT"},
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://content.example.org"
    assert "x-experience-api-version" in response.headers["access-control-allow-headers"].lower()
    assert refused.status_code == 400


def test_unexpected_error_is_answered_as_json_500(database: Database) -> None:
    from starlette.requests import Request
    from starlette.routing import Route

    async def broken(request: Request) -> None:
        raise RuntimeError("bug")

    settings = make_settings()
    app = create_app(settings, database)
    app.router.routes.append(Route("/broken", broken))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken")
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "bug" not in response.text  # no internals leak to the client
