"""Bounded documents: an attempt record does not grow with its commits or sessions (issue 8, defect 8:
applied sequences and session lists made it grow towards MongoDB's 16 MB limit)."""

from __future__ import annotations

import asyncio
from typing import Any

import bson
import pytest

from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_COMMITS, SCORM_ENROLLMENTS, SCORM_SESSIONS, STATEMENTS
from tests.scorm import faults
from tests.scorm.helpers import ENROLLMENT, attempt_of, commit

SESSIONS = 500
COMMITS_PER_SESSION = 20
# The stated bound: far below MongoDB's 16 MB; what grows is only the CMI the content sets, which the
# CMI limits bound (LRS_MAX_ATTEMPT_CMI_BYTES), plus the plans of commits in flight.
ATTEMPT_BOUND = 16 * 1024


def session_commits(session: int) -> list[dict[str, Any]]:
    entry = "ab-initio" if session == 0 else "resume"
    bodies = [commit("2004", f"s{session}", 0, {"cmi.entry": entry}, "initialize")]
    bodies += [
        commit("2004", f"s{session}", n, {"cmi.suspend_data": f"s{session}n{n}"})
        for n in range(1, COMMITS_PER_SESSION - 1)
    ]
    bodies.append(
        commit(
            "2004",
            f"s{session}",
            COMMITS_PER_SESSION - 1,
            {"cmi.exit": "suspend", "cmi.session_time": "PT19S"},
            "terminate",
        )
    )
    return bodies


def test_bounded_attempt_record_over_10000_commits_in_500_sessions() -> None:
    settings = faults.make_settings()
    sizes: list[int] = []

    async def go() -> dict[str, Any]:
        db = faults.make_database(settings)
        try:
            await faults.create_indexes(db)
            attempts = db.collection(SCORM_ATTEMPTS)
            for session in range(SESSIONS):
                for body in session_commits(session):
                    await faults._send(db, settings, body)
                if session in (0, SESSIONS // 2, SESSIONS - 1):
                    sizes.append(len(bson.encode(await attempts.find_one({"_id": attempt_of(1)}))))
            return {
                "attempts": await attempts.find({}),
                "enrollment": await db.collection(SCORM_ENROLLMENTS).find_one({"_id": ENROLLMENT}),
                "sessions": await db.collection(SCORM_SESSIONS).count({}),
                "commits": await db.collection(SCORM_COMMITS).count({}),
                "statements": await db.collection(STATEMENTS).count({}),
            }
        finally:
            await db.drop()
            await db.close()

    with faults.frozen_clocks():
        found = asyncio.run(go())
    assert all(size < ATTEMPT_BOUND for size in sizes), sizes
    assert sizes[-1] <= sizes[0] + 16, sizes  # no growth: only the ids in it got longer
    (attempt,) = found["attempts"]
    total = SESSIONS * COMMITS_PER_SESSION
    assert (attempt["commit_count"], attempt["session_count"], attempt["number"]) == (total, SESSIONS, 1)
    assert attempt["total_time_s"] == pytest.approx(SESSIONS * 19.0)
    assert attempt["pending"] == {} and attempt["latest"]["session_id"] == f"s{SESSIONS - 1}"
    assert found["enrollment"]["total_time_s"] == pytest.approx(SESSIONS * 19.0)
    assert found["enrollment"]["attempt_count"] == 1
    assert (found["sessions"], found["commits"]) == (SESSIONS, total)
    assert found["statements"] == 2 * SESSIONS  # initialized/resumed and suspended, per session
