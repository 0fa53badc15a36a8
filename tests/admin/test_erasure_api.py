"""Erasure over HTTP: a learner seeded through commits, statements and documents is gone from every
collection and every report afterwards; others' data stays; a second erasure removes nothing."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from lrs.credentials import create_credential
from lrs.scorm.attempts import attempt_id, enrollment_id
from lrs.storage.indexes import (
    ACTIVITIES,
    ATTACHMENTS,
    DOCUMENTS,
    SCORM_ATTEMPTS,
    SCORM_AUDIT,
    SCORM_COMMITS,
    SCORM_ENROLLMENTS,
    SCORM_OUTBOX,
    SCORM_SCO_STATUS,
    SCORM_SESSIONS,
    STATEMENTS,
)
from tests.support import basic_auth

HOME = "https://lms.example.com"
ANN, BOB = "u-42", "u-7"
COURSE = {"id": "course-7", "title": "Safety basics"}
SCO = {"id": "sco-1", "title": "Module 1"}
DATA = b"Ann's certificate"
SHA = hashlib.sha256(DATA).hexdigest()
CREATE = {"If-None-Match": "*"}


def needles(learner: str, session_prefix: str) -> tuple[str, ...]:
    """What marks a learner's data: their id, session ids, enrollment id and attempt ids."""
    enrollment = enrollment_id(learner, COURSE["id"])
    return (learner, session_prefix, enrollment, attempt_id(enrollment, 1), attempt_id(enrollment, 2))


ANN_NEEDLES = needles(ANN, "sess-ann")
BOB_NEEDLES = needles(BOB, "sess-bob")
REPORTS = [
    "/reports/enrollments",
    "/reports/attempts",
    "/reports/time-spent",
    "/reports/time-spent?group=day",
    "/reports/attempt-counts",
    "/reports/courses",
    "/reports/abandoned-attempts?idle=1s",
]
# every collection that can hold data about a learner; credentials and login counters cannot
LEARNER_COLLECTIONS = [
    STATEMENTS,
    ATTACHMENTS,
    ACTIVITIES,
    DOCUMENTS,
    SCORM_ENROLLMENTS,
    SCORM_ATTEMPTS,
    SCORM_SESSIONS,
    SCORM_COMMITS,
    SCORM_AUDIT,
    SCORM_SCO_STATUS,
    SCORM_OUTBOX,
]


def account(learner: str) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": HOME, "name": learner}}


def commit(
    learner: str, session: str, sequence: int, cmi: dict[str, str], event: str = "commit"
) -> dict[str, Any]:
    return {
        "learner": {"id": learner, "name": f"Name of {learner}"},
        "course": COURSE,
        "sco": SCO,
        "version": "1.2",
        "session_id": session,
        "sequence": sequence,
        "event": event,
        "cmi": cmi,
        "timestamp": f"2026-11-20T10:00:{sequence:02d}Z",
    }


def statement(actor: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://lms.example.com/xapi/courses/course-7"},
        "result": {"duration": "PT5M"},
        **extra,
    }


def launch(client: TestClient, learner: str, session: str) -> None:
    for n, (event, cmi) in enumerate(
        [
            ("initialize", {}),
            ("commit", {"cmi.core.score.raw": "85", "cmi.core.lesson_status": "passed"}),
            ("terminate", {"cmi.core.session_time": "00:10:00", "cmi.core.exit": "suspend"}),
        ]
    ):
        response = client.post("/scorm/commits", json=commit(learner, session, n, cmi, event))
        assert response.status_code == 200, response.text


def seed(client: TestClient) -> None:
    """Ann and Bob through commits, statements and documents; Ann also through a rejected commit,
    a group, an instructor role, a sub-statement and an attachment."""
    hook = client.post("/scorm/webhooks", json={"url": "http://127.0.0.1:9/postbacks"})
    assert hook.status_code == 201, hook.text
    launch(client, ANN, "sess-ann-1")
    launch(client, ANN, "sess-ann-2")
    launch(client, BOB, "sess-bob-1")
    rejected = client.post(
        "/scorm/commits", json=commit(ANN, "sess-ann-bad", 0, {"cmi.core.score.raw": "abc"})
    )
    assert rejected.status_code == 422
    bob, ann = account(BOB), account(ANN)
    statements = [
        statement(ann),
        statement({"objectType": "Group", "name": "team", "member": [bob, ann]}),
        statement(bob, context={"instructor": ann}),
        statement(bob, verb={"id": "http://example.com/mentored"}, object=ann),
        statement(bob, object={"objectType": "SubStatement", **statement(ann)}),
        statement(bob),
    ]
    assert client.post("/xapi/statements", json=statements).status_code == 200
    with_attachment = statement(
        ann,
        attachments=[
            {
                "usageType": "http://example.com/certificate",
                "display": {"en-US": "certificate"},
                "contentType": "text/plain",
                "length": len(DATA),
                "sha2": SHA,
            }
        ],
    )
    body = (
        b"--b\r\nContent-Type: application/json\r\n\r\n"
        + orjson.dumps(with_attachment)
        + b"\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
        + f"X-Experience-API-Hash: {SHA}\r\n\r\n".encode()
        + DATA
        + b"\r\n--b--\r\n"
    )
    stored = client.post(
        "/xapi/statements", content=body, headers={"Content-Type": 'multipart/mixed; boundary="b"'}
    )
    assert stored.status_code == 200, stored.text
    # a credential whose key is Ann's id: its statements name her only as their authority
    db = client.app.state.db  # type: ignore[attr-defined]
    client.portal.call(lambda: create_credential(db, "x", ["statements/write"], key=ANN, secret="s"))  # type: ignore[union-attr]
    by_key = client.post(
        "/xapi/statements",
        json=statement(bob, verb={"id": "http://example.com/by-key"}),
        headers={"Authorization": basic_auth(ANN, "s")},
    )
    assert by_key.status_code == 200
    # SCO records come from multi-SCO packages' launches; one per learner is stored directly here
    for learner in (ANN, BOB):
        attempt = client.portal.call(  # type: ignore[union-attr]
            lambda learner=learner: db.collection(SCORM_ATTEMPTS).find_one({"learner_id": learner})
        )
        record = {
            "_id": f"{attempt['_id']}:sco-2",
            "attempt_id": attempt["_id"],
            "sco_id": "sco-2",
            "cmi": {},
        }
        record["enrollment_id"] = attempt["enrollment_id"]
        client.portal.call(lambda record=record: db.collection(SCORM_SCO_STATUS).insert_one(record))  # type: ignore[union-attr]
    for who in (ann, bob):
        params = {"activityId": "https://example.com/a", "agent": json.dumps(who), "stateId": "bookmark"}
        assert client.put("/xapi/activities/state", params=params, json={"page": 3}).status_code == 204
        profile = {"agent": json.dumps(who), "profileId": "prefs"}
        saved = client.put("/xapi/agents/profile", params=profile, json={"lang": "en"}, headers=CREATE)
        assert saved.status_code == 204, saved.text


def everything(client: TestClient) -> dict[str, list[dict[str, Any]]]:
    db = client.app.state.db  # type: ignore[attr-defined]

    async def read() -> dict[str, list[dict[str, Any]]]:
        return {name: await db.collection(name).find({}) for name in LEARNER_COLLECTIONS}

    return client.portal.call(read)  # type: ignore[union-attr, no-any-return]


def traces(docs: dict[str, list[dict[str, Any]]], *needles: str) -> list[tuple[str, Any]]:
    """(collection, _id) of every document whose content mentions a needle; a statement's authority
    (the credential that stored it) does not count."""
    found = []
    for name, rows in docs.items():
        for row in rows:
            if name == STATEMENTS:
                # related_agents lists the authority too; the agents it lists are in the statement itself
                statement = {**row["statement"], "authority": None}
                row = {**row, "authority_key": None, "related_agents": None, "statement": statement}
            text = orjson.dumps(row, default=lambda v: v.hex() if isinstance(v, bytes) else str(v)).decode()
            if any(n in text for n in needles) or (DATA.hex() in text):
                found.append((name, row["_id"]))
    return found


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    seed(client)
    return client


def test_erasure_of_a_learner_leaves_no_trace_in_any_collection(seeded: TestClient) -> None:
    client = seeded
    before = everything(client)
    ann_before = traces(before, *ANN_NEEDLES)
    expected = {name: sum(1 for c, _ in ann_before if c == name) for name in LEARNER_COLLECTIONS}
    assert all(expected[name] for name in LEARNER_COLLECTIONS if name != ACTIVITIES), expected
    response = client.delete(f"/admin/learners/{ANN}")
    assert response.status_code == 200, response.text
    assert response.json()["learner"] == ANN
    removed = response.json()["removed"]
    assert {name: removed.get(name, 0) for name in LEARNER_COLLECTIONS} == expected
    after = everything(client)
    assert traces(after, *ANN_NEEDLES) == []
    # Bob's data stays, except what he shared with Ann (the group statement, her instructor role...)
    bob_kept = [t for t in traces(before, *BOB_NEEDLES) if t not in set(ann_before)]
    assert traces(after, *BOB_NEEDLES) == bob_kept
    kept = {doc["statement"]["verb"]["id"] for doc in after[STATEMENTS] if doc.get("source") != "scorm"}
    assert kept == {"http://adlnet.gov/expapi/verbs/experienced", "http://example.com/by-key"}


def test_erasure_is_idempotent(seeded: TestClient) -> None:
    first = seeded.delete(f"/admin/learners/{ANN}").json()["removed"]
    again = seeded.delete(f"/admin/learners/{ANN}")
    assert again.status_code == 200
    assert set(again.json()["removed"]) == set(first)
    assert all(count == 0 for count in again.json()["removed"].values())


def test_erasure_reports_no_longer_count_the_learner(seeded: TestClient) -> None:
    client = seeded
    before = {path: client.get(path).json() for path in REPORTS}
    counted = [path for path in REPORTS if "courses" not in path and "abandoned" not in path]
    assert all(ANN in json.dumps(before[path]) for path in counted)
    assert client.get(f"/reports/learners/{ANN}/courses").json()["total"] == 1
    courses_before = client.get("/reports/courses").json()["items"][0]
    client.delete(f"/admin/learners/{ANN}")
    for path in REPORTS:
        for accept in ("application/json", "text/csv"):
            response = client.get(path, headers={"Accept": accept})
            assert response.status_code == 200, (path, response.text)
            assert ANN not in response.text, (path, accept)
            assert BOB in response.text or path.startswith("/reports/courses") or "abandoned" in path
    assert client.get(f"/reports/learners/{ANN}/courses").json()["total"] == 0
    courses_after = client.get("/reports/courses").json()["items"][0]
    assert courses_after != courses_before
    assert client.get(f"/reports/learners/{BOB}/courses").json()["total"] == 1


def test_erasure_of_an_agent_by_mbox_covers_its_sha1_and_documents(client: TestClient) -> None:
    mbox = "mailto:carol@example.com"
    carol = {"objectType": "Agent", "mbox": mbox}
    hashed = {"objectType": "Agent", "mbox_sha1sum": hashlib.sha1(mbox.encode()).hexdigest()}
    statements = [statement(carol), statement(hashed), statement(account(BOB))]
    assert client.post("/xapi/statements", json=statements).status_code == 200
    params = {"activityId": "https://example.com/a", "agent": json.dumps(carol), "stateId": "s"}
    assert client.put("/xapi/activities/state", params=params, json={"x": 1}).status_code == 204
    response = client.delete("/admin/agents", params={"agent": json.dumps(carol)})
    assert response.status_code == 200, response.text
    assert response.json()["agent"] == carol
    assert response.json()["removed"][STATEMENTS] == 2 and response.json()["removed"][DOCUMENTS] == 1
    assert SCORM_ENROLLMENTS not in response.json()["removed"]
    left = client.get("/xapi/statements").json()["statements"]
    assert [s["actor"] for s in left] == [account(BOB)]
    again = client.delete("/admin/agents", params={"agent": json.dumps(carol)}).json()["removed"]
    assert all(count == 0 for count in again.values())


def test_erasure_of_an_lms_account_agent_is_the_learner_erasure(seeded: TestClient) -> None:
    agent = {"account": {"homePage": HOME + "/", "name": ANN}}
    response = seeded.delete("/admin/agents", params={"agent": json.dumps(agent)})
    assert response.status_code == 200
    assert response.json()["removed"][SCORM_ENROLLMENTS] == 1
    assert traces(everything(seeded), *ANN_NEEDLES) == []


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="missing"),
        pytest.param({"agent": "{not json"}, id="not-json"),
        pytest.param({"agent": json.dumps({"name": "no identifier"})}, id="no-ifi"),
        pytest.param({"agent": json.dumps({"mbox": "a@b", "openid": "http://x"})}, id="two-ifis"),
    ],
)
def test_erasure_of_a_bad_agent_is_400_naming_it(client: TestClient, params: dict[str, str]) -> None:
    response = client.delete("/admin/agents", params=params)
    assert response.status_code == 400 and response.json()["field"] == "agent"


def test_erasure_needs_the_admin_scope(client: TestClient) -> None:
    made = client.post("/admin/credentials", json={"label": "x", "scopes": ["all"]}).json()
    auth = {"Authorization": basic_auth(made["key"], made["secret"])}
    assert client.delete(f"/admin/learners/{ANN}", headers=auth).status_code == 403
    assert (
        client.delete("/admin/agents", params={"agent": json.dumps(account(ANN))}, headers=auth).status_code
        == 403
    )


def test_erasure_keeps_rows_where_the_id_names_something_else(client: TestClient) -> None:
    """Bob's commits in a course whose id is Ann's id: their audit rows name "u-42", not as learner."""
    for n, event in enumerate(("initialize", "terminate")):
        body = {**commit(BOB, "sess-bob-1", n, {}, event), "course": {"id": ANN, "title": "Named like Ann"}}
        assert client.post("/scorm/commits", json=body).status_code == 200
    before = everything(client)
    removed = client.delete(f"/admin/learners/{ANN}").json()["removed"]
    assert all(count == 0 for count in removed.values())
    assert everything(client) == before


def test_erasure_of_a_learner_id_with_a_slash_and_a_dollar(client: TestClient) -> None:
    learner = "$org/u.1"
    launch(client, learner, "$sess.1")
    response = client.delete("/admin/learners/" + learner.replace("/", "%2F"))
    assert response.status_code == 200 and response.json()["learner"] == learner
    assert response.json()["removed"][SCORM_ENROLLMENTS] == 1
    assert traces(everything(client), learner, "$sess.1") == []
