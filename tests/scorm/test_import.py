"""POST /admin/imports on the sample files: what it creates, a second run, a dry run, bad rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.credentials import create_credential
from lrs.scorm.attempts import attempt_id, enrollment_id
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_ENROLLMENTS, SCORM_SESSIONS, STATEMENTS
from tests.scorm.helpers import commit, find, find_one, post
from tests.support import basic_auth, make_settings

DATA = Path(__file__).parent / "data"


def send(client: TestClient, rows: list[tuple[int, dict[str, Any]]], dry_run: bool = False) -> Any:
    body = {"rows": [{"line": line, "values": values} for line, values in rows], "dry_run": dry_run}
    response = client.post("/admin/imports", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def read_rows(name: str) -> list[tuple[int, dict[str, Any]]]:
    """(line, values) of a sample file, as the CLI sends them."""
    text = (DATA / name).read_text(encoding="utf-8")
    if name.endswith(".jsonl"):
        return [(n, json.loads(line)) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    return [(n, row) for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2)]


def run(client: TestClient, name: str, dry_run: bool = False) -> Any:
    return send(client, read_rows(name), dry_run)


def test_import_csv_creates_enrollments_attempts_sessions_and_statements(client: TestClient) -> None:
    answer = run(client, "legacy_progress.csv")
    assert answer["counts"] == {"imported": 3, "would import": 0, "skipped": 0, "invalid": 0}
    assert [r["statements"] for r in answer["results"]] == [4, 1, 4]
    ann = find_one(client, SCORM_ENROLLMENTS, enrollment_id("u-1", "c-1"))
    assert {
        k: ann[k]
        for k in (
            "status",
            "attempt_count",
            "legacy_attempts",
            "best_score_raw",
            "last_score_raw",
            "last_score_scaled",
            "total_time_s",
        )
    } == {
        "status": "passed",
        "attempt_count": 3,
        "legacy_attempts": 3,
        "best_score_raw": 90.0,
        "last_score_raw": 80.0,
        "last_score_scaled": 0.8,
        "total_time_s": 5400.0,
    }  # 01:30:00
    assert ann["first_access"] == datetime(2024, 1, 10, 9, tzinfo=UTC)
    bob = find_one(client, SCORM_ENROLLMENTS, enrollment_id("u-2", "c-1"))
    assert (bob["status"], bob["attempt_count"], bob["total_time_s"]) == ("in progress", 1, 754.0)
    cy = find_one(client, SCORM_ENROLLMENTS, enrollment_id("u-3", "c-2"))
    assert (cy["status"], cy["best_score_raw"], cy["attempt_count"]) == ("failed", 55.0, 2)
    assert cy["last_access"] == datetime(2024, 4, 5, 12, 30, tzinfo=UTC)  # naive dates are UTC
    attempt = find_one(client, SCORM_ATTEMPTS, attempt_id(ann["_id"], 1))
    assert (attempt["number"], attempt["location"], attempt["finished"]) == (1, "page-9", True)
    session = find_one(client, SCORM_SESSIONS, f"import:{ann['_id']}")
    assert (session["time_s"], session["time_source"], session["attempt_id"]) == (
        5400.0,
        "imported",
        attempt["_id"],
    )
    # Ann: scored, completed, passed, terminated; Bob: terminated; Cy: scored, completed, failed, terminated
    assert len(find(client, STATEMENTS, {"source": "scorm"})) == 9
    response = client.get("/xapi/statements", params={"registration": ann["_id"]})
    assert response.status_code == 200, response.text
    assert sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in response.json()["statements"]) == [
        "completed",
        "passed",
        "scored",
        "terminated",
    ]


def test_import_twice_imports_nothing_twice(client: TestClient) -> None:
    run(client, "legacy_progress.csv")
    counts = [len(find(client, name, {})) for name in (SCORM_ENROLLMENTS, SCORM_ATTEMPTS, STATEMENTS)]
    answer = run(client, "legacy_progress.csv")
    assert answer["counts"] == {"imported": 0, "would import": 0, "skipped": 3, "invalid": 0}
    assert [len(find(client, name, {})) for name in (SCORM_ENROLLMENTS, SCORM_ATTEMPTS, STATEMENTS)] == counts


def test_import_dry_run_writes_nothing(client: TestClient) -> None:
    answer = run(client, "legacy_progress.csv", dry_run=True)
    assert answer["counts"] == {"imported": 0, "would import": 3, "skipped": 0, "invalid": 0}
    assert answer["results"][0] == {
        "line": 2,
        "outcome": "would import",
        "enrollment": enrollment_id("u-1", "c-1"),
        "statements": 0,
    }
    for name in (SCORM_ENROLLMENTS, SCORM_ATTEMPTS, SCORM_SESSIONS, STATEMENTS):
        assert find(client, name, {}) == []


def test_import_json_lines_reports_bad_rows_and_imports_the_rest(client: TestClient) -> None:
    answer = run(client, "legacy_progress.jsonl")
    assert answer["counts"] == {"imported": 1, "would import": 0, "skipped": 0, "invalid": 1}
    assert answer["results"][1] == {
        "line": 2,
        "outcome": "invalid",
        "problems": [{"line": 2, "column": "user_id", "value": "", "reason": "required"}],
    }
    assert answer["problems"] == 1
    di = find_one(client, SCORM_ENROLLMENTS, enrollment_id("u-4", "c-2"))
    assert (di["status"], di["total_time_s"]) == ("passed", 3600.0)


def test_import_then_live_commits_continue_the_count(client: TestClient) -> None:
    run(client, "legacy_progress.csv")
    live = {"learner": {"id": "u-1", "name": "Ann Archer"}, "course": {"id": "c-1", "title": "Course One"}}
    answer = post(client, commit("1.2", "live", 0, {"cmi.core.entry": "ab-initio"}, "initialize") | live)
    # the imported attempt is number 1 standing for 3 legacy attempts: the new one is the 4th
    assert answer["attempt"]["number"] == 2
    assert answer["enrollment"]["attempt_count"] == 4 and answer["enrollment"]["total_time_s"] == 5400.0
    assert answer["enrollment"]["status"] == "passed"


def test_import_needs_the_admin_scope(client: TestClient) -> None:
    app: Any = client.app
    client.portal.call(create_credential, app.state.db, "reader", ["all"], "reader", "s")  # type: ignore[union-attr]
    response = client.post(
        "/admin/imports", json={"rows": []}, headers={"Authorization": basic_auth("reader", "s")}
    )
    assert response.status_code == 403 and response.json()["field"] == "scope"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param(b"[", 400, "body", id="not-json"),
        pytest.param(b'{"rows": [], "rows": []}', 400, "rows", id="duplicate-key"),
        pytest.param(b'{"rows": {}}', 422, "rows", id="rows-not-a-list"),
        pytest.param(b'{"rows": [{"line": 0, "values": {}}]}', 422, "rows[0]", id="bad-line"),
        pytest.param(b'{"rows": [{"line": 2, "values": []}]}', 422, "rows[0]", id="values-not-object"),
        pytest.param(b'{"rows": [], "dry_run": "yes"}', 422, "dry_run", id="dry-run-not-bool"),
    ],
)
def test_import_refuses_malformed_bodies(client: TestClient, body: bytes, status: int, field: str) -> None:
    response = client.post("/admin/imports", content=body)
    assert response.status_code == status and response.json()["field"] == field


def test_import_refuses_a_batch_over_the_limit(database: Database) -> None:
    settings = make_settings(max_import_rows_per_batch=2)
    with TestClient(create_app(settings, database), headers={"Authorization": basic_auth()}) as client:
        rows = [{"line": n, "values": {"user_id": f"u{n}", "course_id": "c"}} for n in range(2, 5)]
        response = client.post("/admin/imports", json={"rows": rows})
        assert response.status_code == 413 and "LRS_MAX_IMPORT_ROWS_PER_BATCH" in response.json()["message"]
        assert find(client, SCORM_ENROLLMENTS, {}) == []
