"""Enrollments and attempts: ids, the attempt a session belongs to, and their stored records."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import datetime
from typing import Any

from lrs.errors import DuplicateKey, InvalidRequest
from lrs.scorm.merge import new_session_entry, session_path
from lrs.scorm.models import CommitIn
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_ENROLLMENTS, SCORM_SESSIONS
from translators import AttemptState, Comment, Interaction, Objective

ENROLLMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/xapi/scorm#lrs-bridge-enrollments")
# Attempts racing for one number collide on _id; a different session then takes the next number.
MAX_CREATE_TRIES = 20
# (attempt number, commit count) as one number: the enrollment's "latest" fields follow the highest.
LATEST_FACTOR = 2**32


def enrollment_id(learner_id: str, course_id: str) -> str:
    """uuid5 of (learner id, course id): also the xAPI registration of the enrollment's statements."""
    return str(uuid.uuid5(ENROLLMENT_NAMESPACE, f"{learner_id}\x1f{course_id}"))


def attempt_id(enrollment: str, number: int) -> str:
    """uuid5 of (enrollment id, attempt number)."""
    return str(uuid.uuid5(uuid.UUID(enrollment), str(number)))


def entry_of(commit: CommitIn) -> str:
    """The commit's entry (SCORM 1.2 cmi.core.entry, 2004 cmi.entry), "" when not sent."""
    return commit.cmi.get("cmi.core.entry" if commit.version == "1.2" else "cmi.entry", "")


def new_attempt(
    commit: CommitIn, enrollment: str, number: int, now: datetime, created_by: str
) -> dict[str, Any]:
    """A fresh attempt record (scorm_attempts fields of docs/architecture.md)."""
    return {
        "_id": attempt_id(enrollment, number),
        "enrollment_id": enrollment,
        "learner_id": commit.learner.id,
        "learner_name": commit.learner.name,
        "course_id": commit.course.id,
        "course_title": commit.course.title,
        "sco_id": commit.sco.id,
        "sco_title": commit.sco.title,
        "version": commit.version,
        "number": number,
        "started_at": now,
        "last_commit_at": now,
        "completed_at": None,
        "completion_status": "not attempted",
        "success_status": "unknown",
        "score_raw": None,
        "score_min": None,
        "score_max": None,
        "score_scaled": None,
        "progress_measure": None,
        "location": None,
        "suspend_data": None,
        "entry": None,
        "exit": None,
        "finished": False,
        "cmi": {},
        "interactions": [],
        "objectives": [],
        "comments": [],
        "commit_count": 0,
        "last_sequence": None,
        "last_order": None,
        "by_session": {},
        "session_ids": [],
        "session_count": 0,
        "total_time_reported_s": None,
        "total_time_s": 0.0,
        "derived_count": 0,
        "created_by_session": created_by,
    }


async def place_session(db: Database, commit: CommitIn, enrollment: str, now: datetime) -> bool:
    """Attach a session to the attempt its first commit decides (creating that attempt when needed);
    True when this call created a new attempt. Racing first commits of one session meet on the
    `scorm_sessions` `_id`, and attaching is idempotent, so a session joins exactly one attempt."""
    sessions = db.collection(SCORM_SESSIONS)
    existing = await sessions.find_one({"_id": commit.session_id}, {"enrollment_id": 1, "attempt_id": 1})
    if existing is not None:  # placed already (a racing first commit, or one that died before attaching)
        _check_enrollment(existing, commit, enrollment)
        await attach_session(db, existing["attempt_id"], commit.session_id, now)
        return False
    attempt, created = await _decide_attempt(db, commit, enrollment, now)
    session = {
        "_id": commit.session_id,
        "attempt_id": attempt["_id"],
        "attempt_number": attempt["number"],
        "enrollment_id": enrollment,
        "learner_id": commit.learner.id,
        "course_id": commit.course.id,
        "sco_id": commit.sco.id,
        "ordinal": None,
        "started_at": now,
        "last_commit_at": now,
        "session_time_s": None,
        "session_time_seq": None,
        "measured_s": 0.0,
        "time_s": 0.0,
        "time_source": "measured",
        "commit_rev": 0,
    }
    try:
        await sessions.insert_one(session)
    except DuplicateKey:
        winner = await sessions.find_one({"_id": commit.session_id}, {"enrollment_id": 1, "attempt_id": 1})
        assert winner is not None
        _check_enrollment(winner, commit, enrollment)
        session["attempt_id"], created = winner["attempt_id"], False
    await attach_session(db, session["attempt_id"], commit.session_id, now)
    return created


def _check_enrollment(session: dict[str, Any], commit: CommitIn, enrollment: str) -> None:
    if session["enrollment_id"] != enrollment:
        raise InvalidRequest(
            f"session_id {commit.session_id!r} belongs to another learner or course", field="session_id"
        )


async def _decide_attempt(
    db: Database, commit: CommitIn, enrollment: str, now: datetime
) -> tuple[dict[str, Any], bool]:
    """The latest attempt when the session resumes it, else a new one; and whether it was created."""
    attempts = db.collection(SCORM_ATTEMPTS)
    latest = await attempts.find_one({"enrollment_id": enrollment}, sort=[("number", -1)])
    if latest is not None and not latest.get("finished") and entry_of(commit) != "ab-initio":
        return latest, False
    number = (latest["number"] if latest else 0) + 1
    for _ in range(MAX_CREATE_TRIES):
        record = new_attempt(commit, enrollment, number, now, commit.session_id)
        try:
            await attempts.insert_one(record)
            return record, True
        except DuplicateKey:
            existing = await attempts.find_one({"_id": record["_id"]})
            if existing is not None and existing.get("created_by_session") == commit.session_id:
                return existing, False
            number += 1
    raise DuplicateKey(f"enrollment {enrollment}: no free attempt number after {number}")


async def attach_session(db: Database, attempt: str, session_id: str, now: datetime) -> None:
    """Add a session to its attempt once: the next ordinal and an empty per-session entry."""
    path = session_path(session_id)
    await db.collection(SCORM_ATTEMPTS).update_one(
        {"_id": attempt, "session_ids": {"$ne": session_id}},
        [
            {
                "$set": {
                    "session_count": {"$add": [{"$ifNull": ["$session_count", 0]}, 1]},
                    "session_ids": {"$concatArrays": [{"$ifNull": ["$session_ids", []]}, [session_id]]},
                }
            },
            {"$set": {path: {"$literal": new_session_entry(now)}}},
            {"$set": {f"{path}.ordinal": "$session_count"}},
        ],
    )


def _plain(item: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """A dataclass of plain values as a dict (dataclasses.asdict re-walks every value, deep-copying)."""
    return {name: getattr(item, name) for name in names}


_INTERACTION = tuple(f.name for f in fields(Interaction))
_OBJECTIVE = tuple(f.name for f in fields(Objective))
_COMMENT = tuple(f.name for f in fields(Comment))


def derived_fields(state: AttemptState, finished: bool) -> dict[str, Any]:
    """The attempt fields extracted from its merged CMI tree."""
    return {
        "completion_status": state.completion,
        "success_status": state.success,
        "score_raw": state.score_raw,
        "score_min": state.score_min,
        "score_max": state.score_max,
        "score_scaled": state.score_scaled,
        "progress_measure": state.progress_measure,
        "location": state.location,
        "suspend_data": state.suspend_data,
        "entry": state.entry,
        "exit": state.exit,
        "finished": finished,
        "interactions": [_plain(i, _INTERACTION) for i in state.interactions],
        "objectives": [_plain(o, _OBJECTIVE) for o in state.objectives],
        "comments": [_plain(c, _COMMENT) for c in state.comments],
        "total_time_reported_s": state.total_time_reported_s,
    }


def is_done(state: AttemptState) -> bool:
    """Completion `completed` or success `passed`: what sets completed_at."""
    return state.completion == "completed" or state.success == "passed"


async def write_derived(
    db: Database, attempt: str, count: int, fields: dict[str, Any], done: bool, now: datetime
) -> None:
    """Store fields derived from the tree after commit number `count`, unless a later commit's are
    already stored (concurrent commits finish their writes in any order; the highest count wins)."""
    stage: dict[str, Any] = {k: {"$literal": v} for k, v in fields.items()}
    stage["derived_count"] = count
    stage["completed_at"] = {"$ifNull": ["$completed_at", now if done else None]}
    await db.collection(SCORM_ATTEMPTS).update_one(
        {"_id": attempt, "derived_count": {"$lt": count}}, [{"$set": stage}]
    )


def enrollment_update(
    commit: CommitIn,
    attempt: dict[str, Any],
    state: AttemptState,
    count: int,
    time_delta: float,
    now: datetime,
) -> list[dict[str, Any]]:
    """The pipeline upsert folding one commit's outcome into its enrollment (status rule of
    docs/architecture.md: passed > completed (not failed) > latest attempt failed > in progress)."""
    latest = {"$gte": [attempt["number"] * LATEST_FACTOR + count, {"$ifNull": ["$latest_key", -1]}]}

    def if_latest(value: Any, field: str) -> dict[str, Any]:
        return {"$cond": [latest, {"$literal": value}, f"${field}"]}

    passed = int(state.success == "passed")
    completed = int(state.completion == "completed" and state.success != "failed")
    first: dict[str, Any] = {
        "learner_id": commit.learner.id,
        "learner_name": {"$literal": commit.learner.name},
        "course_id": commit.course.id,
        "course_title": {"$literal": commit.course.title},
        "first_access": {"$min": ["$first_access", now]},
        "last_access": {"$max": ["$last_access", now]},
        "total_time_s": {"$add": [{"$ifNull": ["$total_time_s", 0]}, time_delta]},
        "max_attempt_number": {"$max": ["$max_attempt_number", attempt["number"]]},
        "legacy_attempts": {"$ifNull": ["$legacy_attempts", 0]},
        "best_score_raw": {"$max": ["$best_score_raw", state.score_raw]},
        "best_score_scaled": {"$max": ["$best_score_scaled", state.score_scaled]},
        "last_score_raw": if_latest(state.score_raw, "last_score_raw"),
        "last_score_scaled": if_latest(state.score_scaled, "last_score_scaled"),
        "latest_success": if_latest(state.success, "latest_success"),
        "current_attempt_id": if_latest(attempt["_id"], "current_attempt_id"),
        "latest_key": {"$max": ["$latest_key", attempt["number"] * LATEST_FACTOR + count]},
        "ever_passed": {"$max": [{"$ifNull": ["$ever_passed", 0]}, passed]},
        "ever_completed": {"$max": [{"$ifNull": ["$ever_completed", 0]}, completed]},
        # an enrollment with a course rollup (course_rollup.py) gets status and completed_at from it
        "completed_at": {
            "$cond": [
                {"$gt": [{"$ifNull": ["$rollup", None]}, None]},
                "$completed_at",
                {"$ifNull": ["$completed_at", now if passed or completed else None]},
            ]
        },
    }
    second = {
        "attempt_count": {
            "$add": ["$max_attempt_number", {"$max": [{"$subtract": ["$legacy_attempts", 1]}, 0]}]
        },
        "status": {
            "$switch": {
                "branches": [
                    {
                        "case": {"$gt": [{"$ifNull": ["$rollup.status", None]}, None]},
                        "then": "$rollup.status",
                    },
                    {"case": {"$eq": ["$ever_passed", 1]}, "then": "passed"},
                    {"case": {"$eq": ["$ever_completed", 1]}, "then": "completed"},
                    {"case": {"$eq": ["$latest_success", "failed"]}, "then": "failed"},
                ],
                "default": "in progress",
            }
        },
    }
    return [{"$set": first}, {"$set": second}]


async def update_enrollment(db: Database, enrollment: str, pipeline: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply an enrollment pipeline upsert; one retry when two first upserts race on the `_id`."""
    coll = db.collection(SCORM_ENROLLMENTS)
    try:
        doc = await coll.find_one_and_update({"_id": enrollment}, pipeline, upsert=True, return_new=True)
    except DuplicateKey:
        doc = await coll.find_one_and_update({"_id": enrollment}, pipeline, upsert=True, return_new=True)
    assert doc is not None
    return doc
