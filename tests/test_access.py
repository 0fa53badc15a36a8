"""The access log (one JSON line per request, no secret, people hashed), X-Request-ID, errors with their id."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from lrs.access import pseudonym, request_id
from lrs.app import create_app
from lrs.logs import JsonFormatter
from tests.support import API_SECRET, basic_auth, make_database, make_settings

AGENT = '{"mbox": "mailto:ann@example.com"}'


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The access records, each formatted as the service writes it."""
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "lrs.access"]


def test_access_log_one_json_line_per_request_with_its_fields(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lrs.access")
    response = client.get("/reports/learners/u-42/courses")
    lines = access_lines(caplog)
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["method"] == "GET"
    assert line["route"] == "/reports/learners/{learner}/courses"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["credential"] == "test-key"
    assert line["learner"] == pseudonym("u-42")
    text = JsonFormatter().format(caplog.records[-1])
    assert "\n" not in text
    for secret_or_pii in (API_SECRET, basic_auth().split()[1], "u-42"):
        assert secret_or_pii not in text


def test_access_log_hashes_agents_unless_told_not_to(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="lrs.access")
    for hashed in (True, False):
        settings = make_settings(log_hash_agents=hashed)
        with TestClient(create_app(settings, make_database(settings))) as client:
            client.get(
                "/xapi/agents",
                params={"agent": AGENT},
                headers={"Authorization": basic_auth(), "X-Experience-API-Version": "1.0.3"},
            )
    hashed_line, plain_line = access_lines(caplog)
    assert hashed_line["agent"] == pseudonym(AGENT)
    assert "ann@example.com" not in json.dumps(hashed_line)
    assert plain_line["agent"] == AGENT


def test_access_log_names_the_key_even_of_a_refused_credential(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lrs.access")
    wrong = basic_auth("test-key", "not-the-secret")
    assert client.get("/reports/courses", headers={"Authorization": wrong}).status_code == 401
    (line,) = access_lines(caplog)
    assert line["credential"] == "test-key" and line["status"] == 401
    assert "not-the-secret" not in json.dumps(line)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        pytest.param("req-7f3a.b:c", True, id="plain"),
        pytest.param("x" * 128, True, id="at-the-limit"),
        pytest.param("x" * 129, False, id="too-long"),
        pytest.param("bad id\u00e9", False, id="odd-characters"),
        pytest.param("a\r\nInjected: 1", False, id="header-injection"),
    ],
)
def test_request_id_taken_from_the_client_only_when_short_and_plain(sent: str, kept: bool) -> None:
    found = request_id([(b"x-request-id", sent.encode("utf-8"))], 128)
    assert (found == sent) is kept
    if not kept:
        assert len(found) == 32 and found.isalnum()


def test_request_id_returned_in_the_answer(client: TestClient) -> None:
    given = client.get("/health/live", headers={"X-Request-ID": "lb-1234"})
    assert given.headers["x-request-id"] == "lb-1234"
    fresh = [client.get("/health/live").headers["x-request-id"] for _ in range(2)]
    assert fresh[0] != fresh[1]


def test_unexpected_error_logged_with_its_request_id(caplog: pytest.LogCaptureFixture) -> None:
    async def broken(request: Request) -> None:
        raise RuntimeError("bug")

    caplog.set_level(logging.INFO)
    settings = make_settings()
    app = create_app(settings, make_database(settings))
    app.router.routes.append(Route("/broken", broken))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "trace-500"
    assert response.json()["request_id"] == "trace-500"
    (error,) = [r for r in caplog.records if r.levelname == "ERROR" and hasattr(r, "fields")]
    line = json.loads(JsonFormatter().format(error))
    assert line["request_id"] == "trace-500" and line["level"] == "error"
    assert "RuntimeError: bug" in line["exception"]
    (access,) = access_lines(caplog)
    assert access["status"] == 500 and access["request_id"] == "trace-500"


def test_server_side_lrs_error_logged_with_its_request_id(caplog: pytest.LogCaptureFixture) -> None:
    from lrs.errors import StorageUnavailable

    async def unavailable(request: Request) -> None:
        raise StorageUnavailable("database did not answer")

    caplog.set_level(logging.INFO)
    settings = make_settings()
    app = create_app(settings, make_database(settings))
    app.router.routes.append(Route("/down", unavailable))
    with TestClient(app) as client:
        response = client.get("/down", headers={"X-Request-ID": "trace-503"})
    assert response.status_code == 503 and response.headers["x-request-id"] == "trace-503"
    (error,) = [r for r in caplog.records if r.levelname == "ERROR" and hasattr(r, "fields")]
    line = json.loads(JsonFormatter().format(error))
    assert line["request_id"] == "trace-503" and line["error"] == "storage_unavailable"
    assert line["message"] == "database did not answer"
