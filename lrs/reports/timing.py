"""Time spent per learner and course (and day): SCORM session time plus non-SCORM statement time,
merged in Python from the two pipelines (they read different collections)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lrs.reports.filters import ReportFilters
from lrs.reports.pipelines.time_spent import scorm_time_pipeline, statement_time_pipeline
from lrs.storage import Database
from lrs.storage.indexes import SCORM_SESSIONS, STATEMENTS

TimeKey = tuple[str, ...]


@dataclass
class TimeSpent:
    """Seconds of one learner in one course (on one day with group=day), by where they come from."""

    scorm_s: float = 0.0
    measured_s: float = 0.0
    duration_s: float = 0.0
    video_s: float = 0.0
    first_at: Any = None
    last_at: Any = None

    @property
    def total_s(self) -> float:
        return seconds(self.scorm_s + self.duration_s + self.video_s)

    @property
    def measured(self) -> bool:
        """True when some of the SCORM time was measured from commit times (no session_time sent)."""
        return self.measured_s > 0

    def seen(self, first: Any, last: Any) -> None:
        if first is not None and (self.first_at is None or first < self.first_at):
            self.first_at = first
        if last is not None and (self.last_at is None or last > self.last_at):
            self.last_at = last


async def time_spent(
    db: Database,
    filters: ReportFilters,
    *,
    learners: list[str] | None = None,
    courses: list[str] | None = None,
) -> dict[TimeKey, TimeSpent]:
    """Time per (learner, course) or (learner, course, day), restricted like `filters` (and the lists)."""
    by_day = filters.group == "day"
    merged: dict[TimeKey, TimeSpent] = {}
    scorm = await db.collection(SCORM_SESSIONS).aggregate(
        scorm_time_pipeline(filters, learners=learners, courses=courses)
    )
    for row in scorm:
        entry = merged.setdefault(_key(row, by_day), TimeSpent())
        entry.scorm_s += row["scorm_s"]
        entry.measured_s += row["measured_s"]
        entry.seen(row.get("first_at"), row.get("last_at"))
    statements = await db.collection(STATEMENTS).aggregate(
        statement_time_pipeline(filters, learners=learners, courses=courses)
    )
    for row in statements:
        if row.get("learner") is None:
            continue  # an actor the reports cannot name (anonymous group)
        entry = merged.setdefault(_key(row, by_day), TimeSpent())
        entry.duration_s += row["duration_s"]
        entry.video_s += row["video_s"]
        entry.seen(row.get("first_at"), row.get("last_at"))
    return merged


def seconds(value: float) -> float:
    """Seconds rounded to the millisecond (sums of floats stay readable)."""
    return round(value + 0.0, 3)


def _key(row: dict[str, Any], by_day: bool) -> TimeKey:
    return (row["learner"], row["course"], row["day"]) if by_day else (row["learner"], row["course"])
