"""The legacy import on the sample files: what it creates, a second run, a dry run."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.scorm.attempts import attempt_id, enrollment_id
from lrs.scorm.importer import run_import
from lrs.scorm.timing import seconds_of
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_ENROLLMENTS, SCORM_SESSIONS, STATEMENTS
from tests.scorm.helpers import commit, find, find_one, post

DATA = Path(__file__).parent / "data"


def run(client: TestClient, name: str, dry_run: bool = False) -> tuple[int, str]:
    out = io.StringIO()
    app: Any = client.app

    async def work() -> int:
        return await run_import(app.state.db, app.state.settings, str(DATA / name), dry_run=dry_run, out=out)

    code = client.portal.call(work)  # type: ignore[union-attr]
    return code, out.getvalue()


def test_import_csv_creates_enrollments_attempts_sessions_and_statements(client: TestClient) -> None:
    code, output = run(client, "legacy_progress.csv")
    assert code == 0 and output.endswith("imported 3, skipped 0, errors 0\n")
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
    code, output = run(client, "legacy_progress.csv")
    assert code == 0 and output.endswith("imported 0, skipped 3, errors 0\n")
    assert [len(find(client, name, {})) for name in (SCORM_ENROLLMENTS, SCORM_ATTEMPTS, STATEMENTS)] == counts


def test_import_dry_run_writes_nothing(client: TestClient) -> None:
    code, output = run(client, "legacy_progress.csv", dry_run=True)
    assert code == 0 and "would import 3, skipped 0, errors 0" in output
    assert "u-1 / c-1" in output and "status=passed attempts=3 best_score=90.0 time=5400s" in output
    for name in (SCORM_ENROLLMENTS, SCORM_ATTEMPTS, SCORM_SESSIONS, STATEMENTS):
        assert find(client, name, {}) == []


def test_import_json_lines_reports_bad_rows_and_imports_the_rest(client: TestClient) -> None:
    code, output = run(client, "legacy_progress.jsonl")
    assert code == 1
    assert "line 2: error: user_id: required" in output and output.endswith(
        "imported 1, skipped 0, errors 1\n"
    )
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


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("754", 754.0, id="seconds"),
        pytest.param("01:30:00", 5400.0, id="hh-mm-ss"),
        pytest.param("100:00:01.5", 360001.5, id="many-hours"),
        pytest.param("", None, id="empty"),
    ],
)
def test_import_total_time_spent_formats(value: str, seconds: float | None) -> None:
    assert seconds_of(value) == seconds
