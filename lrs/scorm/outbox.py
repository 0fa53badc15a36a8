"""The postback outbox: one row per (webhook, enrollment), delivered in order, at least once.

- A request's commits mark the row of each webhook they fire changed: `version` + 1, unless the row
  already holds the last commit's key (`<session>:<sequence>`, the last KEPT_KEYS kept), so a re-sent
  commit (or batch) adds nothing, and a re-send after a request that died before this step adds the
  missed change.
- A worker claims a due row with a lease (find_one_and_update where the lease expired), so no two
  workers, on any instance, deliver one row at once; the row is one enrollment's stream, so its
  deliveries are strictly in order, each carrying the enrollment's figures as they are then.
- Delivered: `delivered_version` = the version claimed; still pending when more changes came in.
  Failed: retried after backoff_s * 2^(failures-1) (at most backoff_max_s); parked after
  max_attempts failures until re-triggered (POST /scorm/outbox/{id}/retry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lrs.errors import DuplicateKey, NotFound
from lrs.storage import Database
from lrs.storage.indexes import SCORM_OUTBOX

KEPT_KEYS = 64


@dataclass(frozen=True)
class Policy:
    """LRS_POSTBACK_* settings: lease, retries and backoff."""

    lease_s: float
    max_attempts: int
    backoff_s: float
    backoff_max_s: float


def row_id(webhook_id: str, enrollment_id: str) -> str:
    return f"{webhook_id}:{enrollment_id}"


async def mark_changed(
    db: Database, webhook_id: str, enrollment_id: str, commit_keys: list[str], now: datetime
) -> None:
    """Record that commits (in the order applied) changed an enrollment a webhook follows: one new
    version, unless the row already holds the last commit's key (the same request sent again)."""
    last = commit_keys[-1]
    stage = {
        "webhook_id": {"$literal": webhook_id},
        "enrollment_id": {"$literal": enrollment_id},
        "version": {"$add": [{"$ifNull": ["$version", 0]}, 1]},
        "delivered_version": {"$ifNull": ["$delivered_version", 0]},
        # (a $literal array: mongomock leaves a $literal inside an array literal unevaluated)
        "keys": {
            "$slice": [{"$concatArrays": [{"$ifNull": ["$keys", []]}, {"$literal": commit_keys}]}, -KEPT_KEYS]
        },
        "state": {"$cond": [{"$eq": ["$state", "parked"]}, "parked", "pending"]},
        "failures": {"$ifNull": ["$failures", 0]},
        # a row in backoff keeps its due time: new changes do not hammer a failing receiver
        "due_at": {"$cond": [{"$gt": [{"$ifNull": ["$failures", 0]}, 0]}, "$due_at", now]},
        "changed_at": now,
        "lease_until": {"$ifNull": ["$lease_until", None]},
    }
    key = {"_id": row_id(webhook_id, enrollment_id), "keys": {"$ne": last}}
    try:
        await db.collection(SCORM_OUTBOX).update_one(key, [{"$set": stage}], upsert=True)
    except DuplicateKey:  # the row holds this commit already (a re-send), or two first changes raced
        await db.collection(SCORM_OUTBOX).update_one(key, [{"$set": stage}])


async def claim(db: Database, owner: str, now: datetime, policy: Policy) -> dict[str, Any] | None:
    """A due pending row, leased to `owner` until now + lease; None when there is none."""
    return await db.collection(SCORM_OUTBOX).find_one_and_update(
        {
            "state": "pending",
            "due_at": {"$lte": now},
            "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}],
        },
        {"$set": {"lease_until": now + timedelta(seconds=policy.lease_s), "lease_owner": owner}},
        sort=[("due_at", 1)],
        return_new=True,
    )


async def delivered(db: Database, row: dict[str, Any], owner: str, status: int, now: datetime) -> bool:
    """Record a delivery of the claimed version; False when the lease was lost meanwhile."""
    version = row["version"]
    result = await db.collection(SCORM_OUTBOX).update_one(
        {"_id": row["_id"], "lease_owner": owner},
        [
            {
                "$set": {
                    "delivered_version": {"$max": ["$delivered_version", version]},
                    "state": {"$cond": [{"$gt": ["$version", version]}, "pending", "idle"]},
                    "failures": 0,
                    "due_at": now,
                    "lease_until": None,
                    "lease_owner": None,
                    "delivered_at": now,
                    "last_status": status,
                    "last_error": None,
                }
            }
        ],
    )
    return result.matched == 1


async def failed(
    db: Database,
    row: dict[str, Any],
    owner: str,
    error: str,
    status: int | None,
    now: datetime,
    policy: Policy,
) -> bool:
    """Record a failed delivery: retry after backoff, or park after max_attempts; True when parked."""
    failures = int(row.get("failures") or 0) + 1
    parked = failures >= policy.max_attempts
    delay = min(policy.backoff_s * 2 ** (failures - 1), policy.backoff_max_s)
    await db.collection(SCORM_OUTBOX).update_one(
        {"_id": row["_id"], "lease_owner": owner},
        {
            "$set": {
                "failures": failures,
                "state": "parked" if parked else "pending",
                "due_at": now + timedelta(seconds=delay),
                "lease_until": None,
                "lease_owner": None,
                "last_error": error[:500],
                "last_status": status,
                "failed_at": now,
            }
        },
    )
    return parked


def row_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["_id"],
        "webhook": row["webhook_id"],
        "enrollment": row["enrollment_id"],
        "state": row["state"],
        "version": row["version"],
        "delivered_version": row["delivered_version"],
        "failures": row["failures"],
        "due_at": row.get("due_at"),
        "changed_at": row.get("changed_at"),
        "delivered_at": row.get("delivered_at"),
        "last_status": row.get("last_status"),
        "last_error": row.get("last_error"),
    }


async def list_rows(
    db: Database, webhooks: list[str], state: str | None, limit: int, offset: int
) -> dict[str, Any]:
    """Outbox rows of these webhooks (of one state when given), the oldest change first."""
    query: dict[str, Any] = {"webhook_id": {"$in": webhooks}}
    if state:
        query["state"] = state
    rows = await db.collection(SCORM_OUTBOX).find(
        query, sort=[("changed_at", 1), ("_id", 1)], skip=offset, limit=limit
    )
    total = await db.collection(SCORM_OUTBOX).count(query)
    return {"items": [row_view(r) for r in rows], "total": total, "limit": limit, "offset": offset}


async def retrigger(db: Database, identifier: str, webhooks: list[str], now: datetime) -> dict[str, Any]:
    """Deliver a row again now (a parked one, or a delivered one: its latest figures once more)."""
    row = await db.collection(SCORM_OUTBOX).find_one_and_update(
        {"_id": identifier, "webhook_id": {"$in": webhooks}},
        [
            {
                "$set": {
                    "state": "pending",
                    "failures": 0,
                    "due_at": now,
                    "version": {
                        "$cond": [
                            {"$gt": ["$version", "$delivered_version"]},
                            "$version",
                            {"$add": ["$version", 1]},
                        ]
                    },
                }
            }
        ],
        return_new=True,
    )
    if row is None:
        raise NotFound(f"no outbox row {identifier!r} of this credential's webhooks", field="id")
    return row_view(row)


async def outbox_depth(db: Database) -> int:
    """Rows waiting for a delivery (pending or parked): the outbox depth gauge's value."""
    return await db.collection(SCORM_OUTBOX).count({"state": {"$in": ["pending", "parked"]}})
