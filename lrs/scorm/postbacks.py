"""Postback delivery: the background worker that drains the outbox to the LMS's webhooks.

Each service process runs one worker (started in the app's lifespan, stopped cleanly with it). It
claims due outbox rows with a lease (outbox.py), POSTs the enrollment's current figures signed with
the webhook's secret (webhooks.py), and records the outcome. A commit in the same process wakes it
at once; other instances pick the change up at their next poll (LRS_POSTBACK_POLL_SECONDS).
Any 2xx answer is a delivery; anything else (or no answer within LRS_POSTBACK_TIMEOUT_SECONDS)
is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson

from lrs.scorm import outbox
from lrs.scorm.timing import now_ms
from lrs.scorm.webhooks import SIGNATURE_HEADER, find_webhook, signature, webhook_secret
from lrs.signing import Signer
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_ENROLLMENTS

log = logging.getLogger("lrs.postbacks")

# (url, body, headers, timeout_s) -> HTTP status; raises OSError when no answer came
Transport = Callable[[str, bytes, dict[str, str], float], Awaitable[int]]
# delivery outcomes for metrics: ("delivered" | "failed" | "parked", seconds from change to answer)
Observer = Callable[[str, float], None]


def _post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


async def urllib_transport(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
    """POST with the standard library, off the event loop."""
    return await asyncio.to_thread(_post, url, body, headers, timeout_s)


def _iso(moment: Any) -> str | None:
    if not isinstance(moment, datetime):
        return None
    text = moment.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z") if moment.tzinfo else text + "Z"


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


async def postback_body(db: Database, row: dict[str, Any]) -> dict[str, Any] | None:
    """The enrollment's figures as they are now (None when it is gone)."""
    enrollment = await db.collection(SCORM_ENROLLMENTS).find_one({"_id": row["enrollment_id"]})
    if enrollment is None:
        return None
    attempt = None
    if enrollment.get("current_attempt_id"):
        attempt = await db.collection(SCORM_ATTEMPTS).find_one(
            {"_id": enrollment["current_attempt_id"]},
            {
                "number": 1,
                "completion_status": 1,
                "success_status": 1,
                "score_raw": 1,
                "score_scaled": 1,
                "completed_at": 1,
                "total_time_s": 1,
                "rollup": 1,
            },
        )
    rollup = enrollment.get("rollup") or {}
    status = enrollment.get("status")
    return {
        "event": "enrollment.changed",
        "delivery": f"{row['_id']}:{row['version']}",
        "webhook": row["webhook_id"],
        "version": row["version"],
        "changed_at": _iso(row.get("changed_at")),
        "enrollment": {
            "id": enrollment["_id"],
            "learner": {"id": enrollment.get("learner_id"), "name": enrollment.get("learner_name")},
            "course": {"id": enrollment.get("course_id"), "title": enrollment.get("course_title")},
            "status": status,
            "completed": status in ("completed", "passed"),
            "completed_at": _iso(enrollment.get("completed_at")),
            "attempt_count": int(enrollment.get("attempt_count") or 0),
            "best_score": _number(rollup.get("best_score_raw", enrollment.get("best_score_raw"))),
            "last_score": _number(rollup.get("last_score_raw", enrollment.get("last_score_raw"))),
            "time_spent_s": float(enrollment.get("total_time_s") or 0.0),
            "first_access": _iso(enrollment.get("first_access")),
            "last_access": _iso(enrollment.get("last_access")),
        },
        "attempt": None
        if attempt is None
        else {
            "id": attempt["_id"],
            "number": attempt["number"],
            "completion_status": attempt.get("completion_status"),
            "success_status": attempt.get("success_status"),
            "score_raw": _number(attempt.get("score_raw")),
            "score_scaled": _number(attempt.get("score_scaled")),
            "completed_at": _iso(attempt.get("completed_at")),
            "time_spent_s": float(attempt.get("total_time_s") or 0.0),
        },
    }


class PostbackWorker:
    """Drains the outbox; several workers (processes, instances) may share one database. `signer`
    gives the process's current Signer (its key may be loaded from the store after startup)."""

    def __init__(
        self,
        db: Database,
        signer: Callable[[], Signer],
        policy: outbox.Policy,
        *,
        poll_s: float,
        timeout_s: float,
        transport: Transport = urllib_transport,
        observer: Observer | None = None,
        clock: Callable[[], datetime] = now_ms,
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        self.db = db
        self.signer = signer
        self.policy = policy
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        self.transport = transport
        self.observer = observer
        self.clock = clock
        self.ready = ready
        self.owner = f"worker-{uuid.uuid4()}"
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Deliver now rather than at the next poll (a commit in this process just changed a row)."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run(), name="postbacks")

    async def stop(self) -> None:
        """Finish the delivery under way, then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def run(self) -> None:
        while not self._stopping:
            try:
                busy = await self.deliver_one()
            except Exception:  # a store outage must not end the worker: log it, poll again later
                log.exception("postback delivery failed unexpectedly")
                busy = False
            if not busy and not self._stopping:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_s)

    async def deliver_one(self) -> bool:
        """Claim and deliver one due row; False when none was due (or the store is not ready yet)."""
        if not self.ready():
            return False
        row = await outbox.claim(self.db, self.owner, self.clock(), self.policy)
        if row is None:
            return False
        webhook = await find_webhook(self.db, row["webhook_id"])
        body = await postback_body(self.db, row)
        if webhook is None or body is None:  # webhook deleted or enrollment erased: nothing to send
            await outbox.delivered(self.db, row, self.owner, 0, self.clock())
            return True
        raw = orjson.dumps(body)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "lrs-bridge-postback/1",
            "X-LRS-Webhook": webhook["_id"],
            "X-LRS-Delivery": body["delivery"],
            SIGNATURE_HEADER: signature(webhook_secret(self.signer(), webhook["_id"]), int(time.time()), raw),
        }
        status: int | None = None
        try:
            status = await self.transport(webhook["url"], raw, headers, self.timeout_s)
            error = None if 200 <= status < 300 else f"HTTP {status}"
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"
        now = self.clock()
        waited = (now - row["changed_at"].replace(tzinfo=now.tzinfo)).total_seconds()
        if error is None:
            await outbox.delivered(self.db, row, self.owner, status or 0, now)
            self._observe("delivered", waited)
        else:
            parked = await outbox.failed(self.db, row, self.owner, error, status, now, self.policy)
            self._observe("parked" if parked else "failed", waited)
        return True

    def _observe(self, outcome: str, waited_s: float) -> None:
        if self.observer is not None:
            self.observer(outcome, waited_s)


def postback_worker(
    db: Database, signer: Callable[[], Signer], settings: Any, ready: Callable[[], bool]
) -> PostbackWorker:
    """The process's worker, built from LRS_POSTBACK_* settings (started when enabled); it delivers
    once `ready` says the store is prepared."""
    policy = outbox.Policy(
        settings.postback_lease_seconds,
        settings.postback_max_attempts,
        settings.postback_backoff_seconds,
        settings.postback_backoff_max_seconds,
    )
    worker = PostbackWorker(
        db,
        signer,
        policy,
        poll_s=settings.postback_poll_seconds,
        timeout_s=settings.postback_timeout_seconds,
        ready=ready,
    )
    if settings.postback_enabled:
        worker.start()
    return worker
