"""The reports: run the pipelines through the store, then do in Python what they cannot (merge
SCORM and statement time, per-enrollment completion figures, sorting computed columns)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from lrs.errors import NotFound
from lrs.reports import columns as cols
from lrs.reports.filters import MAX_LIMIT, ReportFilters
from lrs.reports.pipelines.attempts import (
    abandoned_attempts_pipeline,
    abandoned_counts_pipeline,
    attempt_counts_pipeline,
    attempt_time_pipeline,
    attempts_pipeline,
    completing_attempts_pipeline,
)
from lrs.reports.pipelines.courses import completed_enrollments_pipeline, courses_pipeline
from lrs.reports.pipelines.enrollments import enrollments_pipeline
from lrs.reports.pipelines.time_spent import statement_units_pipeline
from lrs.reports.timing import TimeSpent, seconds, time_spent
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_ENROLLMENTS, SCORM_SESSIONS, STATEMENTS
from translators import state_from_cmi


@dataclass(frozen=True)
class Page:
    """One page of a report: its rows (each with exactly `columns`), the total row count, the paging."""

    name: str
    columns: tuple[str, ...]
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    def body(self) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "limit": self.limit, "offset": self.offset}


def _page(
    name: str, columns: tuple[str, ...], rows: list[dict[str, Any]], total: int, f: ReportFilters
) -> Page:
    return Page(name, columns, [{c: row.get(c) for c in columns} for row in rows], total, f.limit, f.offset)


def _slice(rows: list[dict[str, Any]], f: ReportFilters) -> list[dict[str, Any]]:
    return rows[f.offset : f.offset + f.limit]


async def _faceted(db: Database, collection: str, pipeline: list[dict[str, Any]]) -> tuple[list[Any], int]:
    """Items and total of a pipeline ending in page_stage (MongoDB answers an empty total as [])."""
    result = await db.collection(collection).aggregate(pipeline)
    if not result:
        return [], 0
    total = result[0].get("total") or [{"n": 0}]
    return list(result[0].get("items", [])), int(total[0]["n"])


async def enrollments_report(db: Database, f: ReportFilters) -> Page:
    """A row per learner and course with status, attempts, scores, access dates and time spent."""
    rows, total = await _faceted(db, SCORM_ENROLLMENTS, enrollments_pipeline(f))
    await _add_time(db, rows)
    return _page("enrollments", cols.ENROLLMENTS, rows, total, f)


async def _add_time(db: Database, rows: list[dict[str, Any]]) -> None:
    """Add time_spent_s and time_measured (all-time, whatever the date range) to enrollment rows."""
    if not rows:
        return
    learners = sorted({r["learner"] for r in rows})
    courses = sorted({r["course"] for r in rows})
    times = await time_spent(db, ReportFilters(), learners=learners, courses=courses)
    for row in rows:
        spent = times.get((row["learner"], row["course"]), TimeSpent())
        row["time_spent_s"] = spent.total_s
        row["time_measured"] = spent.measured


async def attempts_report(db: Database, f: ReportFilters) -> Page:
    """A row per attempt: number, dates, statuses, scores, SCORM time and commit count."""
    rows, total = await _faceted(db, SCORM_ATTEMPTS, attempts_pipeline(f))
    await _add_attempt_time(db, rows)
    return _page("attempts", cols.ATTEMPTS, rows, total, f)


async def _add_attempt_time(db: Database, rows: list[dict[str, Any]]) -> None:
    ids = [row["attempt_id"] for row in rows]
    times = {t["_id"]: t for t in await db.collection(SCORM_SESSIONS).aggregate(attempt_time_pipeline(ids))}
    for row in rows:
        t = times.get(row["attempt_id"], {})
        row["time_s"] = seconds(t.get("time_s", 0))
        row["time_measured"] = t.get("measured_s", 0) > 0
        row["sessions"] = t.get("sessions", 0)


async def attempt_detail(db: Database, attempt_id: str) -> dict[str, Any]:
    """One attempt with its CMI tree decoded to dotted names, interactions, objectives and comments."""
    doc = await db.collection(SCORM_ATTEMPTS).find_one({"_id": attempt_id})
    if doc is None:
        raise NotFound(f"no attempt with id {attempt_id!r}", field="id")
    row = {name: doc.get(source[1:] if isinstance(source, str) else name) for name, source in _DETAIL.items()}
    await _add_attempt_time(db, [row])
    sessions = await db.collection(SCORM_SESSIONS).find({"attempt_id": attempt_id}, sort=[("started_at", 1)])
    row["sessions"] = [{key: s.get(src) for key, src in _SESSION_FIELDS.items()} for s in sessions]
    cmi = row["cmi"] = decode_cmi(doc.get("cmi") or {})
    # interactions, objectives and comments are read from the tree (the attempt stores them once)
    flat = {name: value for name, value in cmi.items() if isinstance(value, str)}
    state = state_from_cmi("1.2" if doc.get("version") == "1.2" else "2004", flat)
    for key in ("interactions", "objectives", "comments"):
        row[key] = [{f.name: getattr(item, f.name) for f in fields(item)} for item in getattr(state, key)]
    return row


_DETAIL = {name: source for name, source in cols.attempt_sources().items()}
_SESSION_FIELDS = {
    "session_id": "_id",
    "started_at": "started_at",
    "last_commit_at": "last_commit_at",
    "time_s": "time_s",
    "time_source": "time_source",
    "session_time_s": "session_time_s",
    "measured_s": "measured_s",
}


def decode_cmi(tree: dict[str, Any]) -> dict[str, Any]:
    """The stored CMI tree ({"cmi|core|score|raw": {"v": "85", "s": ...}}) as {"cmi.core.score.raw": "85"}."""
    decoded = {
        name.replace("|", "."): value.get("v") if isinstance(value, dict) else value
        for name, value in tree.items()
    }
    return dict(sorted(decoded.items(), key=lambda item: _natural(item[0])))


def _natural(name: str) -> list[tuple[int, Any]]:
    """Sort key putting cmi.interactions.10 after cmi.interactions.9."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in name.split(".")]


async def time_spent_report(db: Database, f: ReportFilters) -> Page:
    """Seconds per learner and course (and day with group=day), by source."""
    times = await time_spent(db, f)
    rows = []
    for key in sorted(times):
        t = times[key]
        rows.append(
            {
                "learner": key[0],
                "course": key[1],
                "day": key[2] if len(key) > 2 else None,
                "time_spent_s": t.total_s,
                "scorm_s": seconds(t.scorm_s),
                "measured_s": seconds(t.measured_s),
                "time_measured": t.measured,
                "statement_duration_s": seconds(t.duration_s),
                "video_s": seconds(t.video_s),
            }
        )
    columns = cols.TIME_SPENT_BY_DAY if f.group == "day" else cols.TIME_SPENT
    return _page("time-spent", columns, _slice(rows, f), len(rows), f)


async def attempt_counts_report(db: Database, f: ReportFilters) -> Page:
    """Attempts per learner and course."""
    rows, total = await _faceted(db, SCORM_ATTEMPTS, attempt_counts_pipeline(f))
    return _page("attempt-counts", cols.ATTEMPT_COUNTS, rows, total, f)


async def abandoned_attempts_report(db: Database, f: ReportFilters, now: datetime | None = None) -> Page:
    """Attempts not completed whose last commit is older than the idle limit, oldest first."""
    now = now or datetime.now(UTC)
    rows, total = await _faceted(
        db, SCORM_ATTEMPTS, abandoned_attempts_pipeline(f, now - timedelta(seconds=f.idle_s))
    )
    await _add_attempt_time(db, rows)
    for row in rows:
        last = row.get("last_commit_at")
        if isinstance(last, datetime):
            row["idle_s"] = seconds(
                (now - (last if last.tzinfo else last.replace(tzinfo=UTC))).total_seconds()
            )
    return _page("abandoned-attempts", cols.ABANDONED, rows, total, f)


async def learner_courses_report(db: Database, f: ReportFilters) -> Page:
    """The learner's courses: enrolled ones, and those where only xAPI tools recorded time."""
    everything = ReportFilters(learner=f.learner, statuses=f.statuses, course=f.course, limit=MAX_LIMIT)
    enrolled, _ = await _faceted(db, SCORM_ENROLLMENTS, enrollments_pipeline(everything))
    times = await time_spent(db, ReportFilters(learner=f.learner, course=f.course))
    rows = {row["course"]: row for row in enrolled}
    for row in enrolled:
        spent = times.get((row["learner"], row["course"]), TimeSpent())
        row.update(time_spent_s=spent.total_s, time_measured=spent.measured)
    if not f.statuses or "not attempted" in f.statuses:
        for (learner, course), spent in times.items():
            if course not in rows:
                rows[course] = {
                    "learner": learner,
                    "course": course,
                    "status": "not attempted",
                    "attempts": 0,
                    "time_spent_s": spent.total_s,
                    "time_measured": spent.measured,
                    "first_access": spent.first_at,
                    "last_access": spent.last_at,
                }
    listed = [rows[c] for c in sorted(rows) if _in_range(rows[c].get("last_access"), f)]
    return _page("learner-courses", cols.LEARNER_COURSES, _slice(listed, f), len(listed), f)


def _in_range(moment: Any, f: ReportFilters) -> bool:
    if moment is None:
        return f.since is None and f.until is None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (f.since is None or moment >= f.since) and (f.until is None or moment < f.until)


async def courses_report(db: Database, f: ReportFilters, now: datetime | None = None) -> Page:
    """Per course: learners by status, completion and pass rates, average score, attempts, time to
    completion and time spent, and abandoned attempts."""
    courses = await db.collection(SCORM_ENROLLMENTS).aggregate(courses_pipeline(f))
    completion = await _completion_figures(db, f)
    average_time = await _average_time(db, f)
    cutoff = (now or datetime.now(UTC)) - timedelta(seconds=f.idle_s)
    abandoned = {
        a["_id"]: a["abandoned"]
        for a in await db.collection(SCORM_ATTEMPTS).aggregate(abandoned_counts_pipeline(f, cutoff))
    }
    rows = []
    for c in courses:
        learners = c["learners"]
        attempts, times = completion.get(c["_id"], ([], []))
        rows.append(
            {
                "course": c["_id"],
                "course_title": c.get("course_title"),
                "learners": learners,
                "completed": c["completed"],
                "passed": c["passed"],
                "failed": c["failed"],
                "in_progress": c.get("in_progress", 0),
                "not_attempted": c.get("not_attempted", 0),
                "completion_rate": _ratio(c["completed"], learners),
                "pass_rate": _ratio(c["passed"], learners),
                "average_score": _round(c.get("average_score")),
                "average_score_scaled": _round(c.get("average_score_scaled")),
                "average_attempts": _round(sum(attempts) / len(attempts)) if attempts else None,
                "average_time_to_completion_s": seconds(sum(times) / len(times)) if times else None,
                "average_time_s": average_time.get(c["_id"]),
                "abandoned_attempts": abandoned.get(c["_id"], 0),
            }
        )
    sort = "average_time_to_completion_s" if f.sort == "average_time_to_completion" else f.sort
    present = sorted(
        (r for r in rows if r[sort] is not None), key=lambda r: (r[sort], r["course"]), reverse=f.descending
    )
    rows = present + [r for r in rows if r[sort] is None]  # rows without a value last, either order
    return _page("courses", cols.COURSES, _slice(rows, f), len(rows), f)


async def _average_time(db: Database, f: ReportFilters) -> dict[str, float]:
    """Per course: time spent (all sources, all time) averaged over the learners who spent any."""
    per_course: dict[str, list[float]] = {}
    for (_, course), spent in (
        await time_spent(db, ReportFilters(learner=f.learner, course=f.course))
    ).items():
        per_course.setdefault(course, []).append(spent.total_s)
    return {course: seconds(sum(t) / len(t)) for course, t in per_course.items()}


async def _completion_figures(db: Database, f: ReportFilters) -> dict[str, tuple[list[int], list[float]]]:
    """Per course: attempts to completion and time to completion of each completed enrollment.

    Time to completion = the enrollment's SCORM sessions that started at or before its completion
    date (so the whole completing session counts) plus its non-SCORM statement time units (a video
    session, another statement) whose first statement is at or before that date.
    """
    done = await db.collection(SCORM_ENROLLMENTS).aggregate(completed_enrollments_pipeline(f))
    if not done:
        return {}
    numbers = {
        a["_id"]: a["number"]
        for a in await db.collection(SCORM_ATTEMPTS).aggregate(completing_attempts_pipeline(f))
    }
    units: dict[tuple[str, str], list[dict[str, Any]]] = {}
    # the statement time of the report's scope (its learner and course filters), not of a list of the
    # cohort's learners: units of learners without a completion are read and left unused
    pipeline = statement_units_pipeline(ReportFilters(learner=f.learner, course=f.course))
    for unit in await db.collection(STATEMENTS).aggregate(pipeline):
        units.setdefault((unit["learner"], unit["course"]), []).append(unit)
    figures: dict[str, tuple[list[int], list[float]]] = {}
    for e in done:
        end = _utc(e["completed_at"])
        spent = sum(s["s"] for s in e["sessions"] if s.get("at") is not None and _utc(s["at"]) <= end)
        spent += sum(
            u["seconds"]
            for u in units.get((e["learner"], e["course"]), [])
            if u.get("first_at") is not None and _utc(u["first_at"]) <= end
        )
        attempts, times = figures.setdefault(e["course"], ([], []))
        if e["_id"] in numbers:
            attempts.append(numbers[e["_id"]])
        times.append(spent)
    return figures


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
