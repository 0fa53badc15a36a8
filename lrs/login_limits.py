"""Failed logins, limited per credential key and per client address, counted in the database.

Each counter is one document `_id = "<kind>:<subject>:<window>"` (kind `key` or `addr`; the key is
hashed, so attacker-chosen keys never reach the store verbatim; window = epoch seconds // the
window length), raised with `$inc` and upsert, so every worker and instance on one database shares
them. Counters carry `expires_at`, which a TTL index removes on MongoDB. Fixed windows: a subject
over its limit is refused (429 with Retry-After) until its window ends, before any hash is computed.
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
    """Failures allowed per window (0 = no limit) and the window length in seconds."""

    per_key: int
    per_address: int
    window_s: int


def counter_ids(key: str, address: str | None, window: int) -> dict[str, str]:
    """The counter `_id` per kind for a key and a client address in one window."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return {"key": f"key:{digest}:{window}", "addr": f"addr:{address or 'unknown'}:{window}"}


class LoginLimiter:
    """Refuses a key or an address that failed too often in the current window; counts failures."""

    def __init__(self, db: Database, limits: LoginLimits) -> None:
        self._db = db
        self._limits = limits

    def _window(self, now: float) -> int:
        return int(now // self._limits.window_s)

    async def check(self, key: str, address: str | None, now: float | None = None) -> None:
        """TooManyRequests when the key or the address is over its limit in this window."""
        now = time.time() if now is None else now
        limits = {"key": self._limits.per_key, "addr": self._limits.per_address}
        if not any(limits.values()):
            return
        window = self._window(now)
        ids = counter_ids(key, address, window)
        found = await self._db.collection(AUTH_FAILURES).find({"_id": {"$in": list(ids.values())}})
        counts = {doc["_id"]: int(doc.get("count", 0)) for doc in found}
        for kind, limit in limits.items():
            if limit and counts.get(ids[kind], 0) >= limit:
                retry_after = max(1, math.ceil((window + 1) * self._limits.window_s - now))
                what = "credential key" if kind == "key" else "client address"
                raise TooManyRequests(
                    f"too many failed logins for this {what}; retry in {retry_after} s", retry_after
                )

    async def record_failure(self, key: str, address: str | None, now: float | None = None) -> None:
        """Count one failed login against the key and the address."""
        now = time.time() if now is None else now
        window = self._window(now)
        expires = datetime.fromtimestamp((window + 2) * self._limits.window_s, UTC)
        updates = [
            ({"_id": counter_id}, {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": expires}})
            for counter_id in counter_ids(key, address, window).values()
        ]
        await self._db.collection(AUTH_FAILURES).update_each(updates, upsert=True)
