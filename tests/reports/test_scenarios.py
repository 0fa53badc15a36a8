"""End to end: whole SCORM sessions replayed over POST /scorm/commits and xAPI video/audio statements
over POST /xapi/statements for the same course; every number of every report worked out by hand.

Learners (course "safety"):
- u1, SCORM 1.2: attempt 1 fails (session_time 20:00, with a duplicate commit), retake attempt 2
  passes (session_time 15:00, an out-of-order commit); a video session (played segments 0-120,
  100-300, 300-330: 330 s; its result.duration PT15M is ignored) and a podcast (PT2M).
- u2, SCORM 2004: suspends (PT12M) and resumes (PT5M) one attempt to completion, score 80; a
  one-hour statement of theirs is voided.
- u3, SCORM 1.2: never sends session_time, total_time "00:00:00"; measured from commit times:
  60 + 90 + 30 s (a 3000 s gap is longer than LRS_IDLE_GAP_SECONDS and left out) = 180 s.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

BASE = "https://lms.example.com/xapi"
HOME = "https://lms.example.com"
COURSE = {"id": "safety", "title": "Safety basics"}
COURSE_IRI = f"{BASE}/courses/safety"
VIDEO_SESSION = "https://w3id.org/xapi/video/extensions/session-id"
PLAYED = "https://w3id.org/xapi/video/extensions/played-segments"


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, second, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Clock:
    """The server clock the SCORM ingest reads, moved by the test."""

    def __init__(self) -> None:
        self.now = at(1, 0)

    def __call__(self) -> datetime:
        return self.now


def commit(
    learner: str, version: str, session: str, sequence: int, cmi: dict[str, str], event: str = "commit"
) -> dict[str, Any]:
    return {
        "learner": {"id": learner, "name": learner.upper()},
        "course": COURSE,
        "sco": {"id": "sco-1", "title": "Module 1"},
        "version": version,
        "session_id": session,
        "sequence": sequence,
        "event": event,
        "cmi": cmi,
    }


def statement(
    learner: str,
    when: datetime,
    verb: str,
    obj: str,
    *,
    duration: str | None = None,
    video: str | None = None,
    segments: str | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if duration:
        result["duration"] = duration
    if segments is not None:
        result["extensions"] = {PLAYED: segments}
    context: dict[str, Any] = {"contextActivities": {"grouping": [{"id": COURSE_IRI}]}}
    if video:
        context["extensions"] = {VIDEO_SESSION: video}
    body = {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": HOME, "name": learner}},
        "verb": {"id": verb},
        "object": {"id": obj},
        "context": context,
        "timestamp": iso(when),
    }
    if result:
        body["result"] = result
    return body


def replay(client: TestClient, clock: Clock) -> None:
    """Send the sessions and statements described in the module docstring."""

    def send(moment: datetime, body: dict[str, Any]) -> dict[str, Any]:
        clock.now = moment
        response = client.post("/scorm/commits", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    # u1, attempt 1: fails; sequence 1 is sent twice
    send(at(2, 9), commit("u1", "1.2", "u1-a", 0, {"cmi.core.entry": "ab-initio"}, "initialize"))
    first = commit(
        "u1", "1.2", "u1-a", 1, {"cmi.core.lesson_status": "incomplete", "cmi.core.score.raw": "30"}
    )
    send(at(2, 9, 1), first)
    assert send(at(2, 9, 1, 30), first)["outcome"] == "duplicate"
    send(
        at(2, 9, 2),
        commit(
            "u1",
            "1.2",
            "u1-a",
            2,
            {
                "cmi.core.lesson_status": "failed",
                "cmi.core.score.raw": "40",
                "cmi.core.session_time": "00:20:00",
                "cmi.core.exit": "",
            },
            "terminate",
        ),
    )
    # u1, attempt 2: passes; sequence 1 arrives after sequence 2
    send(at(3, 10), commit("u1", "1.2", "u1-b", 0, {"cmi.core.entry": ""}, "initialize"))
    send(
        at(3, 10, 10),
        commit(
            "u1",
            "1.2",
            "u1-b",
            2,
            {
                "cmi.core.lesson_status": "passed",
                "cmi.core.score.raw": "90",
                "cmi.core.session_time": "00:15:00",
            },
        ),
    )
    late = send(
        at(3, 10, 11),
        commit(
            "u1",
            "1.2",
            "u1-b",
            1,
            {
                "cmi.core.lesson_status": "incomplete",
                "cmi.core.score.raw": "60",
                "cmi.core.session_time": "00:05:00",
                "cmi.suspend_data": "late",
            },
        ),
    )
    assert late["outcome"] == "applied"
    send(at(3, 10, 12), commit("u1", "1.2", "u1-b", 3, {"cmi.core.exit": ""}, "terminate"))
    # u2: suspend and resume one attempt
    send(at(4, 9), commit("u2", "2004", "u2-a", 0, {"cmi.entry": "ab-initio"}, "initialize"))
    send(at(4, 9, 10), commit("u2", "2004", "u2-a", 1, {"cmi.location": "p2", "cmi.session_time": "PT10M"}))
    send(
        at(4, 9, 11),
        commit(
            "u2",
            "2004",
            "u2-a",
            2,
            {"cmi.exit": "suspend", "cmi.suspend_data": "x=1", "cmi.session_time": "PT12M"},
            "terminate",
        ),
    )
    send(at(5, 9), commit("u2", "2004", "u2-b", 0, {"cmi.entry": "resume"}, "initialize"))
    send(
        at(5, 9, 5),
        commit(
            "u2",
            "2004",
            "u2-b",
            1,
            {
                "cmi.completion_status": "completed",
                "cmi.score.raw": "80",
                "cmi.score.min": "0",
                "cmi.score.max": "100",
                "cmi.score.scaled": "0.8",
                "cmi.exit": "normal",
                "cmi.session_time": "PT5M",
            },
            "terminate",
        ),
    )
    # u3: no session_time at all, total_time 00:00:00
    send(at(6, 14), commit("u3", "1.2", "u3-a", 0, {"cmi.core.total_time": "00:00:00"}, "initialize"))
    send(
        at(6, 14, 1),
        commit(
            "u3",
            "1.2",
            "u3-a",
            1,
            {"cmi.core.lesson_status": "incomplete", "cmi.core.total_time": "00:00:00"},
        ),
    )
    send(at(6, 14, 2, 30), commit("u3", "1.2", "u3-a", 2, {"cmi.core.lesson_location": "5"}))
    send(at(6, 14, 52, 30), commit("u3", "1.2", "u3-a", 3, {"cmi.core.lesson_location": "6"}))
    send(
        at(6, 14, 53),
        commit(
            "u3",
            "1.2",
            "u3-a",
            4,
            {"cmi.core.exit": "suspend", "cmi.core.total_time": "00:00:00"},
            "terminate",
        ),
    )

    video, podcast = "https://videos.example.com/intro", "https://podcasts.example.com/ep1"
    verbs = "http://adlnet.gov/expapi/verbs/"
    voided_one = statement("u2", at(5, 8), verbs + "experienced", podcast, duration="PT1H")
    statements = [
        statement("u1", at(2, 20), verbs + "initialized", video, video="vid-1"),
        statement(
            "u1",
            at(2, 20, 5),
            "https://w3id.org/xapi/video/verbs/paused",
            video,
            video="vid-1",
            segments="0[.]120",
        ),
        statement(
            "u1",
            at(2, 20, 10),
            "https://w3id.org/xapi/video/verbs/paused",
            video,
            video="vid-1",
            segments="0[.]120[,]100[.]300",
        ),
        statement(
            "u1",
            at(2, 20, 15),
            verbs + "terminated",
            video,
            video="vid-1",
            segments="0[.]120[,]100[.]300[,]300[.]330",
            duration="PT15M",
        ),
        statement("u1", at(4, 12), verbs + "experienced", podcast, duration="PT2M"),
        voided_one,
    ]
    response = client.post("/xapi/statements", json=statements)
    assert response.status_code == 200, response.text
    voiding = {
        "actor": {"account": {"homePage": HOME, "name": "u2"}},
        "verb": {"id": verbs + "voided"},
        "object": {"objectType": "StatementRef", "id": voided_one["id"]},
    }
    assert client.post("/xapi/statements", json=voiding).status_code == 200


@pytest.fixture
def replayed(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    clock = Clock()
    monkeypatch.setattr("lrs.scorm.ingest.now_ms", clock)
    replay(client, clock)
    return client


def get(client: TestClient, path: str, **params: str) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def pick(items: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(item[k] for k in keys) for item in items]


def test_scenario_reports(replayed: TestClient) -> None:
    """One replay, every report (the replay is the slow part, so the checks share it)."""
    c = replayed
    # time spent: SCORM sessions + non-SCORM statements, each counted once
    time = get(c, "/reports/time-spent")
    assert pick(
        time["items"],
        "learner",
        "course",
        "time_spent_s",
        "scorm_s",
        "measured_s",
        "time_measured",
        "statement_duration_s",
        "video_s",
    ) == [
        ("u1", "safety", 2550.0, 2100.0, 0.0, False, 120.0, 330.0),  # 1200 + 900 + podcast 120 + video 330
        ("u2", "safety", 1020.0, 1020.0, 0.0, False, 0.0, 0.0),  # 720 + 300; the voided hour not counted
        ("u3", "safety", 180.0, 180.0, 180.0, True, 0.0, 0.0),  # measured
    ]
    by_day = get(c, "/reports/time-spent", group="day")
    assert pick(by_day["items"], "learner", "day", "time_spent_s", "time_measured") == [
        ("u1", "2026-01-02", 1530.0, False),  # attempt 1 (1200) + the video session (330)
        ("u1", "2026-01-03", 900.0, False),
        ("u1", "2026-01-04", 120.0, False),
        ("u2", "2026-01-04", 720.0, False),
        ("u2", "2026-01-05", 300.0, False),
        ("u3", "2026-01-06", 180.0, True),
    ]

    enrollments = get(c, "/reports/enrollments")
    assert pick(
        enrollments["items"],
        "learner",
        "learner_name",
        "course_title",
        "status",
        "attempts",
        "best_score_raw",
        "last_score_raw",
        "first_access",
        "last_access",
        "completed_at",
        "time_spent_s",
        "time_measured",
    ) == [
        (
            "u1",
            "U1",
            "Safety basics",
            "passed",
            2,
            90.0,
            90.0,
            "2026-01-02T09:00:00Z",
            "2026-01-03T10:12:00Z",
            "2026-01-03T10:10:00Z",
            2550.0,
            False,
        ),
        (
            "u2",
            "U2",
            "Safety basics",
            "completed",
            1,
            80.0,
            80.0,
            "2026-01-04T09:00:00Z",
            "2026-01-05T09:05:00Z",
            "2026-01-05T09:05:00Z",
            1020.0,
            False,
        ),
        (
            "u3",
            "U3",
            "Safety basics",
            "in progress",
            1,
            None,
            None,
            "2026-01-06T14:00:00Z",
            "2026-01-06T14:53:00Z",
            None,
            180.0,
            True,
        ),
    ]
    assert enrollments["items"][1]["best_score_scaled"] == 0.8

    attempts = get(c, "/reports/attempts")
    assert pick(
        attempts["items"],
        "learner",
        "number",
        "started_at",
        "last_commit_at",
        "completed_at",
        "completion_status",
        "success_status",
        "score_raw",
        "time_s",
        "time_measured",
        "sessions",
        "commit_count",
    ) == [
        # a 1.2 "failed" is completed + failed; the duplicate is not counted (3 commits)
        (
            "u1",
            1,
            "2026-01-02T09:00:00Z",
            "2026-01-02T09:02:00Z",
            "2026-01-02T09:02:00Z",
            "completed",
            "failed",
            40.0,
            1200.0,
            False,
            1,
            3,
        ),
        # the late sequence 1 did not overwrite "passed" nor 90
        (
            "u1",
            2,
            "2026-01-03T10:00:00Z",
            "2026-01-03T10:12:00Z",
            "2026-01-03T10:10:00Z",
            "completed",
            "passed",
            90.0,
            900.0,
            False,
            1,
            4,
        ),
        (
            "u2",
            1,
            "2026-01-04T09:00:00Z",
            "2026-01-05T09:05:00Z",
            "2026-01-05T09:05:00Z",
            "completed",
            "unknown",
            80.0,
            1020.0,
            False,
            2,
            5,
        ),
        (
            "u3",
            1,
            "2026-01-06T14:00:00Z",
            "2026-01-06T14:53:00Z",
            None,
            "incomplete",
            "unknown",
            None,
            180.0,
            True,
            1,
            5,
        ),
    ]
    second = attempts["items"][1]["attempt_id"]
    detail = get(c, f"/reports/attempts/{second}")
    assert detail["cmi"]["cmi.core.lesson_status"] == "passed"
    assert detail["cmi"]["cmi.core.score.raw"] == "90"
    assert detail["cmi"]["cmi.suspend_data"] == "late"  # the late commit merged its own element
    assert [(s["session_id"], s["time_s"], s["time_source"]) for s in detail["sessions"]] == [
        ("u1-b", 900.0, "session_time")
    ]
    measured = get(c, f"/reports/attempts/{attempts['items'][3]['attempt_id']}")
    assert [(s["time_s"], s["time_source"], s["session_time_s"]) for s in measured["sessions"]] == [
        (180.0, "measured", None)
    ]

    counts = get(c, "/reports/attempt-counts")
    assert pick(
        counts["items"], "learner", "attempts", "completed_attempts", "passed_attempts", "failed_attempts"
    ) == [("u1", 2, 2, 1, 1), ("u2", 1, 1, 0, 0), ("u3", 1, 0, 0, 0)]

    courses = get(c, "/reports/courses")["items"]
    assert courses == [
        {
            "course": "safety",
            "course_title": "Safety basics",
            "learners": 3,
            "not_attempted": 0,
            "in_progress": 1,  # u3
            "completed": 2,
            "passed": 1,
            "failed": 0,
            "completion_rate": 0.6667,
            "pass_rate": 0.3333,
            "average_score": 85.0,
            "average_score_scaled": 0.85,  # u1 0.9 (1.2: raw 90 of 0-100), u2 0.8
            "average_attempts": 1.5,  # u1 completed on attempt 2, u2 on attempt 1
            # u1: 1200 + 900 (sessions started by 01-03 10:10) + video 330 (podcast is later) = 2430
            # u2: 720 + 300 = 1020; mean 1725
            "average_time_to_completion_s": 1725.0,
            "average_time_s": 1250.0,  # (2550 + 1020 + 180) / 3, the time-spent report above
            "abandoned_attempts": 1,  # u3's attempt, idle since 2026-01-06
        }
    ]

    mine = get(c, "/reports/learners/u1/courses")["items"]
    assert pick(
        mine, "course", "status", "best_score_raw", "attempts", "time_spent_s", "last_access", "completed_at"
    ) == [("safety", "passed", 90.0, 2, 2550.0, "2026-01-03T10:12:00Z", "2026-01-03T10:10:00Z")]
    assert get(c, "/reports/learners/u9/courses")["items"] == []

    abandoned = get(c, "/reports/abandoned-attempts", idle="24h")["items"]
    assert pick(abandoned, "learner", "number", "time_s") == [("u3", 1, 180.0)]
    assert abandoned[0]["idle_s"] > 86400


def test_scenario_filters_and_csv(replayed: TestClient) -> None:
    c = replayed
    passed = get(c, "/reports/enrollments", status="passed")
    assert (passed["total"], [i["learner"] for i in passed["items"]]) == (1, ["u1"])
    window = get(c, "/reports/time-spent", **{"from": "2026-01-03", "to": "2026-01-04"})
    assert pick(window["items"], "learner", "time_spent_s") == [("u1", 1020.0), ("u2", 720.0)]
    text = c.get("/reports/attempt-counts", params={"format": "csv", "learner": "u1"}).text
    assert text.splitlines()[1].startswith("u1,U1,safety,Safety basics,2,2,1,1,")
