"""Enrollments and attempts: ids, the attempt a session belongs to, and their stored records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from lrs.errors import Conflict, DuplicateKey, InvalidRequest
from lrs.scorm.merge import SessionState
from lrs.scorm.models import CommitIn
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_ENROLLMENTS, SCORM_SESSIONS
from translators import AttemptState

ENROLLMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/xapi/scorm#lrs-bridge-enrollments")
# Attempts racing for one number collide on _id; a different session then takes the next number.
MAX_CREATE_TRIES = 20
# An enrollment update that keeps losing the race for its revision gives up (409) after this many tries.
MAX_UPDATE_TRIES = 1000
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
        "commit_count": 0,
        "last_sequence": None,
        "last_order": None,
        "session_count": 0,
        "total_time_reported_s": None,
        "total_time_s": 0.0,
        "created_by_session": created_by,
        "rev": 0,
        "latest": None,
        "pending": {},
    }


async def place_session(db: Database, commit: CommitIn, enrollment: str, now: datetime) -> dict[str, Any]:
    """The session's record, created on its first commit with the attempt that commit decides (creating
    that attempt when needed). Racing first commits of one session meet on the `scorm_sessions` `_id`,
    so a session joins exactly one attempt; its ordinal is given by its first merge (merge.py)."""
    sessions = db.collection(SCORM_SESSIONS)
    attempt = await _decide_attempt(db, commit, enrollment, now)
    session = {
        "_id": commit.session_id,
        "attempt_id": attempt["_id"],
        "attempt_number": attempt["number"],
        "enrollment_id": enrollment,
        "learner_id": commit.learner.id,
        "course_id": commit.course.id,
        "sco_id": commit.sco.id,
        **SessionState.new(now).fields(),
    }
    try:
        await sessions.insert_one(session)
    except DuplicateKey:
        winner = await sessions.find_one({"_id": commit.session_id})
        assert winner is not None
        check_enrollment(winner, commit, enrollment)
        return winner
    return session


def check_enrollment(session: dict[str, Any], commit: CommitIn, enrollment: str) -> None:
    """A session belongs to one learner and course."""
    if session["enrollment_id"] != enrollment:
        raise InvalidRequest(
            f"session_id {commit.session_id!r} belongs to another learner or course", field="session_id"
        )


async def _decide_attempt(db: Database, commit: CommitIn, enrollment: str, now: datetime) -> dict[str, Any]:
    """The latest attempt when the session resumes it, else a new one."""
    attempts = db.collection(SCORM_ATTEMPTS)
    latest = await attempts.find_one(
        {"enrollment_id": enrollment},
        {"_id": 1, "number": 1, "finished": 1, "created_by_session": 1},
        sort=[("number", -1)],
    )
    if latest is not None and latest.get("created_by_session") == commit.session_id:
        return latest  # this session created it, and failed before its record was stored
    if latest is not None and not latest.get("finished") and entry_of(commit) != "ab-initio":
        return latest
    number = (latest["number"] if latest else 0) + 1
    for _ in range(MAX_CREATE_TRIES):
        record = new_attempt(commit, enrollment, number, now, commit.session_id)
        try:
            await attempts.insert_one(record)
            return record
        except DuplicateKey:
            existing = await attempts.find_one(
                {"_id": record["_id"]}, {"_id": 1, "number": 1, "created_by_session": 1}
            )
            if existing is not None and existing.get("created_by_session") == commit.session_id:
                return existing
            number += 1
    raise DuplicateKey(f"enrollment {enrollment}: no free attempt number after {number}")


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
        "total_time_reported_s": state.total_time_reported_s,
    }


def is_done(state: AttemptState) -> bool:
    """Completion `completed` or success `passed`: what sets completed_at."""
    return state.completion == "completed" or state.success == "passed"


def _max(a: Any, b: Any) -> Any:
    """MongoDB's $max over two values where null loses."""
    return b if a is None else a if b is None else max(a, b)


def _min(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def enrollment_fields(
    doc: dict[str, Any] | None, plan: dict[str, Any], rev: int, now: datetime
) -> dict[str, Any]:
    """The enrollment's fields after folding in one commit's outcome (status rule of
    docs/architecture.md: passed > completed (not failed) > latest attempt failed > in progress).
    Folding the same commit in twice changes nothing: every field is a max, a first value, the latest
    attempt's (by attempt number and commit count), or a total moved only by a newer revision of an
    attempt's own total (`attempt_time.a<n>`)."""
    d = doc or {}
    number, count = int(plan["attempt_number"]), int(plan["count"])
    key = number * LATEST_FACTOR + count
    latest = d.get("latest_key") is None or key >= d["latest_key"]
    times = {k: dict(v) for k, v in (d.get("attempt_time") or {}).items()}
    slot = times.get(f"a{number}")
    total = float(d.get("total_time_s") or 0.0)
    if slot is None or rev > slot["r"]:
        total += plan["attempt_total_s"] - (slot["t"] if slot else 0.0)
        times[f"a{number}"] = {"r": rev, "t": plan["attempt_total_s"]}
    passed = int(plan["success"] == "passed")
    completed = int(plan["completion"] == "completed" and plan["success"] != "failed")
    fields: dict[str, Any] = {
        "learner_id": plan["learner_id"],
        "learner_name": plan["learner_name"],
        "course_id": plan["course_id"],
        "course_title": plan["course_title"],
        "first_access": _min(d.get("first_access"), now),
        "last_access": _max(d.get("last_access"), now),
        "attempt_time": times,
        "total_time_s": total,
        "max_attempt_number": _max(d.get("max_attempt_number"), number),
        "legacy_attempts": d.get("legacy_attempts") or 0,
        "best_score_raw": _max(d.get("best_score_raw"), plan["score_raw"]),
        "best_score_scaled": _max(d.get("best_score_scaled"), plan["score_scaled"]),
        "last_score_raw": plan["score_raw"] if latest else d.get("last_score_raw"),
        "last_score_scaled": plan["score_scaled"] if latest else d.get("last_score_scaled"),
        "latest_success": plan["success"] if latest else d.get("latest_success"),
        "current_attempt_id": plan["attempt_id"] if latest else d.get("current_attempt_id"),
        "latest_key": _max(d.get("latest_key"), key),
        "ever_passed": max(int(d.get("ever_passed") or 0), passed),
        "ever_completed": max(int(d.get("ever_completed") or 0), completed),
        # an enrollment with a course rollup (course_rollup.py) gets status and completed_at from it
        "completed_at": d.get("completed_at")
        if d.get("rollup") is not None
        else d.get("completed_at") or (now if passed or completed else None),
    }
    fields["attempt_count"] = fields["max_attempt_number"] + max(fields["legacy_attempts"] - 1, 0)
    rollup = (d.get("rollup") or {}).get("status")
    fields["status"] = (
        rollup
        if rollup is not None
        else "passed"
        if fields["ever_passed"] == 1
        else "completed"
        if fields["ever_completed"] == 1
        else "failed"
        if fields["latest_success"] == "failed"
        else "in progress"
    )
    return fields


async def update_enrollment(
    db: Database, plan: dict[str, Any], rev: int, now: datetime, doc: dict[str, Any] | None
) -> dict[str, Any]:
    """Fold one commit into its enrollment (`doc` as read before): a plain update matching the revision
    it was computed from, read again and recomputed when another commit got there first; no write when
    nothing changes (a second run of the same commit)."""
    coll = db.collection(SCORM_ENROLLMENTS)
    for _ in range(MAX_UPDATE_TRIES):
        fields = enrollment_fields(doc, plan, rev, now)
        if doc is not None and all(doc.get(k) == v for k, v in fields.items()):
            return doc
        if doc is None:
            try:
                await coll.insert_one({"_id": plan["id"], "rev": 1, **fields})
                return {"_id": plan["id"], **fields}
            except DuplicateKey:
                pass
        else:
            current = doc.get("rev")
            matched = {"_id": doc["_id"], "rev": current if current is not None else {"$exists": False}}
            result = await coll.update_one(matched, {"$set": {**fields, "rev": int(current or 0) + 1}})
            if result.matched:
                return {**doc, **fields}
        doc = await coll.find_one({"_id": plan["id"]})
    raise Conflict(
        f"enrollment {plan['id']} changed {MAX_UPDATE_TRIES} times while a commit was folded in; retry"
    )
