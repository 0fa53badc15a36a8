"""What each dashboard page shows, read through the report service (the same calls as /reports),
so a page and the JSON endpoints can never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from lrs import __version__
from lrs.errors import LrsError
from lrs.reports import service
from lrs.reports.filters import ENROLLMENT_STATUSES, MAX_LIMIT, ReportFilters, parse_filters
from lrs.scorm.audit import read_audit
from lrs.storage import Database
from lrs.storage.indexes import (
    CREDENTIALS,
    SCORM_ATTEMPTS,
    SCORM_ENROLLMENTS,
    SCORM_SESSIONS,
    STATEMENTS,
)
from lrs.xapi.query import parse_query
from lrs.xapi.statements import query_statements

# the statuses of the course chart, in the order a reader expects them
STATUS_ORDER = ("not attempted", "in progress", "completed", "passed", "failed")


def page_filters(
    params: Mapping[str, str], page_size: int, *, statuses: tuple[str, ...] = (), **fixed: Any
) -> ReportFilters:
    """The report filters of a page's query string (the /reports parameters), paged by `page_size`."""
    query = {k: v for k, v in params.items() if v != "" and k != "format"}
    query.setdefault("limit", str(page_size))
    return replace(parse_filters(query, statuses=statuses), **fixed)


async def courses(db: Database, f: ReportFilters) -> service.Page:
    """The courses table: exactly GET /reports/courses with the same filters."""
    return await service.courses_report(db, f)


async def course(db: Database, course_id: str, f: ReportFilters) -> dict[str, Any]:
    """One course: its courses row, status distribution, time per day by source, learners, abandoned."""
    scoped = replace(f, course=course_id)
    row = (await service.courses_report(db, replace(scoped, limit=1, offset=0))).items
    by_day = await service.time_spent_report(db, replace(scoped, group="day", limit=MAX_LIMIT, offset=0))
    days: dict[str, dict[str, float]] = {}
    for r in by_day.items:
        day = days.setdefault(r["day"], {"scorm": 0.0, "other": 0.0})
        day["scorm"] += r["scorm_s"]
        day["other"] += r["statement_duration_s"] + r["video_s"]
    learners = await service.enrollments_report(db, replace(scoped, statuses=f.statuses))
    abandoned = await service.abandoned_attempts_report(db, replace(scoped, limit=MAX_LIMIT, offset=0))
    summary = row[0] if row else None
    return {
        "summary": summary,
        "statuses": {s: (summary or {}).get(s.replace(" ", "_"), 0) for s in STATUS_ORDER},
        "days": [
            {"day": d, "scorm_s": round(v["scorm"], 3), "other_s": round(v["other"], 3)}
            for d, v in sorted(days.items())
        ],
        "learners": learners,
        "abandoned": abandoned,
    }


async def learner(db: Database, learner_id: str, f: ReportFilters) -> dict[str, Any]:
    """One learner: their courses (GET /reports/learners/{id}/courses) and attempts."""
    everything = ReportFilters(learner=learner_id, limit=MAX_LIMIT)
    return {
        "courses": await service.learner_courses_report(db, everything),
        "attempts": await service.attempts_report(db, replace(f, learner=learner_id)),
    }


async def attempt(db: Database, attempt_id: str) -> dict[str, Any]:
    """One attempt (GET /reports/attempts/{id}) with each session's commit audit log."""
    detail = await service.attempt_detail(db, attempt_id)
    audit = {s["session_id"]: await read_audit(db, s["session_id"]) for s in detail["sessions"]}
    return {"detail": detail, "audit": audit}


async def statements(db: Database, params: Mapping[str, str], page_size: int) -> dict[str, Any]:
    """A page of GET /xapi/statements for the filters given; a bad filter is shown, like a form error."""
    query = {k: v for k, v in params.items() if v != ""}
    query.setdefault("limit", str(page_size))
    try:
        result = await query_statements(db, parse_query(query, page_size))
    except LrsError as exc:
        return {"docs": [], "more": None, "problem": exc.message}
    return {"docs": result.docs, "more": result.more, "problem": ""}


async def system(db: Database) -> dict[str, Any]:
    """Version, store, document counts and database health."""
    healthy, message = True, "the database answers"
    try:
        await db.ping()
    except LrsError as exc:
        healthy, message = False, exc.message
    counts = {}
    for name in (STATEMENTS, SCORM_ENROLLMENTS, SCORM_ATTEMPTS, SCORM_SESSIONS, CREDENTIALS):
        counts[name] = await db.collection(name).count({}) if healthy else None
    return {
        "version": __version__,
        "store": db.kind,
        "healthy": healthy,
        "message": message,
        "counts": counts,
    }


__all__ = ["ENROLLMENT_STATUSES", "attempt", "course", "courses", "learner", "page_filters", "system"]
