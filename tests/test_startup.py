"""Startup without a database: the service starts, answers 503 with a message, and becomes ready
when the database answers; the minimum MongoDB version is checked from buildInfo."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.errors import StorageUnavailable, UnsupportedServer
from lrs.startup import PendingSigner
from lrs.storage import Database
from lrs.storage.mongo import MIN_SERVER_VERSION, check_server_version
from tests.support import basic_auth, make_settings


class UnreachableAtFirst:
    """The run's store, unreachable (StorageUnavailable) for its first `failures` opens."""

    def __init__(self, inner: Database, failures: int) -> None:
        self._inner, self.kind, self.failures = inner, inner.kind, failures

    async def open(self) -> None:
        if self.failures:
            self.failures -= 1
            raise StorageUnavailable("database unavailable: connection refused")
        await self._inner.open()

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)


def wait_until_ready(client: TestClient) -> int:
    deadline = time.monotonic() + 30  # a bound so a broken retry fails the test, not a timing assertion
    while (status := client.get("/health/ready").status_code) != 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    return status


def test_startup_waits_for_the_database_then_becomes_ready(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lrs.startup.FIRST_RETRY_S", 0.01)
    store = UnreachableAtFirst(database, failures=3)
    with TestClient(create_app(make_settings(), store), headers={"Authorization": basic_auth()}) as client:  # type: ignore[arg-type]
        first = client.get("/health/ready")
        assert first.status_code == 503
        assert first.json()["status"] == "starting"
        assert "waiting for the database" in first.json()["message"]
        assert wait_until_ready(client) == 200
        assert store.failures == 0
        # the default credential was created once the database answered
        assert client.get("/reports/enrollments").status_code == 200


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


def test_startup_on_an_unreachable_mongodb_answers_503_with_a_message() -> None:
    """The real driver (AsyncMongoClient) against a port where nothing listens."""
    settings = make_settings(
        mongodb_url=f"mongodb://127.0.0.1:{_closed_port()}/?directConnection=true",
        mongodb_server_selection_timeout_ms=200,
    )
    with TestClient(create_app(settings), headers={"Authorization": basic_auth()}) as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["store"] == "mongodb"
        assert ready.json()["message"].startswith("waiting for the database: database unavailable")
        response = client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
        assert response.status_code == 503
        assert response.json()["error"] == "storage_unavailable"
        assert "Traceback" not in response.text and "Topology" not in response.json()["message"]


@pytest.mark.parametrize(
    ("version", "supported"),
    [
        pytest.param([4, 2, 24, 0], False, id="4.2"),
        pytest.param([4, 4, 0, 0], True, id="4.4"),
        pytest.param([7, 0, 12, 0], True, id="7.0"),
        pytest.param([8, 0, 4, 0], True, id="8.0"),
        pytest.param("7.0.0", True, id="7.0-without-versionArray"),
        pytest.param("4.2.1", False, id="4.2-without-versionArray"),
        pytest.param("8.2.0-rc1", True, id="release-candidate"),
    ],
)
def test_server_version_below_the_minimum_is_refused(version: list[int] | str, supported: bool) -> None:
    if isinstance(version, str):  # some servers answer buildInfo without versionArray
        info: dict[str, Any] = {"version": version}
    else:
        info = {"version": ".".join(map(str, version[:3])), "versionArray": version}
    if supported:
        check_server_version(info)
    else:
        with pytest.raises(UnsupportedServer, match=r"older than 4\.4"):
            check_server_version(info)
    assert MIN_SERVER_VERSION == (4, 4)


def test_readme_and_docker_compose_agree_with_the_minimum_version() -> None:
    root = Path(__file__).resolve().parents[1]
    wanted = ".".join(map(str, MIN_SERVER_VERSION))
    assert f"MongoDB {wanted} or later" in (root / "README.md").read_text()
    image = re.search(r"image: mongo:(\d+)\.(\d+)", (root / "docker-compose.yml").read_text())
    assert image is not None and (int(image[1]), int(image[2])) >= MIN_SERVER_VERSION


class TooOld(UnreachableAtFirst):
    async def open(self) -> None:
        raise UnsupportedServer("MongoDB 4.2.1 is older than 4.4, the oldest lrs-bridge runs on")


def test_startup_on_a_server_too_old_stops_instead_of_waiting(database: Database) -> None:
    app = create_app(make_settings(), TooOld(database, 0))  # type: ignore[arg-type]
    with pytest.raises(UnsupportedServer, match=r"older than 4\.4"), TestClient(app):
        pass


def test_tokens_wait_for_the_signing_key_with_a_503() -> None:
    with pytest.raises(StorageUnavailable, match="signing key is not loaded yet"):
        PendingSigner().sign("more", {"n": 1})


def test_the_mongodb_path_imports_no_test_double() -> None:
    """lrs.app and lrs.storage.mongo import nothing of the in-memory store (nor mongomock)."""
    import subprocess
    import sys

    code = (
        "import sys, lrs.app, lrs.cli, lrs.storage.mongo; "
        "print(sorted(m for m in sys.modules if m.startswith('mongomock') or m == 'lrs.storage.memory'))"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
