"""Issue 8 defect 9 and the JSON error contract: 404/405 as JSON naming what was wrong, CORS only from
the allow-list (none by default), nosniff and no-store headers, one log line for a client that left."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.storage import Database
from tests.support import basic_auth, make_settings


@pytest.mark.parametrize(
    "path",
    ["/nope", "/xapi/nope", "/xapi/statements/extra", "/reports/nope", "/scorm/nope", "/health/nope", "/"],
)
def test_unknown_path_is_json_404_naming_the_path(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "not_found", "message": f"no resource at {path}", "field": "path"}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/health/live", "GET"),
        ("POST", "/reports/enrollments", "GET"),
        ("PATCH", "/xapi/statements", "GET"),
        ("DELETE", "/scorm/commits", "POST"),
        ("PUT", "/xapi/about", "GET"),
    ],
)
def test_method_not_allowed_is_json_405_naming_the_method(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    body = response.json()
    assert body["error"] == "method_not_allowed" and body["field"] == "method"
    assert body["message"].startswith(f"{method} is not allowed on {path}")
    assert allowed in response.headers["allow"]


def test_head_of_unknown_path_is_404_without_body(client: TestClient) -> None:
    response = client.head("/nope")
    assert response.status_code == 404 and response.content == b""


@pytest.mark.parametrize(
    "path", ["/xapi/statements", "/reports/enrollments", "/scorm/commits", "/health/live"]
)
def test_cors_by_default_allows_no_origin(client: TestClient, path: str) -> None:
    origin = {"Origin": "https://elsewhere.example.net"}
    simple = client.get(path, headers=origin)
    preflight = client.options(path, headers={**origin, "Access-Control-Request-Method": "POST"})
    for response in (simple, preflight):
        assert not any(name.startswith("access-control-") for name in response.headers)
    assert preflight.status_code == 405 and preflight.json()["error"] == "method_not_allowed"


def test_cors_allow_list_admits_only_listed_origins_on_every_route(database: Database) -> None:
    settings = make_settings(cors_origins=["https://lms.example.org"])
    with TestClient(create_app(settings, database)) as client:
        for path in ("/reports/enrollments", "/scorm/commits", "/xapi/statements"):
            listed = client.get(path, headers={"Origin": "https://lms.example.org"})
            other = client.get(path, headers={"Origin": "https://evil.example.net"})
            assert listed.headers["access-control-allow-origin"] == "https://lms.example.org"
            assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/xapi/statements", {}),
        ("GET", "/reports/enrollments", {}),
        ("GET", "/reports/enrollments?format=csv", {}),
        ("GET", "/scorm/commits?session_id=s", {}),
        ("POST", "/scorm/commits", {"json": {}}),
        ("GET", '/xapi/activities/state?activityId=http://e.org/a&agent={"mbox":"mailto:a@e.org"}', {}),
        ("GET", "/nope", {}),
    ],
)
def test_authenticated_answers_are_nosniff_and_no_store(
    client: TestClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    response = client.request(method, path, **kwargs)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_unauthenticated_answers_are_nosniff(client: TestClient) -> None:
    for response in (
        client.get("/health/live", headers={"Authorization": ""}),
        client.get("/reports/enrollments", headers={"Authorization": ""}),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"


def test_client_disconnecting_mid_body_logs_one_line_and_no_traceback(
    caplog: pytest.LogCaptureFixture, database: Database
) -> None:
    settings = make_settings()
    app = create_app(settings, database)
    sent: list[dict[str, Any]] = []
    messages = [
        {"type": "http.request", "body": b'[{"actor": {"mbox": "mailto:a@e.org"}, ', "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/xapi/statements",
        "raw_path": b"/xapi/statements",
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "headers": [
            (b"authorization", basic_auth().encode()),
            (b"x-experience-api-version", b"1.0.3"),
            (b"content-type", b"application/json"),
            (b"content-length", b"1000"),
        ],
    }
    with TestClient(app) as client, caplog.at_level(logging.DEBUG):
        caplog.clear()
        client.portal.call(app, {**scope, "app": app, "state": {}}, receive, send)  # type: ignore[union-attr]
        stored = client.get(
            "/xapi/statements", headers={"Authorization": basic_auth(), "X-Experience-API-Version": "1.0.3"}
        )
    lines = [r for r in caplog.records if "disconnected" in r.getMessage()]
    assert len(lines) == 1 and "127.0.0.1" in lines[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert stored.json()["statements"] == []


@pytest.mark.uvicorn
def test_clients_going_away_mid_body_on_a_real_server_log_one_line_each(
    caplog: pytest.LogCaptureFixture, database: Database
) -> None:
    """Through uvicorn on 127.0.0.1: 20 clients send half a body and close; 20 log lines, no traceback."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    settings = make_settings()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, database), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    with caplog.at_level(logging.INFO):
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        try:
            for _ in range(20):
                with socket.create_connection(("127.0.0.1", port)) as conn:
                    conn.sendall(
                        b"POST /scorm/commits HTTP/1.1\r\nHost: x\r\nAuthorization: "
                        + basic_auth().encode()
                        + b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                        + b'{"learner": '
                    )
                    time.sleep(0.05)  # let the server start reading the body before the client leaves
            deadline = time.monotonic() + 10
            while sum("disconnected" in r.getMessage() for r in caplog.records) < 20:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    lines = [r for r in caplog.records if "disconnected" in r.getMessage()]
    assert len(lines) == 20
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
