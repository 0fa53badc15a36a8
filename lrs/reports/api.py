"""Report endpoints (scope reports/read): parse the filters, run one report, answer JSON or CSV."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import require
from lrs.reports import columns, service
from lrs.reports.csv import render_csv
from lrs.reports.filters import ATTEMPT_STATUSES, ENROLLMENT_STATUSES, ReportFilters, parse_filters
from lrs.responses import json_response

SCOPE = "reports/read"


def _filters(request: Request, statuses: tuple[str, ...] = (), learner: str | None = None) -> ReportFilters:
    accept = request.headers.get("accept", "")
    max_idle_s = request.app.state.settings.max_duration_seconds
    return parse_filters(
        request.query_params, accept, statuses=statuses, learner=learner, max_idle_s=max_idle_s
    )


def _answer(page: service.Page, f: ReportFilters) -> Response:
    headers = {"X-Total-Count": str(page.total)}
    if f.csv:
        headers["Content-Disposition"] = f'attachment; filename="{page.name}.csv"'
        return Response(
            render_csv(page.columns, page.items), media_type="text/csv; charset=utf-8", headers=headers
        )
    return json_response(page.body(), headers=headers)


async def enrollments(request: Request) -> Response:
    """GET /reports/enrollments."""
    await require(request, SCOPE)
    f = _filters(request, ENROLLMENT_STATUSES)
    return _answer(await service.enrollments_report(request.app.state.db, f), f)


async def attempts(request: Request) -> Response:
    """GET /reports/attempts."""
    await require(request, SCOPE)
    f = _filters(request, ATTEMPT_STATUSES)
    return _answer(await service.attempts_report(request.app.state.db, f), f)


async def attempt(request: Request) -> Response:
    """GET /reports/attempts/{id}: the attempt with its CMI tree (CSV: one row per CMI element)."""
    await require(request, SCOPE)
    f = _filters(request)
    detail = await service.attempt_detail(request.app.state.db, request.path_params["id"])
    if f.csv:
        rows = [{"element": k, "value": v} for k, v in detail["cmi"].items()]
        return _answer(service.Page("attempt-cmi", columns.CMI, rows, len(rows), len(rows), 0), f)
    return json_response(detail)


async def time_spent(request: Request) -> Response:
    """GET /reports/time-spent (?group=day)."""
    await require(request, SCOPE)
    f = _filters(request)
    return _answer(await service.time_spent_report(request.app.state.db, f), f)


async def attempt_counts(request: Request) -> Response:
    """GET /reports/attempt-counts."""
    await require(request, SCOPE)
    f = _filters(request)
    return _answer(await service.attempt_counts_report(request.app.state.db, f), f)


async def learner_courses(request: Request) -> Response:
    """GET /reports/learners/{learner}/courses."""
    await require(request, SCOPE)
    f = _filters(request, ENROLLMENT_STATUSES, learner=request.path_params["learner"])
    return _answer(await service.learner_courses_report(request.app.state.db, f), f)


async def courses(request: Request) -> Response:
    """GET /reports/courses (?sort=...&order=asc|desc)."""
    await require(request, SCOPE)
    f = _filters(request)
    return _answer(await service.courses_report(request.app.state.db, f), f)


async def abandoned_attempts(request: Request) -> Response:
    """GET /reports/abandoned-attempts?idle=24h."""
    await require(request, SCOPE)
    f = _filters(request)
    return _answer(await service.abandoned_attempts_report(request.app.state.db, f), f)
