"""A small hand-made store for the report tests: SCORM enrollments, attempts and sessions as the
ingest writes them (docs/architecture.md) and non-SCORM statements with their report fields.

Learners alice, bob, carol (SCORM) and dan (video only); courses c1 "Safety" and c2 "Fire".
Every expected figure in the tests is worked out from these rows (see the comments there).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lrs.storage import Database
from lrs.storage.indexes import (
    SCORM_ATTEMPTS,
    SCORM_ENROLLMENTS,
    SCORM_SESSIONS,
    STATEMENTS,
    create_indexes,
)

TITLES = {"c1": "Safety", "c2": "Fire"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC moment in January 2026."""
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def enrollment(
    learner: str,
    course: str,
    status: str,
    attempts: int,
    best: float | None,
    first: datetime,
    last: datetime,
    completed: datetime | None,
) -> dict[str, Any]:
    return {
        "_id": f"e-{learner}-{course}",
        "learner_id": learner,
        "learner_name": learner.title(),
        "course_id": course,
        "course_title": TITLES[course],
        "first_access": first,
        "last_access": last,
        "status": status,
        "attempt_count": attempts,
        "best_score_raw": best,
        "best_score_scaled": None if best is None else best / 100,
        "last_score_raw": best,
        "last_score_scaled": None if best is None else best / 100,
        "completed_at": completed,
        "current_attempt_id": None,
    }


def attempt(
    learner: str,
    course: str,
    number: int,
    started: datetime,
    last: datetime,
    completed: datetime | None,
    completion: str,
    success: str,
    score: float | None,
    commits: int,
) -> dict[str, Any]:
    return {
        "_id": f"a-{learner}-{course}-{number}",
        "enrollment_id": f"e-{learner}-{course}",
        "learner_id": learner,
        "learner_name": learner.title(),
        "course_id": course,
        "course_title": TITLES[course],
        "sco_id": "sco1",
        "sco_title": "Lesson",
        "version": "1.2",
        "number": number,
        "started_at": started,
        "last_commit_at": last,
        "completed_at": completed,
        "completion_status": completion,
        "success_status": success,
        "score_raw": score,
        "score_min": 0,
        "score_max": 100,
        "score_scaled": None if score is None else score / 100,
        "progress_measure": None,
        "location": "p3",
        "suspend_data": "",
        "entry": "ab-initio",
        "exit": "",
        "finished": True,
        "cmi": {
            "cmi|core|lesson_status": {"v": completion, "s": 3},
            "cmi|interactions|10|id": {"v": "q11", "s": 2},
            "cmi|interactions|9|id": {"v": "q10", "s": 2},
        },
        "commit_count": commits,
        "last_sequence": commits,
        "total_time_reported_s": 0,
    }


def session(
    sid: str, attempt_id: str, started: datetime, last: datetime, time_s: float, source: str = "session_time"
) -> dict[str, Any]:
    _, learner, course, _ = attempt_id.split("-")
    return {
        "_id": sid,
        "attempt_id": attempt_id,
        "enrollment_id": f"e-{learner}-{course}",
        "learner_id": learner,
        "course_id": course,
        "sco_id": "sco1",
        "started_at": started,
        "last_commit_at": last,
        "session_time_s": time_s if source == "session_time" else None,
        "session_time_seq": 1,
        "measured_s": time_s if source == "measured" else 0.0,
        "time_s": time_s,
        "time_source": source,
    }


def statement(
    sid: str,
    learner: str,
    courses: list[str],
    occurred: datetime,
    *,
    duration: float | None = None,
    video: str | None = None,
    played: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "_id": sid,
        "statement": {"id": sid},
        "stored": occurred,
        "verb": "v",
        "learner": learner,
        "courses": courses,
        "duration_s": duration,
        "video_session": video,
        "video_played_s": played,
        "occurred": occurred,
        **extra,
    }


ENROLLMENTS = [
    enrollment("alice", "c1", "passed", 2, 90, at(1, 9), at(3, 10, 30), at(3, 10, 20)),
    enrollment("bob", "c1", "failed", 1, 40, at(2, 8), at(2, 8, 30), None),
    enrollment("carol", "c1", "completed", 1, None, at(5, 12), at(5, 12, 40), at(5, 12, 30)),
    enrollment("alice", "c2", "in progress", 1, None, at(4, 7), at(4, 7, 10), None),
]
ATTEMPTS = [
    # as SCORM 1.2 "failed" is stored: completed (so completed_at is set) but failed, completing nothing
    attempt("alice", "c1", 1, at(1, 9), at(1, 9, 40), at(1, 9, 40), "completed", "failed", 50, 4),
    attempt("alice", "c1", 2, at(3, 10), at(3, 10, 30), at(3, 10, 20), "completed", "passed", 90, 3),
    attempt("bob", "c1", 1, at(2, 8), at(2, 8, 30), None, "incomplete", "failed", 40, 2),
    attempt("carol", "c1", 1, at(5, 12), at(6, 9, 5), at(5, 12, 30), "completed", "unknown", None, 5),
    attempt("alice", "c2", 1, at(4, 7), at(4, 7, 10), None, "incomplete", "unknown", None, 1),
]
SESSIONS = [
    session("s1", "a-alice-c1-1", at(1, 9), at(1, 9, 40), 2400),
    session("s2", "a-alice-c1-2", at(3, 10), at(3, 10, 30), 1500),
    session("s3", "a-bob-c1-1", at(2, 8), at(2, 8, 30), 1800),
    session("s4", "a-carol-c1-1", at(5, 12), at(5, 12, 40), 2350.5, "measured"),
    session("s5", "a-carol-c1-1", at(6, 9), at(6, 9, 5), 300),  # after carol's completion
    session("s6", "a-alice-c2-1", at(4, 7), at(4, 7, 10), 600),
]
STATEMENTS_ = [
    # alice's video session vs1 on c1: played segments accumulate, 30 -> 45 -> 60 seconds; counts 60
    statement("v1", "alice", ["c1"], at(2, 20), video="vs1", played=30),
    statement("v2", "alice", ["c1"], at(2, 20, 5), video="vs1", played=45, duration=300),  # played wins
    statement("v3", "alice", ["c1"], at(3, 0, 10), video="vs1", played=60),  # next day: still session vs1
    statement("d1", "alice", ["c1"], at(4, 11), duration=120),  # after alice completed c1
    statement("d2", "bob", ["c1", "c2"], at(2, 9), duration=100),  # about both courses: counts for each
    statement("x1", "alice", ["c1"], at(3, 10, 30), duration=1500, source="scorm"),  # in s2 already
    statement("x2", "alice", ["c1"], at(3, 11), duration=999, voided=True),
    statement("x3", "alice", ["c9"], at(3, 11), duration=77),  # another course
    statement("x4", "alice", ["c1"], at(3, 11)),  # no time
    statement("d3", "carol", ["c1"], at(5, 11), duration=50),  # before carol completed c1
    statement("v4", "dan", ["c2"], at(7, 10), video="vs2", played=200),  # dan: video only, no enrollment
]


async def seed(db: Database) -> None:
    """Insert the rows above (with the indexes, as at startup)."""
    await create_indexes(db)
    await db.collection(SCORM_ENROLLMENTS).insert_many(ENROLLMENTS)
    await db.collection(SCORM_ATTEMPTS).insert_many(ATTEMPTS)
    await db.collection(SCORM_SESSIONS).insert_many(SESSIONS)
    await db.collection(STATEMENTS).insert_many(STATEMENTS_)
