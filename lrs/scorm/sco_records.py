"""A SCO's own record within a course attempt (`scorm_sco_status`, `<attempt id>:<sco id>`).

Attempts hold one merged CMI tree per (learner, course), where the SCOs of a multi-SCO course
overwrite each other's status, location and suspend data; each SCO's own values are kept here, per
element the one of the latest commit (its time: the client timestamp never after the server clock,
then its sequence), so a late or re-sent commit never overwrites newer values. `x.ended` says
whether the SCO's latest commit ended its session for good (terminate without suspend).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lrs.errors import DuplicateKey
from lrs.scorm.models import CommitIn
from lrs.scorm.tree import flat_cmi, merge_stages
from lrs.storage import Database
from lrs.storage.indexes import SCORM_SCO_STATUS, SCORM_SESSIONS

SCO_ELEMENTS = {
    "1.2": (
        "cmi.core.lesson_status",
        "cmi.core.score.raw",
        "cmi.core.score.min",
        "cmi.core.score.max",
        "cmi.core.lesson_location",
        "cmi.suspend_data",
        "cmi.core.exit",
    ),
    "2004": (
        "cmi.completion_status",
        "cmi.success_status",
        "cmi.score.scaled",
        "cmi.score.raw",
        "cmi.score.min",
        "cmi.score.max",
        "cmi.progress_measure",
        "cmi.location",
        "cmi.suspend_data",
        "cmi.exit",
    ),
}
ENDED = "x.ended"
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
SEQUENCE_BITS = 20


def commit_order(commit: CommitIn, now: datetime) -> int:
    """A commit's rank among a SCO's commits: its time (client timestamp, never after `now`) in ms
    since 2020, then its sequence."""
    client = commit.client_time()
    moment = min(now, client) if client is not None else now
    millis = max(0, int((moment - EPOCH).total_seconds() * 1000))
    return (millis << SEQUENCE_BITS) + min(commit.sequence, (1 << SEQUENCE_BITS) - 1)


def record_key(attempt_id: str, sco_id: str) -> str:
    return f"{attempt_id}:{sco_id}"


async def record_sco(db: Database, commit: CommitIn, attempt_id: str, enrollment: str, now: datetime) -> None:
    """Merge a commit's SCO-scoped elements into the SCO's record (idempotent)."""
    values = {k: v for k, v in commit.cmi.items() if k in SCO_ELEMENTS[commit.version]}
    exit_element = "cmi.core.exit" if commit.version == "1.2" else "cmi.exit"
    values[ENDED] = "1" if commit.event == "terminate" and commit.cmi.get(exit_element) != "suspend" else "0"
    stage = merge_stages(values, commit_order(commit, now))
    stage.update(
        {
            "attempt_id": {"$literal": attempt_id},
            "enrollment_id": {"$literal": enrollment},
            "sco_id": {"$literal": commit.sco.id},
            "version": commit.version,
        }
    )
    records = db.collection(SCORM_SCO_STATUS)
    key = {"_id": record_key(attempt_id, commit.sco.id)}
    try:
        await records.update_one(key, [{"$set": stage}], upsert=True)
    except DuplicateKey:  # two first commits of the SCO raced on the _id
        await records.update_one(key, [{"$set": stage}], upsert=True)


def record_cmi(doc: dict[str, Any] | None) -> dict[str, str]:
    """A record's CMI values (without the `x.` markers)."""
    return {k: v for k, v in flat_cmi((doc or {}).get("cmi")).items() if not k.startswith("x.")}


def record_ended(doc: dict[str, Any] | None) -> bool:
    return flat_cmi((doc or {}).get("cmi")).get(ENDED) == "1"


async def attempt_records(db: Database, attempt_id: str) -> list[dict[str, Any]]:
    """Every SCO record of an attempt."""
    return await db.collection(SCORM_SCO_STATUS).find({"attempt_id": attempt_id})


async def find_record(db: Database, attempt_id: str, sco_id: str) -> dict[str, Any] | None:
    return await db.collection(SCORM_SCO_STATUS).find_one({"_id": record_key(attempt_id, sco_id)})


async def sco_time_s(db: Database, attempt_id: str, sco_id: str) -> float:
    """The time of a SCO's sessions in an attempt."""
    sessions = await db.collection(SCORM_SESSIONS).find(
        {"attempt_id": attempt_id, "sco_id": sco_id}, {"time_s": 1}
    )
    return float(sum(s.get("time_s") or 0.0 for s in sessions))
