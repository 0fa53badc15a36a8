"""What each dashboard page shows, read through the report service (the same calls as /reports),
so a page and the JSON endpoints can never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson

from lrs import __version__
from lrs import credentials as credential_store
from lrs.admin.models import parse_credential
from lrs.errors import LrsError
from lrs.reports import service
from lrs.reports.filters import ENROLLMENT_STATUSES, MAX_LIMIT, ReportFilters, parse_filters
from lrs.scorm.audit import read_audit
from lrs.settings import Settings
from lrs.signing import Signer
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
        "statuses": _status_counts(summary or {}),
        "days": [
            {"day": d, "scorm_s": round(v["scorm"], 3), "other_s": round(v["other"], 3)}
            for d, v in sorted(days.items())
        ],
        "learners": learners,
        "abandoned": abandoned,
    }


def _status_counts(row: dict[str, Any]) -> dict[str, int]:
    """Learners by enrollment status (the report's `completed` counts passed ones too; here they part)."""
    return {
        "not attempted": row.get("not_attempted", 0),
        "in progress": row.get("in_progress", 0),
        "completed": row.get("completed", 0) - row.get("passed", 0),
        "passed": row.get("passed", 0),
        "failed": row.get("failed", 0),
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


async def statements(
    db: Database, params: Mapping[str, str], page_size: int, signer: Signer
) -> dict[str, Any]:
    """A page of GET /xapi/statements for the filters given; a bad filter is shown, like a form error."""
    query = {k: v for k, v in params.items() if v != ""}
    if "more" not in query:  # a `more` token carries the query it continues, limit included
        query.setdefault("limit", str(page_size))
    try:
        result = await query_statements(db, parse_query(query, page_size, signer), signer=signer)
    except LrsError as exc:
        return {"items": [], "more": None, "problem": exc.message}
    items = [
        {"id": d["_id"], "line": statement_line(d["statement"]), "statement": d["statement"]}
        for d in result.docs
    ]
    return {"items": items, "more": result.more, "problem": ""}


def _first_label(language_map: Any) -> str | None:
    return (
        next(iter(language_map.values()), None) if isinstance(language_map, dict) and language_map else None
    )


def statement_line(s: dict[str, Any]) -> str:
    """One readable line for a statement: stored · actor · verb · object (ids where names are missing)."""
    actor = s.get("actor") or {}
    who = actor.get("name") or actor.get("mbox") or (actor.get("account") or {}).get("name") or "agent"
    verb = s.get("verb") or {}
    target = s.get("object") or {}
    what = (
        _first_label((target.get("definition") or {}).get("name"))
        or target.get("id")
        or target.get("objectType")
    )
    return " · ".join(
        str(p)
        for p in (s.get("stored", ""), who, _first_label(verb.get("display")) or verb.get("id", "?"), what)
    )


async def credentials(db: Database) -> dict[str, Any]:
    """Every credential (revoked and expired ones too), newest first, and the scopes one can grant."""
    listed = await credential_store.list_credentials(db)
    return {"credentials": listed[::-1], "scopes": credential_store.ALL_SCOPES, "now": datetime.now(UTC)}


async def create_credential(db: Database, form: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """Issue a credential from the form (label, scopes, optional expiry date); returns it with its secret."""
    raw = {
        "label": str(form.get("label", "")),
        "scopes": [str(s) for s in form.getlist("scopes")] if hasattr(form, "getlist") else [],
        "expires_at": f"{form['expires']}T00:00:00Z" if form.get("expires") else None,
    }
    body = parse_credential(orjson.dumps(raw), settings.credential_label_max_chars)
    credential, secret = await credential_store.issue_credential(db, body.label, body.scopes, body.expires_at)
    return {"credential": credential, "secret": secret}


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
