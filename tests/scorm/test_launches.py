"""Launch sessions and launch tokens: POST /scorm/launches, and commits under `Authorization: Bearer`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.credentials import create_credential
from lrs.scorm.launches import cmi_timespan_12
from lrs.storage import Database
from lrs.storage.indexes import SCORM_SESSIONS
from tests.scorm.helpers import COURSE, LEARNER, find, find_one
from tests.support import basic_auth, make_database, make_settings

SCO_12 = {
    "id": "sco-1",
    "title": "Module 1",
    "href": "m1/index.html?x=1",
    "version": "1.2",
    "mastery_score": 80,
}
SCO_2004 = {
    "id": "sco-9",
    "title": "Module 9",
    "href": "m9/index.html",
    "version": "2004",
    "scaled_passing_score": 0.7,
    "completion_threshold": 0.9,
    "launch_data": "level=2",
    "max_time_allowed": "PT1H",
    "time_limit_action": "exit,message",
    "objectives": ["obj-a", "obj-b"],
}


def launch(client: TestClient, status: int = 201, **fields: Any) -> Any:
    body = {"learner": LEARNER, "course": COURSE, "inline_sco": SCO_12} | fields
    response = client.post("/scorm/launches", json=body)
    assert response.status_code == status, response.text
    return response.json()


def runtime_commit(started: dict[str, Any], sequence: int, cmi: dict[str, str], event: str = "commit") -> Any:
    """A commit as the browser runtime posts it (same learner, course, SCO and session as the launch)."""
    return {
        "learner": started["learner"],
        "course": started["course"],
        "sco": {"id": started["sco"]["id"], "title": started["sco"]["title"]},
        "version": started["version"],
        "session_id": started["session_id"],
        "sequence": sequence,
        "event": event,
        "cmi": cmi,
    }


def bearer_post(client: TestClient, token: str, body: Any, status: int = 200) -> Any:
    response = client.post("/scorm/commits", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.text
    return response.json()


def audit_of(client: TestClient, session: str) -> list[dict[str, Any]]:
    return list(client.get("/scorm/commits", params={"session_id": session}).json()["commits"])


def test_launch_answers_session_token_urls_and_12_cmi(client: TestClient) -> None:
    started = launch(client)
    assert started["attempt"] == 1 and started["entry"] == "ab-initio" and started["mode"] == "normal"
    assert started["commit_url"] == "http://testserver/scorm/commits"
    assert started["runtime_url"] == "http://testserver/scorm/runtime/v1/lrs-bridge-runtime.js"
    assert started["sco"] == {"id": "sco-1", "title": "Module 1", "href": "m1/index.html?x=1"}
    assert started["cmi"] == {
        "cmi.core.entry": "ab-initio",
        "cmi.core.student_id": "u-42",
        "cmi.core.student_name": "Ada Lovelace",
        "cmi.core.credit": "credit",
        "cmi.core.lesson_mode": "normal",
        "cmi.core.lesson_location": "",
        "cmi.core.total_time": "0000:00:00.00",
        "cmi.suspend_data": "",
        "cmi.launch_data": "",
        "cmi.student_data.mastery_score": "80",
    }
    session = find_one(client, SCORM_SESSIONS, started["session_id"])
    assert (session["attempt_number"], session["sco_id"], session["launch_mode"]) == (1, "sco-1", "normal")


def test_launch_2004_cmi_carries_manifest_values_and_objectives(client: TestClient) -> None:
    started = launch(client, inline_sco=SCO_2004, mode="browse")
    assert started["cmi"] == {
        "cmi.entry": "ab-initio",
        "cmi.learner_id": "u-42",
        "cmi.learner_name": "Ada Lovelace",
        "cmi.credit": "no-credit",
        "cmi.mode": "browse",
        "cmi.location": "",
        "cmi.total_time": "PT0S",
        "cmi.suspend_data": "",
        "cmi.launch_data": "level=2",
        "cmi.scaled_passing_score": "0.7",
        "cmi.completion_threshold": "0.9",
        "cmi.max_time_allowed": "PT1H",
        "cmi.time_limit_action": "exit,message",
        "cmi.objectives.0.id": "obj-a",
        "cmi.objectives.1.id": "obj-b",
    }


def test_launch_commit_with_bearer_token_is_applied_as_the_launching_credential(client: TestClient) -> None:
    started = launch(client)
    token = started["token"]
    first = bearer_post(client, token, runtime_commit(started, 0, {}, "initialize"))
    answer = bearer_post(client, token, runtime_commit(started, 1, {"cmi.core.lesson_status": "incomplete"}))
    assert first["attempt"]["number"] == answer["attempt"]["number"] == 1
    assert answer["outcome"] == "applied" and answer["attempt"]["commit_count"] == 2
    rows = audit_of(client, started["session_id"])
    assert [r["credential"] for r in rows] == ["test-key", "test-key"]


def test_launch_suspended_attempt_resumes_with_its_data(client: TestClient) -> None:
    started = launch(client)
    cmi = {
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.lesson_location": "page-4",
        "cmi.suspend_data": "bookmark=4",
        "cmi.core.exit": "suspend",
        "cmi.core.session_time": "00:10:00",
    }
    bearer_post(client, started["token"], runtime_commit(started, 0, cmi, "terminate"))
    resumed = launch(client)
    assert (resumed["attempt"], resumed["entry"]) == (1, "resume")
    assert resumed["session_id"] != started["session_id"]
    assert resumed["cmi"]["cmi.core.entry"] == "resume"
    assert resumed["cmi"]["cmi.core.lesson_location"] == "page-4"
    assert resumed["cmi"]["cmi.suspend_data"] == "bookmark=4"
    assert resumed["cmi"]["cmi.core.total_time"] == "0000:10:00.00"
    assert resumed["cmi"]["cmi.core.lesson_status"] == "incomplete"
    assert "cmi.core.exit" not in resumed["cmi"] and "cmi.core.session_time" not in resumed["cmi"]
    answer = bearer_post(
        client, resumed["token"], runtime_commit(resumed, 0, {"cmi.core.session_time": "00:05:00"})
    )
    assert answer["attempt"]["number"] == 1 and answer["enrollment"]["total_time_s"] == 900.0


@pytest.mark.parametrize(
    ("cmi", "new_attempt", "expected"),
    [
        pytest.param({"cmi.core.lesson_status": "failed", "cmi.core.exit": ""}, False, 2, id="failed-new"),
        pytest.param({"cmi.core.lesson_status": "passed", "cmi.core.exit": ""}, False, 2, id="passed-new"),
        pytest.param(
            {"cmi.core.lesson_status": "incomplete", "cmi.core.exit": "suspend"}, True, 2, id="asked"
        ),
        pytest.param(
            {"cmi.core.lesson_status": "incomplete", "cmi.core.exit": "suspend"}, False, 1, id="resume"
        ),
    ],
)
def test_launch_new_attempt_after_a_finished_one_or_when_asked(
    client: TestClient, cmi: dict[str, str], new_attempt: bool, expected: int
) -> None:
    started = launch(client)
    bearer_post(client, started["token"], runtime_commit(started, 0, cmi, "terminate"))
    again = launch(client, new_attempt=new_attempt)
    assert again["attempt"] == expected
    assert again["entry"] == ("resume" if expected == 1 else "ab-initio")
    answer = bearer_post(
        client, again["token"], runtime_commit(again, 0, {"cmi.core.lesson_status": "incomplete"})
    )
    assert answer["attempt"]["number"] == expected


def test_launch_without_commits_reuses_its_empty_attempt(client: TestClient) -> None:
    launch(client)
    again = launch(client, new_attempt=True)
    assert (again["attempt"], again["entry"]) == (1, "ab-initio")


def test_launch_tampered_or_expired_token_is_401_and_audited(client: TestClient, settings: Any) -> None:
    started = launch(client)
    head, body, mac = started["token"].split(".")
    tampered = f"{head}.{body}.{mac[:-2]}AA"
    refused = bearer_post(client, tampered, runtime_commit(started, 0, {}), status=401)
    assert refused["error"] == "unauthorized" and "signature" in refused["message"]
    bearer_post(client, "not-a-token", runtime_commit(started, 1, {}), status=401)
    rows = audit_of(client, started["session_id"])
    assert [(r["sequence"], r["outcome"], r["reasons"][0]["status"]) for r in rows] == [
        (0, "rejected", 401),
        (1, "rejected", 401),
    ]
    settings.launch_token_seconds = -5
    expired = launch(client)
    refused = bearer_post(client, expired["token"], runtime_commit(expired, 0, {}), status=401)
    assert "expired" in refused["message"]


def test_launch_token_of_another_learner_is_403_and_audited(client: TestClient) -> None:
    mine = launch(client)
    other = launch(client, learner={"id": "u-7", "name": "Eve"})
    stolen = runtime_commit(mine, 0, {"cmi.core.lesson_status": "passed"})
    refused = bearer_post(client, other["token"], stolen, status=403)
    assert refused["error"] == "forbidden" and "learner.id" in refused["message"]
    assert [(r["outcome"], r["reasons"][0]["status"]) for r in audit_of(client, mine["session_id"])] == [
        ("rejected", 403)
    ]
    # a batch with one commit of another session is refused whole
    batch = [runtime_commit(other, 0, {}), runtime_commit(mine, 1, {})]
    assert "session_id" in bearer_post(client, other["token"], batch, status=403)["message"]
    assert find(client, "scorm_commits", {}) == []


def test_launch_token_is_refused_after_its_session_terminated(client: TestClient) -> None:
    started = launch(client)
    token = started["token"]
    bearer_post(client, token, runtime_commit(started, 0, {}, "initialize"))
    bearer_post(client, token, runtime_commit(started, 1, {"cmi.core.exit": ""}, "terminate"))
    # a re-send of an applied sequence still gets its stored answer
    assert (
        bearer_post(client, token, runtime_commit(started, 1, {"cmi.core.exit": ""}, "terminate"))["outcome"]
        == "duplicate"
    )
    refused = bearer_post(client, token, runtime_commit(started, 2, {}), status=401)
    assert "terminated" in refused["message"]


def test_launch_review_mode_is_read_only(client: TestClient) -> None:
    assert launch(client, status=409, mode="review")["field"] == "mode"
    started = launch(client)
    bearer_post(client, started["token"], runtime_commit(started, 0, {"cmi.core.lesson_status": "passed"}))
    review = launch(client, mode="review")
    assert (review["attempt"], review["entry"], review["cmi"]["cmi.core.credit"]) == (1, "", "no-credit")
    refused = bearer_post(client, review["token"], runtime_commit(review, 0, {}), status=403)
    assert "review" in refused["message"]
    assert find(client, SCORM_SESSIONS, {"_id": review["session_id"]}) == []


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        pytest.param({"package": "p-1", "inline_sco": SCO_12}, 422, "body", id="both-sources"),
        pytest.param({"inline_sco": None}, 422, "body", id="no-source"),
        pytest.param({"inline_sco": SCO_12 | {"version": "3"}}, 422, "inline_sco.version", id="bad-version"),
        pytest.param({"mode": "fast"}, 422, "mode", id="bad-mode"),
        pytest.param({"inline_sco": None, "package": "nope"}, 404, "package", id="unknown-package"),
    ],
)
def test_launch_bad_request_names_the_field(
    client: TestClient, fields: dict[str, Any], status: int, field: str
) -> None:
    assert launch(client, status=status, **fields)["field"] == field


@pytest.fixture
def commit_only_client(database: Database) -> Iterator[TestClient]:
    settings = make_settings()
    with TestClient(create_app(settings, database)) as test_client:
        test_client.portal.call(create_credential, database, "player", ["scorm/commit"], "player", "pw")  # type: ignore[union-attr]
        yield test_client


def test_launch_needs_the_launch_scope(commit_only_client: TestClient) -> None:
    body = {"learner": LEARNER, "course": COURSE, "inline_sco": SCO_12}
    refused = commit_only_client.post(
        "/scorm/launches", json=body, headers={"Authorization": basic_auth("player", "pw")}
    )
    assert refused.status_code == 403 and "scorm/launch" in refused.json()["message"]


def test_launch_cmi_timespan_12_formats_hours_minutes_centiseconds() -> None:
    assert cmi_timespan_12(3725.5) == "0001:02:05.50"


def test_launch_of_a_new_attempt_writes_the_activity_state_document(client: TestClient) -> None:
    started = launch(client)
    bearer_post(
        client,
        started["token"],
        runtime_commit(started, 0, {"cmi.core.lesson_status": "passed"}, "terminate"),
    )
    again = launch(client)
    assert again["attempt"] == 2
    agent = '{"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": "u-42"}}'
    state = client.get(
        "/xapi/activities/state",
        params={
            "activityId": "https://lms.example.com/xapi/courses/course-7/scos/sco-1",
            "agent": agent,
            "stateId": "https://w3id.org/xapi/scorm/activity-state",
        },
    )
    assert state.status_code == 200, state.text
    assert len(state.json()["attempts"]) == 2


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        pytest.param("https://lms.example.com", True, id="lms"),
        pytest.param("https://evil.example", False, id="other"),
    ],
)
def test_launch_runtime_preflight_is_answered_only_for_allowed_origins(origin: str, allowed: bool) -> None:
    settings = make_settings(cors_origins=["https://lms.example.com"])
    database = make_database(settings)
    with TestClient(create_app(settings, database)) as browser:
        preflight = browser.options(
            "/scorm/commits",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
    assert (preflight.status_code == 200) == allowed
    assert (preflight.headers.get("access-control-allow-origin") == origin) == allowed
