"""Course rollup in the store: after a commit launched from a multi-SCO package, the SCO's own
record (sco_records.py), the attempt's rollup and the enrollment's status.

The attempt gets `rollup` (rollup.py over the package's default organization) and the enrollment
gets `rollup`, its `status` and `completed_at` from the rolled-up attempts: passed when an attempt
passed, completed when one completed without failing, failed when the latest failed, else in
progress (ingest leaves `status` and `completed_at` of an enrollment with a rollup to this module).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lrs.scorm import rollup as ru
from lrs.scorm.models import CommitIn
from lrs.scorm.packages import default_organization, find_package
from lrs.scorm.sco_records import attempt_records, record_cmi, record_sco
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_ENROLLMENTS

# A package document never changes once registered: each process keeps the few it rolls up against.
_PACKAGES: dict[str, dict[str, Any]] = {}
_PACKAGE_CACHE_SIZE = 256


async def _package(db: Database, identifier: str) -> dict[str, Any]:
    cached = _PACKAGES.get(identifier)
    if cached is None:
        cached = await find_package(db, identifier)
        if len(_PACKAGES) >= _PACKAGE_CACHE_SIZE:
            _PACKAGES.clear()
        _PACKAGES[identifier] = cached
    return cached


def _rollup_doc(status: ru.Status, package: str, scos: int, completed: int) -> dict[str, Any]:
    return {
        "package": package,
        "status": ru.course_status(status),
        "completion": status.completion,
        "success": status.success,
        "score_scaled": status.measure,
        "score_raw": None if status.measure is None else round(status.measure * 100, 4),
        "scos": scos,
        "scos_completed": completed,
    }


def _enrollment_rollup(attempts: list[dict[str, Any]]) -> dict[str, Any]:
    rolled = sorted((a for a in attempts if a.get("rollup")), key=lambda a: a["number"])
    statuses = [a["rollup"]["status"] for a in rolled]
    latest: dict[str, Any] = dict(rolled[-1]["rollup"])
    if "passed" in statuses:
        status = "passed"
    elif "completed" in statuses:
        status = "completed"
    elif latest["status"] == "failed":
        status = "failed"
    else:
        status = "in progress"
    scores = [a["rollup"]["score_raw"] for a in rolled if a["rollup"]["score_raw"] is not None]
    return latest | {
        "status": status,
        "attempt": rolled[-1]["number"],
        "best_score_raw": max(scores) if scores else None,
        "last_score_raw": latest["score_raw"],
    }


async def roll_up_commit(
    db: Database, commit: CommitIn, answer: dict[str, Any], package_id: str, now: datetime
) -> dict[str, Any] | None:
    """Record the SCO's outcome and roll the course up; the enrollment's rollup, or None when the
    package has a single SCO (then the course is that SCO and ingest's figures stand)."""
    package = await _package(db, package_id)
    organization = default_organization(package["manifest"])
    scos = ru.count_scos(organization)
    if scos <= 1:
        return None
    attempt_id, enrollment = answer["attempt"]["id"], answer["enrollment"]["id"]
    await record_sco(db, commit, attempt_id, enrollment, now)
    docs = await attempt_records(db, attempt_id)
    statuses = {d["sco_id"]: ru.sco_status(d["version"], record_cmi(d)) for d in docs}
    status = ru.roll_up(organization, statuses) or ru.UNKNOWN
    completed = sum(1 for s in statuses.values() if s.completion == "completed")
    attempt_rollup = _rollup_doc(status, package_id, scos, completed)
    await db.collection(SCORM_ATTEMPTS).update_one({"_id": attempt_id}, {"$set": {"rollup": attempt_rollup}})
    attempts = await db.collection(SCORM_ATTEMPTS).find(
        {"enrollment_id": enrollment}, {"number": 1, "rollup": 1}
    )
    rollup = _enrollment_rollup(attempts)
    done = rollup["status"] in ("passed", "completed")
    doc = await db.collection(SCORM_ENROLLMENTS).find_one_and_update(
        {"_id": enrollment},
        [
            {
                "$set": {
                    "rollup": {"$literal": rollup},
                    "status": rollup["status"],
                    "rollup_completed_at": {"$ifNull": ["$rollup_completed_at", now if done else None]},
                }
            },
            {"$set": {"completed_at": "$rollup_completed_at"}},
        ],
        return_new=True,
    )
    return dict(doc) if doc is not None else None
