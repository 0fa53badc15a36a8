"""The change feed (GET /reports/changes): enrollments and attempts changed since a cursor, in order.

Items are ordered by (changed_at, type, id): an enrollment's `last_access`, an attempt's
`last_commit_at` (both set by every commit that touches them). Changes younger than
LRS_CHANGE_FEED_LAG_SECONDS are held back, so a commit still writing (its time is taken when it
starts) is never passed by the cursor. The cursor is signed (kind "changes") and holds the last
position read; a page without items answers the cursor it was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lrs.errors import InvalidParameter, InvalidToken
from lrs.signing import Signer
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_ENROLLMENTS

KIND = "changes"
# (type, collection, time field); types sort as named, attempts before enrollments at one time
SOURCES = (("attempt", SCORM_ATTEMPTS, "last_commit_at"), ("enrollment", SCORM_ENROLLMENTS, "last_access"))


@dataclass(frozen=True)
class Position:
    """The last item read: its time, type and id."""

    at: datetime
    type: str
    id: str


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def encode_cursor(signer: Signer, position: Position) -> str:
    at = position.at.isoformat(timespec="milliseconds")
    return signer.sign(KIND, {"t": at, "k": position.type, "i": position.id})


def decode_cursor(signer: Signer, cursor: str) -> Position:
    try:
        claims = signer.verify(KIND, cursor)
        return Position(_aware(datetime.fromisoformat(claims["t"])), str(claims["k"]), str(claims["i"]))
    except InvalidToken as exc:
        raise InvalidParameter(f"after: {exc.message}", field="after") from None
    except (KeyError, TypeError, ValueError):
        raise InvalidParameter("after: not a cursor of this feed", field="after") from None


def changes_filter(source: str, field: str, after: Position | None, until: datetime) -> dict[str, Any]:
    """The query of one source: changed after the position (keyset) and before `until`."""
    window: dict[str, Any] = {"$lt": until}
    if after is None:
        return {field: window}
    if source < after.type:  # this type sorts before the cursor's: only later times
        later: dict[str, Any] = {field: {"$gt": after.at, "$lt": until}}
        return later
    if source > after.type:  # sorts after: the cursor's own time too
        return {field: {"$gte": after.at, "$lt": until}}
    return {
        "$or": [
            {field: {"$gt": after.at, "$lt": until}},
            {field: after.at, "_id": {"$gt": after.id}},
        ]
    }


def _item(kind: str, doc: dict[str, Any], field: str) -> dict[str, Any]:
    changed = _aware(doc[field])
    if kind == "enrollment":
        return {
            "type": kind,
            "id": doc["_id"],
            "changed_at": changed,
            "learner": doc.get("learner_id"),
            "course": doc.get("course_id"),
            "status": doc.get("status"),
            "completed": doc.get("status") in ("completed", "passed"),
            "completed_at": doc.get("completed_at"),
            "attempt_count": doc.get("attempt_count"),
            "best_score": (doc.get("rollup") or {}).get("best_score_raw", doc.get("best_score_raw")),
            "time_spent_s": doc.get("total_time_s"),
        }
    return {
        "type": kind,
        "id": doc["_id"],
        "changed_at": changed,
        "enrollment": doc.get("enrollment_id"),
        "learner": doc.get("learner_id"),
        "course": doc.get("course_id"),
        "number": doc.get("number"),
        "completion_status": doc.get("completion_status"),
        "success_status": doc.get("success_status"),
        "score_raw": doc.get("score_raw"),
        "score_scaled": doc.get("score_scaled"),
        "completed_at": doc.get("completed_at"),
        "time_spent_s": doc.get("total_time_s"),
    }


PROJECTIONS = {
    "enrollment": {
        "learner_id": 1,
        "course_id": 1,
        "status": 1,
        "completed_at": 1,
        "attempt_count": 1,
        "best_score_raw": 1,
        "rollup": 1,
        "total_time_s": 1,
        "last_access": 1,
    },
    "attempt": {
        "enrollment_id": 1,
        "learner_id": 1,
        "course_id": 1,
        "number": 1,
        "completion_status": 1,
        "success_status": 1,
        "score_raw": 1,
        "score_scaled": 1,
        "completed_at": 1,
        "total_time_s": 1,
        "last_commit_at": 1,
    },
}


async def read_changes(
    db: Database, signer: Signer, cursor: str | None, limit: int, lag_s: float, now: datetime
) -> dict[str, Any]:
    """One page of the feed and the cursor to ask the next with."""
    after = decode_cursor(signer, cursor) if cursor else None
    until = now - timedelta(seconds=lag_s)
    items: list[dict[str, Any]] = []
    for kind, collection, field in SOURCES:
        docs = await db.collection(collection).find(
            changes_filter(kind, field, after, until),
            PROJECTIONS[kind],
            sort=[(field, 1), ("_id", 1)],
            limit=limit,
        )
        items.extend(_item(kind, d, field) for d in docs)
    items.sort(key=lambda i: (i["changed_at"], i["type"], i["id"]))
    items = items[:limit]
    if items:
        last = items[-1]
        cursor = encode_cursor(signer, Position(last["changed_at"], last["type"], last["id"]))
    return {"items": items, "next": cursor, "more": len(items) == limit}
