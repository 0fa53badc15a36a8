"""GET /metrics: access by scope, what is counted, and the multiprocess mode several workers use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.cli.serve import metrics_directory
from lrs.credentials import create_credential
from lrs.metrics import MULTIPROC_ENV
from tests.scorm.helpers import commit
from tests.support import basic_auth, make_database, make_settings


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def requests_count(route: str, status: str, method: str = "GET") -> float:
    return sample("lrs_http_request_duration_seconds_count", method=method, route=route, status=status)


def add_credential(client: TestClient, key: str, scopes: list[str]) -> str:
    client.portal.call(create_credential, client.app.state.db, key, scopes, key, f"{key}-secret")  # type: ignore[union-attr,attr-defined]
    return basic_auth(key, f"{key}-secret")


def test_metrics_need_the_metrics_scope(client: TestClient) -> None:
    reader = add_credential(client, "reader", ["statements/read"])
    watcher = add_credential(client, "watcher", ["metrics"])
    assert client.get("/metrics", headers={"Authorization": ""}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": reader}).status_code == 403
    answer = client.get("/metrics", headers={"Authorization": watcher})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert "lrs_http_request_duration_seconds_bucket" in answer.text


def test_metrics_open_when_metrics_auth_is_none() -> None:
    settings = make_settings(metrics_auth="none")
    with TestClient(create_app(settings, make_database(settings))) as client:
        assert client.get("/metrics").status_code == 200


def test_metrics_count_requests_by_route_template_not_path(client: TestClient) -> None:
    route = "/reports/learners/{learner}/courses"
    before, unmatched = requests_count(route, "200"), requests_count("<unmatched>", "404")
    assert client.get("/reports/learners/secret-learner-7/courses").status_code == 200
    assert client.get("/no/such/page-123").status_code == 404
    assert requests_count(route, "200") == before + 1
    assert requests_count("<unmatched>", "404") == unmatched + 1
    text = client.get("/metrics").text
    assert f'route="{route}"' in text
    assert "secret-learner-7" not in text and "page-123" not in text


def test_metrics_count_commits_by_outcome_and_statements_stored(client: TestClient) -> None:
    applied, duplicate = (
        sample("lrs_scorm_commits_total", outcome="applied"),
        sample("lrs_scorm_commits_total", outcome="duplicate"),
    )
    rejected = sample("lrs_scorm_commits_total", outcome="rejected")
    scorm, xapi = (
        sample("lrs_statements_stored_total", source="scorm"),
        sample("lrs_statements_stored_total", source="xapi"),
    )
    first = commit("1.2", "m1", 0, {}, event="initialize")
    assert client.post("/scorm/commits", json=first).status_code == 200
    assert client.post("/scorm/commits", json=first).status_code == 200
    assert client.post("/scorm/commits", json={**first, "sequence": -1}).status_code == 422
    statement = {
        "actor": {"mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://example.com/a"},
    }
    assert client.post("/xapi/statements", json=[statement, statement]).status_code == 200
    assert sample("lrs_scorm_commits_total", outcome="applied") == applied + 1
    assert sample("lrs_scorm_commits_total", outcome="duplicate") == duplicate + 1
    assert sample("lrs_scorm_commits_total", outcome="rejected") == rejected + 1
    assert sample("lrs_statements_stored_total", source="scorm") > scorm  # the launch's initialized
    assert sample("lrs_statements_stored_total", source="xapi") == xapi + 2


def test_metrics_time_storage_calls_by_collection_and_method(client: TestClient) -> None:
    before = sample("lrs_storage_call_duration_seconds_count", collection="statements", method="insert_many")
    statement = {
        "actor": {"mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://example.com/a"},
    }
    assert client.post("/xapi/statements", json=statement).status_code == 200
    after = sample("lrs_storage_call_duration_seconds_count", collection="statements", method="insert_many")
    assert after == before + 1


def test_metrics_count_failed_logins(client: TestClient) -> None:
    before = sample("lrs_failed_logins_total")
    response = client.get("/reports/courses", headers={"Authorization": basic_auth("test-key", "wrong")})
    assert response.status_code == 401
    assert sample("lrs_failed_logins_total") == before + 1


_WORKER = """
import sys
from lrs.metrics import FAILED_LOGINS, OUTBOX_DEPTH, POSTBACK_FAILURES
FAILED_LOGINS.inc(int(sys.argv[1]))
POSTBACK_FAILURES.inc()
OUTBOX_DEPTH.set(int(sys.argv[1]))
"""


def test_metrics_of_several_worker_processes_add_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `lrs-bridge serve --workers N` sets up: each process writes, /metrics reads all of them."""
    directory = tmp_path / "metrics"
    monkeypatch.setenv(MULTIPROC_ENV, str(directory))
    directory.mkdir()
    (directory / "counter_999.db").write_bytes(b"stale from a previous run")
    with metrics_directory(2):
        assert not (directory / "counter_999.db").exists()
        for count in ("2", "3"):
            subprocess.run([sys.executable, "-c", _WORKER, count], check=True)
        exposition = subprocess.run(
            [sys.executable, "-c", "from lrs.metrics import exposition; print(exposition().decode())"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    assert "lrs_failed_logins_total 5.0" in exposition
    assert "lrs_postback_delivery_failures_total 2.0" in exposition
    assert "lrs_postback_outbox_depth 3.0" in exposition  # the most recent value written


def test_metrics_directory_is_made_and_removed_for_several_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MULTIPROC_ENV, "")
    monkeypatch.delenv(MULTIPROC_ENV)
    with metrics_directory(1):
        assert MULTIPROC_ENV not in os.environ
    with metrics_directory(3):
        made = Path(os.environ[MULTIPROC_ENV])
        assert made.is_dir()
    assert not made.exists()
    assert MULTIPROC_ENV not in os.environ
