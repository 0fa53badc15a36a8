"""Failed logins, limited per credential key and per client address, counted in the database.

Each counter is one document `_id = "<kind>:<subject>:<window>"` (kind `key` or `addr`; the key is
hashed, so attacker-chosen keys never reach the store verbatim; window = epoch seconds // the
window length), raised with `$inc` and upsert, so every worker and instance on one database shares
them. Counters carry `expires_at`, which a TTL index removes. Fixed windows: a subject over its
limit is refused (429 with Retry-After) until its window ends, before any hash is computed.

A per-key limit would let anyone who knows a key lock its owner out. So an address that logged in
with a key (`known:<key hash>:<address>`, kept `known_s` seconds) is exempt from that key's limit,
never from its own address limit: the LMS keeps working while someone elsewhere guesses its secret.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from lrs.errors import TooManyRequests
from lrs.storage import Database
from lrs.storage.indexes import AUTH_FAILURES


@dataclass(frozen=True)
class LoginLimits:
    """Failures allowed per window (0 = no limit), the window length, and how long an address
    that logged in with a key stays exempt from that key's limit (seconds)."""

    per_key: int
    per_address: int
    window_s: int
    known_s: int = 86_400


def counter_ids(key: str, address: str | None, window: int) -> dict[str, str]:
    """The document `_id` per kind (`key`, `addr`, `known`) for a key and a client address."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    where = address or "unknown"
    return {
        "key": f"key:{digest}:{window}",
        "addr": f"addr:{where}:{window}",
        "known": f"known:{digest}:{where}",
    }


def _date(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


class LoginLimiter:
    """Refuses a key or an address that failed too often in the current window; counts failures."""

    def __init__(self, db: Database, limits: LoginLimits) -> None:
        self._db = db
        self._limits = limits

    def _window(self, now: float) -> int:
        return int(now // self._limits.window_s)

    async def check(self, key: str, address: str | None, now: float | None = None) -> None:
        """TooManyRequests when the address, or the key (unless this address is known for it), is
        over its limit in this window."""
        now = time.time() if now is None else now
        limits = {"key": self._limits.per_key, "addr": self._limits.per_address}
        if not any(limits.values()):
            return
        window = self._window(now)
        ids = counter_ids(key, address, window)
        found = await self._db.collection(AUTH_FAILURES).find({"_id": {"$in": list(ids.values())}})
        docs = {doc["_id"]: doc for doc in found}
        known = docs.get(ids["known"])
        if address is not None and known is not None and known["expires_at"] > _date(now):
            limits["key"] = 0
        for kind, limit in limits.items():
            if limit and int(docs.get(ids[kind], {}).get("count", 0)) >= limit:
                retry_after = max(1, math.ceil((window + 1) * self._limits.window_s - now))
                what = "credential key" if kind == "key" else "client address"
                raise TooManyRequests(
                    f"too many failed logins for this {what}; retry in {retry_after} s", retry_after
                )

    async def record_failure(self, key: str, address: str | None, now: float | None = None) -> None:
        """Count one failed login against the key and the address."""
        now = time.time() if now is None else now
        window = self._window(now)
        ids = counter_ids(key, address, window)
        expires = _date((window + 2) * self._limits.window_s)
        updates = [
            ({"_id": ids[kind]}, {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": expires}})
            for kind in ("key", "addr")
        ]
        await self._db.collection(AUTH_FAILURES).update_each(updates, upsert=True)

    async def record_success(self, key: str, address: str | None, now: float | None = None) -> None:
        """Remember that this address logged in with this key (exempt from the key's limit)."""
        if address is None or not self._limits.per_key:
            return
        now = time.time() if now is None else now
        known_id = counter_ids(key, address, 0)["known"]
        await self._db.collection(AUTH_FAILURES).update_one(
            {"_id": known_id}, {"$set": {"expires_at": _date(now + self._limits.known_s)}}, upsert=True
        )
