"""Values in pipelines are data: ids that start with `$` and hold dots (learner, course, SCO, session,
and the registration and activity ids made from them) are stored and reported as sent.

On MongoDB a string starting with `$` inside an update pipeline or an aggregation expression is a field
path; the in-memory store often keeps it literal, so the builders are also checked as data: every user
value in a pipeline sits directly under `$literal`, and the merge is a plain (non-pipeline) update.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.testclient import TestClient

from lrs.scorm import attempts as att
from lrs.scorm.merge import SessionState, merge_update, merged
from lrs.scorm.models import CommitIn
from tests.scorm.helpers import post
from translators import ACTIVITY_STATE_ID

LEARNER = {"id": "$learner.id", "name": "$name"}
COURSE = {"id": "$course.7", "title": "$title.x"}
SCO = {"id": "$sco.1", "title": "$sco.title"}
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
USER_VALUES = {LEARNER["id"], LEARNER["name"], COURSE["id"], COURSE["title"], "$session.1", "$session.2"}


def dollar_commit(session: str, sequence: int, cmi: dict[str, str], event: str = "commit") -> dict[str, Any]:
    return {
        "learner": LEARNER,
        "course": COURSE,
        "sco": SCO,
        "version": "2004",
        "session_id": session,
        "sequence": sequence,
        "event": event,
        "cmi": cmi,
        "timestamp": f"2026-11-20T10:00:{sequence:02d}Z",
    }


def user_strings_outside_literal(value: Any, inside: bool = False) -> list[str]:
    """User values that appear in a pipeline anywhere but directly under `$literal`."""
    if isinstance(value, str):
        return [value] if value in USER_VALUES and not inside else []
    if isinstance(value, dict):
        return [
            s for k, v in value.items() for s in user_strings_outside_literal(v, inside or k == "$literal")
        ]
    if isinstance(value, list):
        return [s for v in value for s in user_strings_outside_literal(v, inside)]
    return []


def test_dollar_ids_enrollment_update_holds_user_values_as_data() -> None:
    plan = {
        "learner_id": LEARNER["id"],
        "learner_name": LEARNER["name"],
        "course_id": COURSE["id"],
        "course_title": COURSE["title"],
        "attempt_id": "$session.1",
        "attempt_number": 1,
        "count": 1,
        "attempt_total_s": 0.0,
        "score_raw": None,
        "score_scaled": None,
        "success": "unknown",
        "completion": "unknown",
    }
    fields = att.enrollment_fields(None, plan, 1, NOW)  # stored with a plain $set, never evaluated
    assert (fields["learner_id"], fields["course_title"], fields["current_attempt_id"]) == (
        "$learner.id",
        "$title.x",
        "$session.1",
    )
    assert user_strings_outside_literal(list(fields)) == []


def test_dollar_ids_merge_is_a_plain_update_with_values_as_data() -> None:
    commit = CommitIn.model_validate(dollar_commit("$session.1", 0, {"cmi.location": "$loc.1"}, "initialize"))
    attempt = att.new_attempt(commit, att.enrollment_id(LEARNER["id"], COURSE["id"]), 1, NOW, "$session.1")
    m = merged(attempt, SessionState.new(NOW), commit, NOW, 1800.0)
    update = merge_update(attempt, m, NOW, {}, {"k": "$session.1:0", "session_id": "$session.1"})
    assert list(update) == ["$set"]  # not a pipeline: no value in it is ever read as an expression
    assert update["$set"]["cmi.cmi|location"] == {"v": "$loc.1", "s": m.order}
    assert all(not key.startswith("$") for key in update["$set"])


def test_dollar_ids_commits_apply_and_read_back_everywhere(client: TestClient) -> None:
    first = post(
        client,
        dollar_commit("$session.1", 0, {"cmi.entry": "ab-initio", "cmi.location": "$p.1"}, "initialize"),
    )
    post(client, dollar_commit("$session.1", 1, {"cmi.score.raw": "40", "cmi.session_time": "PT1M"}))
    post(
        client,
        dollar_commit("$session.1", 2, {"cmi.exit": "suspend", "cmi.session_time": "PT2M"}, "terminate"),
    )
    resumed = post(client, dollar_commit("$session.2", 0, {"cmi.entry": "resume"}, "initialize"))
    last = post(
        client,
        dollar_commit(
            "$session.2",
            1,
            {"cmi.completion_status": "completed", "cmi.score.raw": "90", "cmi.session_time": "PT3M"},
            "terminate",
        ),
    )
    registration = att.enrollment_id(LEARNER["id"], COURSE["id"])
    attempt_id = att.attempt_id(registration, 1)
    assert first["enrollment"]["id"] == registration and resumed["attempt"]["id"] == attempt_id
    assert last["attempt"]["commit_count"] == 5 and last["enrollment"]["total_time_s"] == 300.0
    assert last["enrollment"] == {
        "id": registration,
        "status": "completed",
        "attempt_count": 1,
        "best_score": 90.0,
        "total_time_s": 300.0,
    }

    rows = client.get("/reports/enrollments", params={"learner": LEARNER["id"]}).json()["items"]
    assert [(r["learner"], r["learner_name"], r["course"], r["course_title"], r["status"]) for r in rows] == [
        (LEARNER["id"], LEARNER["name"], COURSE["id"], COURSE["title"], "completed")
    ]
    assert rows[0]["time_spent_s"] == 300.0
    attempts = client.get("/reports/attempts", params={"course": COURSE["id"]}).json()["items"]
    assert [(a["attempt_id"], a["commit_count"], a["sessions"]) for a in attempts] == [(attempt_id, 5, 2)]
    detail = client.get(f"/reports/attempts/{attempt_id}").json()
    assert detail["cmi"]["cmi.location"] == "$p.1"
    assert [s["session_id"] for s in detail["sessions"]] == ["$session.1", "$session.2"]
    spent = client.get("/reports/time-spent", params={"learner": LEARNER["id"]}).json()["items"]
    assert [(t["course"], t["scorm_s"]) for t in spent] == [(COURSE["id"], 300.0)]
    courses = client.get(f"/reports/learners/{quote(LEARNER['id'], safe='')}/courses").json()["items"]
    assert [(c["course"], c["status"]) for c in courses] == [(COURSE["id"], "completed")]
    assert client.get("/reports/courses").json()["items"][0]["course"] == COURSE["id"]

    statements = client.get("/xapi/statements", params={"registration": registration, "limit": 50}).json()
    verbs = sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in statements["statements"])
    assert verbs == ["completed", "initialized", "resumed", "scored", "scored", "suspended", "terminated"]
    course_iri = statements["statements"][0]["context"]["contextActivities"]["grouping"][-1]["id"]
    assert course_iri.endswith("/courses/%24course.7")  # the id, percent-encoded in the IRI
    by_activity = client.get(
        "/xapi/statements", params={"activity": course_iri, "related_activities": "true", "limit": 50}
    ).json()
    assert len(by_activity["statements"]) == len(statements["statements"])
    sessions = {
        s["context"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/sessionid"]
        for s in statements["statements"]
    }
    assert sessions == {"$session.1", "$session.2"}
    sco_iri = course_iri + "/scos/%24sco.1"
    initialized = [s for s in statements["statements"] if s["verb"]["id"].endswith("/initialized")]
    assert initialized[0]["object"]["id"] == sco_iri
    state = client.get(
        "/xapi/activities/state",
        params={
            "activityId": sco_iri,
            "agent": json.dumps({"objectType": "Agent", "account": initialized[0]["actor"]["account"]}),
            "stateId": ACTIVITY_STATE_ID,
        },
    )
    assert state.status_code == 200 and state.json()["attempts"][0].endswith(f"/attempts/{attempt_id}")
    audit = client.get("/scorm/commits", params={"session_id": "$session.2"}).json()
    assert [r["outcome"] for r in audit["commits"]] == ["applied", "applied"]
