"""The report endpoints over HTTP: scope, JSON and CSV shapes, clear 400/404 answers, never a 500."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.credentials import create_credential
from lrs.storage.indexes import SCORM_ENROLLMENTS
from tests.reports.seed import at, enrollment, seed
from tests.support import basic_auth

REPORTS = [
    "/reports/enrollments",
    "/reports/attempts",
    "/reports/time-spent",
    "/reports/time-spent?group=day",
    "/reports/attempt-counts",
    "/reports/learners/nobody/courses",
    "/reports/courses",
    "/reports/abandoned-attempts?idle=24h",
]


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    client.portal.call(seed, client.app.state.db)  # type: ignore[attr-defined]
    return client


@pytest.mark.parametrize("path", [pytest.param(p, id=p) for p in REPORTS])
def test_reports_on_an_empty_store_answer_an_empty_page(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "total": 0, "limit": 100, "offset": 0}
    assert response.headers["x-total-count"] == "0"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        pytest.param("/reports/enrollments?status=done", "status", id="enrollments-status"),
        pytest.param("/reports/attempts?status=in%20progress", "status", id="attempts-status"),
        pytest.param("/reports/enrollments?from=2026-02-30", "from", id="bad-date"),
        pytest.param("/reports/attempts?to=tomorrow", "to", id="bad-to"),
        pytest.param("/reports/time-spent?group=month", "group", id="group"),
        pytest.param("/reports/time-spent?status=passed", "status", id="status-not-a-filter"),
        pytest.param("/reports/courses?sort=difficulty", "sort", id="sort"),
        pytest.param("/reports/abandoned-attempts?idle=soon", "idle", id="idle"),
        pytest.param("/reports/enrollments?limit=abc", "limit", id="limit"),
        pytest.param("/reports/learners/u1/courses?status=x", "status", id="learner-status"),
    ],
)
def test_reports_bad_filters_answer_400_naming_the_parameter(
    client: TestClient, path: str, field: str
) -> None:
    response = client.get(path)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_parameter" and body["field"] == field
    assert field in body["message"] or "status" in body["message"]


def test_reports_need_the_reports_scope(client: TestClient) -> None:
    db = client.app.state.db  # type: ignore[attr-defined]
    client.portal.call(create_credential, db, "writer", ["statements/write"], "writer", "writer-secret")
    response = client.get(
        "/reports/enrollments", headers={"Authorization": basic_auth("writer", "writer-secret")}
    )
    assert response.status_code == 403
    assert client.get("/reports/courses", headers={"Authorization": ""}).status_code == 401


def test_reports_enrollments_json(seeded: TestClient) -> None:
    body = seeded.get("/reports/enrollments", params={"course": "c1", "limit": "2"}).json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 2, 0)
    assert [(i["learner"], i["status"], i["time_spent_s"]) for i in body["items"]] == [
        ("alice", "passed", 4080.0),
        ("bob", "failed", 1900.0),
    ]
    assert body["items"][0]["completed_at"] == "2026-01-03T10:20:00Z"


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    "how",
    [
        pytest.param({"headers": {"Accept": "text/csv"}}, id="accept"),
        pytest.param({"params": {"format": "csv"}}, id="format"),
    ],
)
def test_reports_csv_has_the_json_columns(seeded: TestClient, how: dict[str, Any]) -> None:
    response = seeded.get("/reports/enrollments", **how)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.endswith("\r\n")
    table = parse_csv(response.text)
    json_items = seeded.get("/reports/enrollments").json()["items"]
    assert table[0] == list(json_items[0])
    assert len(table) == 1 + len(json_items)
    alice = dict(zip(table[0], table[1], strict=True))
    assert alice["time_spent_s"] == "4080.0" and alice["time_measured"] == "false"
    assert alice["completed_at"] == "2026-01-03T10:20:00Z" and alice["best_score_scaled"] == "0.9"
    assert dict(zip(table[0], table[2], strict=True))["best_score_raw"] == ""  # null -> empty


def test_reports_csv_quotes_per_rfc_4180(client: TestClient) -> None:
    tricky = enrollment("x", "c1", "passed", 1, 1, at(1, 1), at(1, 1), None)
    tricky.update(learner_name='Ann "Nan", O\'Hara', course_title="line\nbreak")
    client.portal.call(client.app.state.db.collection(SCORM_ENROLLMENTS).insert_one, tricky)  # type: ignore[attr-defined]
    text = client.get("/reports/enrollments?format=csv").text
    assert '"Ann ""Nan"", O\'Hara"' in text and '"line\nbreak"' in text
    assert parse_csv(text)[1][2] == 'Ann "Nan", O\'Hara'


def test_reports_time_spent_by_day_csv(seeded: TestClient) -> None:
    table = parse_csv(seeded.get("/reports/time-spent?group=day&learner=carol&format=csv").text)
    assert table == [
        [
            "learner",
            "course",
            "day",
            "time_spent_s",
            "scorm_s",
            "measured_s",
            "time_measured",
            "statement_duration_s",
            "video_s",
        ],
        ["carol", "c1", "2026-01-05", "2400.5", "2350.5", "2350.5", "true", "50.0", "0.0"],
        ["carol", "c1", "2026-01-06", "300.0", "300.0", "0.0", "false", "0.0", "0.0"],
    ]


def test_reports_attempt_detail(seeded: TestClient) -> None:
    body = seeded.get("/reports/attempts/a-alice-c1-2").json()
    assert body["attempt_id"] == "a-alice-c1-2" and body["number"] == 2 and body["time_s"] == 1500.0
    assert body["cmi"]["cmi.core.lesson_status"] == "completed"
    table = parse_csv(seeded.get("/reports/attempts/a-alice-c1-2?format=csv").text)
    assert table[0] == ["element", "value"] and ["cmi.core.lesson_status", "completed"] in table


def test_reports_attempt_detail_unknown_is_404(client: TestClient) -> None:
    response = client.get("/reports/attempts/missing")
    assert response.status_code == 404 and response.json()["field"] == "id"


def test_reports_courses_sorted_over_http(seeded: TestClient) -> None:
    body = seeded.get("/reports/courses?sort=completion_rate&order=desc").json()
    assert [(c["course"], c["completion_rate"]) for c in body["items"]] == [("c1", 0.6667), ("c2", 0.0)]


def test_reports_abandoned_attempts_over_http(seeded: TestClient) -> None:
    # the seeded attempts are from January 2026, long idle by now
    body = seeded.get("/reports/abandoned-attempts?idle=30m&course=c1").json()
    assert [a["attempt_id"] for a in body["items"]] == ["a-bob-c1-1"]  # alice's 1st is failed, not idle
    assert all(a["idle_s"] > 86400 for a in body["items"])
