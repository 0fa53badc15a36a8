"""Report endpoints (scope reports/read): parse the filters, run one report, answer JSON or CSV."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from lrs.auth import require
from lrs.errors import InvalidParameter
from lrs.reports import columns, service
from lrs.reports.changes import read_changes
from lrs.reports.csv import stream_csv, wants_bom
from lrs.reports.filters import ATTEMPT_STATUSES, ENROLLMENT_STATUSES, ReportFilters, parse_filters
from lrs.responses import json_response
from lrs.storage import Database

SCOPE = "reports/read"
CHANGES_MAX_LIMIT = 1000


def _filters(request: Request, statuses: tuple[str, ...] = (), learner: str | None = None) -> ReportFilters:
    accept = request.headers.get("accept", "")
    max_idle_s = request.app.state.settings.max_duration_seconds
    return parse_filters(
        request.query_params, accept, statuses=statuses, learner=learner, max_idle_s=max_idle_s
    )


Report = Callable[[Database, ReportFilters], Awaitable[service.Page]]


async def _answer(request: Request, report: Report, f: ReportFilters) -> Response:
    """JSON: one page. CSV: every row from `offset` on (or `limit` rows when asked), streamed in chunks
    of LRS_REPORT_CSV_CHUNK_ROWS."""
    db = request.app.state.db
    if not f.csv:
        page = await report(db, f)
        return json_response(page.body(), headers={"X-Total-Count": str(page.total)})
    wanted = f.limit if "limit" in request.query_params else None
    chunk = request.app.state.settings.report_csv_chunk_rows
    first = await report(db, replace(f, limit=min(chunk, wanted or chunk)))
    return _csv_response(request, first, f, wanted, lambda g: report(db, g))


def _csv_response(
    request: Request,
    first: service.Page,
    f: ReportFilters,
    wanted: int | None,
    more: Callable[[ReportFilters], Awaitable[service.Page]] | None,
) -> Response:
    headers = {
        "X-Total-Count": str(first.total),
        "Content-Disposition": f'attachment; filename="{first.name}.csv"',
    }
    body = stream_csv(first, more, f, wanted, wants_bom(request.query_params))
    return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers=headers)


async def enrollments(request: Request) -> Response:
    """GET /reports/enrollments."""
    await require(request, SCOPE)
    f = _filters(request, ENROLLMENT_STATUSES)
    return await _answer(request, service.enrollments_report, f)


async def attempts(request: Request) -> Response:
    """GET /reports/attempts."""
    await require(request, SCOPE)
    f = _filters(request, ATTEMPT_STATUSES)
    return await _answer(request, service.attempts_report, f)


async def attempt(request: Request) -> Response:
    """GET /reports/attempts/{id}: the attempt with its CMI tree (CSV: one row per CMI element)."""
    await require(request, SCOPE)
    f = _filters(request)
    detail = await service.attempt_detail(request.app.state.db, request.path_params["id"])
    if f.csv:
        rows = [{"element": k, "value": v} for k, v in detail["cmi"].items()]
        page = service.Page("attempt-cmi", columns.CMI, rows, len(rows), len(rows), 0)
        return _csv_response(request, page, replace(f, offset=0), None, None)
    return json_response(detail)


async def time_spent(request: Request) -> Response:
    """GET /reports/time-spent (?group=day)."""
    await require(request, SCOPE)
    f = _filters(request)
    return await _answer(request, service.time_spent_report, f)


async def attempt_counts(request: Request) -> Response:
    """GET /reports/attempt-counts."""
    await require(request, SCOPE)
    f = _filters(request)
    return await _answer(request, service.attempt_counts_report, f)


async def learner_courses(request: Request) -> Response:
    """GET /reports/learners/{learner}/courses."""
    await require(request, SCOPE)
    f = _filters(request, ENROLLMENT_STATUSES, learner=request.path_params["learner"])
    return await _answer(request, service.learner_courses_report, f)


async def courses(request: Request) -> Response:
    """GET /reports/courses (?sort=...&order=asc|desc)."""
    await require(request, SCOPE)
    f = _filters(request)
    return await _answer(request, service.courses_report, f)


async def abandoned_attempts(request: Request) -> Response:
    """GET /reports/abandoned-attempts?idle=24h."""
    await require(request, SCOPE)
    f = _filters(request)
    return await _answer(request, service.abandoned_attempts_report, f)


async def changes(request: Request) -> Response:
    """GET /reports/changes?after=<cursor>&limit=: enrollments and attempts changed since the cursor."""
    await require(request, SCOPE)
    params = request.query_params
    limit_text = params.get("limit", "100")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= CHANGES_MAX_LIMIT:
        raise InvalidParameter(f"limit: an integer from 1 to {CHANGES_MAX_LIMIT}", field="limit")
    settings = request.app.state.settings
    page = await read_changes(
        request.app.state.db,
        request.app.state.signer,
        params.get("after") or None,
        int(limit_text),
        settings.change_feed_lag_seconds,
        datetime.now(UTC),
    )
    return json_response(page)
