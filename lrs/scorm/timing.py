"""Session time: the latest reported session_time, or time measured from the times of commits.

A session's `time_s` is its latest (by sequence) `session_time` when the content reported one, else
`measured_s`: the sum of gaps between its commits' times, leaving out gaps longer than
`idle_gap_seconds`. A commit's time is its client `timestamp` bounded by the server clock: never
later than the server's receipt time, never earlier than the session's start (`commit_time`), so a
commit queued offline and flushed later keeps its time; a commit without a timestamp counts at its
receipt time. The attempt's total moves by exactly the change of a session's `time_s` in the
commit's merge (merge.py), so nothing is counted twice: a duplicate is never merged, and a newer
session_time replaces the older one instead of adding to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def now_ms() -> datetime:
    """The server time at the store's precision (milliseconds, UTC)."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class SessionTime:
    """The time fields of one session."""

    last_commit_at: datetime
    measured_s: float
    session_time_s: float | None
    session_time_seq: int | None
    started_at: datetime | None = None

    @property
    def time_s(self) -> float:
        return self.session_time_s if self.session_time_s is not None else self.measured_s

    @property
    def time_source(self) -> str:
        return "session_time" if self.session_time_s is not None else "measured"

    @classmethod
    def of(cls, doc: dict[str, Any]) -> SessionTime:
        return cls(
            doc["last_commit_at"],
            float(doc.get("measured_s") or 0.0),
            doc.get("session_time_s"),
            doc.get("session_time_seq"),
            doc.get("started_at"),
        )


def _gap(before: datetime, now: datetime, idle_s: float) -> float:
    gap = (now - before).total_seconds()
    return gap if 0 < gap <= idle_s else 0.0


def commit_time(now: datetime, client: datetime | None, started_at: datetime | None) -> datetime:
    """When a commit counts for measured time: its client time, never after the server's receipt
    time `now` and never before the session started; `now` when the client sent no time."""
    moment = now if client is None else min(now, client)
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return max(moment, _aware(started_at)) if started_at is not None else moment


def advance(
    before: SessionTime,
    now: datetime,
    sequence: int,
    session_time_s: float | None,
    idle_s: float,
    client: datetime | None = None,
) -> SessionTime:
    """The session's time after one commit (a newer sequence's session_time replaces an older one)."""
    newer = session_time_s is not None and sequence > (
        before.session_time_seq if before.session_time_seq is not None else -1
    )
    moment = commit_time(now, client, before.started_at)
    last = _aware(before.last_commit_at)
    return SessionTime(
        last_commit_at=max(last, moment),
        measured_s=before.measured_s + _gap(last, moment, idle_s),
        session_time_s=session_time_s if newer else before.session_time_s,
        session_time_seq=sequence if newer else before.session_time_seq,
        started_at=before.started_at,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
