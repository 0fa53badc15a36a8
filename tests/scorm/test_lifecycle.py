"""Whole sessions over HTTP: new attempts (1.2 and 2004), suspend and resume, retake after failure."""

from __future__ import annotations

from starlette.testclient import TestClient

from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_ENROLLMENTS, SCORM_SESSIONS, STATEMENTS
from tests.scorm.helpers import ENROLLMENT, attempt_of, commit, find, find_one, post

VERBS = "http://adlnet.gov/expapi/verbs/"


def verbs_of(client: TestClient, ids: list[str]) -> list[str]:
    """The verb names of stored statements, in the order of `ids`."""
    docs = {d["_id"]: d for d in find(client, STATEMENTS, {"_id": {"$in": ids}})}
    return [docs[i]["verb"].removeprefix(VERBS) for i in ids]


def test_commit_new_attempt_12_initialize_commit_terminate(client: TestClient) -> None:
    first = post(
        client,
        commit(
            "1.2",
            "s1",
            0,
            {"cmi.core.entry": "ab-initio", "cmi.core.lesson_status": "incomplete"},
            "initialize",
        ),
    )
    second = post(
        client,
        commit(
            "1.2",
            "s1",
            1,
            {
                "cmi.core.lesson_location": "p4",
                "cmi.core.score.raw": "70",
                "cmi.core.session_time": "00:05:00",
            },
        ),
    )
    last = post(
        client,
        commit(
            "1.2",
            "s1",
            2,
            {
                "cmi.core.lesson_status": "passed",
                "cmi.core.score.raw": "85",
                "cmi.core.session_time": "00:12:30",
                "cmi.core.exit": "",
            },
            "terminate",
        ),
    )
    assert first["attempt"]["number"] == 1 and first["attempt"]["id"] == attempt_of(1)
    assert second["enrollment"]["total_time_s"] == 300.0  # 00:05:00
    assert last["outcome"] == "applied"
    assert last["enrollment"] == {
        "id": ENROLLMENT,
        "status": "passed",
        "attempt_count": 1,
        "best_score": 85.0,
        "total_time_s": 750.0,
    }  # latest session_time 12:30
    assert last["attempt"] == {
        "id": attempt_of(1),
        "number": 1,
        "session_id": "s1",
        "completed": True,
        "completion_status": "completed",
        "success_status": "passed",
        "score_raw": 85.0,
        "score_scaled": 0.85,
        "commit_count": 3,
        "last_sequence": 2,
    }
    assert last["progress"] == {"completed": True, "score": 85.0}
    assert verbs_of(client, first["statement_ids"]) == ["initialized"]
    assert verbs_of(client, second["statement_ids"]) == ["scored"]
    assert verbs_of(client, last["statement_ids"]) == ["scored", "completed", "passed", "terminated"]
    attempt = find_one(client, SCORM_ATTEMPTS, attempt_of(1))
    assert (attempt["location"], attempt["finished"], attempt["total_time_s"]) == ("p4", True, 750.0)
    assert attempt["cmi"]["cmi|core|score|raw"]["v"] == "85"
    assert attempt["completed_at"] is not None
    session = find_one(client, SCORM_SESSIONS, "s1")
    assert (session["time_s"], session["time_source"], session["session_time_seq"]) == (
        750.0,
        "session_time",
        2,
    )


def test_commit_new_attempt_2004_with_progress_and_state_document(client: TestClient) -> None:
    post(client, commit("2004", "s1", 0, {"cmi.entry": "ab-initio"}, "initialize"))
    middle = post(client, commit("2004", "s1", 1, {"cmi.progress_measure": "0.5", "cmi.location": "slide-3"}))
    last = post(
        client,
        commit(
            "2004",
            "s1",
            2,
            {
                "cmi.completion_status": "completed",
                "cmi.success_status": "passed",
                "cmi.score.raw": "90",
                "cmi.score.min": "0",
                "cmi.score.max": "100",
                "cmi.score.scaled": "0.9",
                "cmi.progress_measure": "1",
                "cmi.session_time": "PT12M30S",
                "cmi.exit": "normal",
            },
            "terminate",
        ),
    )
    assert verbs_of(client, middle["statement_ids"]) == ["progressed"]
    assert verbs_of(client, last["statement_ids"]) == [
        "progressed",
        "scored",
        "completed",
        "passed",
        "terminated",
    ]
    assert last["attempt"]["score_scaled"] == 0.9 and last["enrollment"]["total_time_s"] == 750.0
    terminated = find_one(client, STATEMENTS, last["statement_ids"][-1])["statement"]
    assert terminated["result"]["duration"] == "PT12M30S"
    assert terminated["context"]["registration"] == ENROLLMENT
    response = client.get(
        "/xapi/activities/state",
        params={
            "activityId": f"https://lms.example.com/xapi/courses/course-7/attempts/{attempt_of(1)}",
            "agent": '{"account": {"homePage": "https://lms.example.com", "name": "u-42"}}',
            "registration": ENROLLMENT,
            "stateId": "https://w3id.org/xapi/scorm/attempt-state",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"location": "slide-3", "total_time": "PT12M30S"}


def test_commit_suspend_and_resume_continue_the_same_attempt(client: TestClient) -> None:
    post(client, commit("2004", "a", 0, {"cmi.entry": "ab-initio"}, "initialize"))
    post(client, commit("2004", "a", 1, {"cmi.location": "p2", "cmi.session_time": "PT10M"}))
    suspended = post(
        client,
        commit(
            "2004",
            "a",
            2,
            {"cmi.exit": "suspend", "cmi.suspend_data": "x=1", "cmi.session_time": "PT10M"},
            "terminate",
        ),
    )
    resumed = post(client, commit("2004", "b", 0, {"cmi.entry": "resume"}, "initialize"))
    last = post(
        client,
        commit(
            "2004",
            "b",
            1,
            {"cmi.completion_status": "completed", "cmi.exit": "normal", "cmi.session_time": "PT5M"},
            "terminate",
        ),
    )
    assert verbs_of(client, suspended["statement_ids"]) == ["suspended"]
    assert verbs_of(client, resumed["statement_ids"]) == ["resumed"]
    assert resumed["attempt"]["id"] == last["attempt"]["id"] == attempt_of(1)
    assert last["attempt"]["commit_count"] == 5
    # 10 minutes in session a + 5 in session b, each session's latest session_time counted once
    assert last["enrollment"] == {
        "id": ENROLLMENT,
        "status": "completed",
        "attempt_count": 1,
        "best_score": None,
        "total_time_s": 900.0,
    }
    attempt = find_one(client, SCORM_ATTEMPTS, attempt_of(1))
    assert attempt["session_count"] == 2 and attempt["suspend_data"] == "x=1"
    assert attempt["finished"] is True and attempt["total_time_s"] == 900.0
    sessions = find(client, SCORM_SESSIONS, {}, sort=[("_id", 1)])
    assert [(s["ordinal"], s["attempt_id"]) for s in sessions] == [(1, attempt_of(1)), (2, attempt_of(1))]


def test_commit_retake_after_failure_starts_attempt_two(client: TestClient) -> None:
    post(client, commit("1.2", "a", 0, {"cmi.core.entry": "ab-initio"}, "initialize"))
    failed = post(
        client,
        commit(
            "1.2",
            "a",
            1,
            {
                "cmi.core.lesson_status": "failed",
                "cmi.core.score.raw": "40",
                "cmi.core.exit": "",
                "cmi.core.session_time": "00:20:00",
            },
            "terminate",
        ),
    )
    assert failed["enrollment"]["status"] == "failed"
    retake = post(client, commit("1.2", "b", 0, {"cmi.core.entry": ""}, "initialize"))
    passed = post(
        client,
        commit(
            "1.2",
            "b",
            1,
            {
                "cmi.core.lesson_status": "passed",
                "cmi.core.score.raw": "90",
                "cmi.core.session_time": "00:15:00",
            },
            "terminate",
        ),
    )
    assert retake["attempt"] | {"id": None} == {
        "id": None,
        "number": 2,
        "session_id": "b",
        "completed": False,
        "completion_status": "unknown",
        "success_status": "unknown",
        "score_raw": None,
        "score_scaled": None,
        "commit_count": 1,
        "last_sequence": 0,
    }
    assert retake["attempt"]["id"] == attempt_of(2)
    assert passed["enrollment"] == {
        "id": ENROLLMENT,
        "status": "passed",
        "attempt_count": 2,
        "best_score": 90.0,
        "total_time_s": 2100.0,
    }  # 20 min + 15 min
    first = find_one(client, SCORM_ATTEMPTS, attempt_of(1))
    assert (first["success_status"], first["score_raw"], first["total_time_s"]) == ("failed", 40.0, 1200.0)
    enrollment = find_one(client, SCORM_ENROLLMENTS, ENROLLMENT)
    assert (enrollment["last_score_raw"], enrollment["current_attempt_id"]) == (90.0, attempt_of(2))


def test_commit_statements_are_readable_by_registration(client: TestClient) -> None:
    ids = post(client, commit("2004", "s", 0, {"cmi.entry": "ab-initio"}, "initialize"))["statement_ids"]
    ids += post(client, commit("2004", "s", 1, {"cmi.completion_status": "completed"}, "terminate"))[
        "statement_ids"
    ]
    response = client.get("/xapi/statements", params={"registration": ENROLLMENT})
    assert response.status_code == 200, response.text
    statements = response.json()["statements"]
    assert sorted(s["id"] for s in statements) == sorted(ids)
    assert sorted(s["verb"]["id"].removeprefix(VERBS) for s in statements) == [
        "completed",
        "initialized",
        "terminated",
    ]
    actor = statements[0]["actor"]
    assert actor["account"] == {"homePage": "https://lms.example.com", "name": "u-42"}
    assert statements[0]["authority"]["account"]["name"] == "test-key"


def test_commit_resumed_session_does_not_inherit_the_previous_sessions_exit_or_time(
    client: TestClient,
) -> None:
    post(client, commit("2004", "a", 0, {"cmi.entry": "ab-initio"}, "initialize"))
    suspended = post(
        client, commit("2004", "a", 1, {"cmi.exit": "suspend", "cmi.session_time": "PT10M"}, "terminate")
    )
    post(client, commit("2004", "b", 0, {"cmi.entry": "resume"}, "initialize"))
    last = post(client, commit("2004", "b", 1, {"cmi.completion_status": "completed"}, "terminate"))
    assert verbs_of(client, suspended["statement_ids"]) == ["suspended"]
    assert verbs_of(client, last["statement_ids"]) == ["completed", "terminated"]  # not "suspended"
    terminated = find_one(client, STATEMENTS, last["statement_ids"][-1])["statement"]
    assert "duration" not in terminated["result"]  # session b reported no time: PT10M is session a's
    # session a's 10 minutes counted once, plus session b as measured from its commits' server times
    sessions = {s["_id"]: s for s in find(client, SCORM_SESSIONS, {})}
    assert (sessions["a"]["time_s"], sessions["a"]["time_source"]) == (600.0, "session_time")
    assert sessions["b"]["time_source"] == "measured" and sessions["b"]["time_s"] < 60
    assert last["enrollment"]["total_time_s"] == 600.0 + sessions["b"]["time_s"]
    attempt = find_one(client, SCORM_ATTEMPTS, attempt_of(1))
    assert (attempt["exit"], attempt["entry"], attempt["finished"]) == (None, "resume", True)
    assert attempt["total_time_s"] == 600.0 + sessions["b"]["time_s"]
