"""Templates, the page context every page shares, and HTML answers for errors on dashboard pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from lrs import __version__
from lrs.dashboard.session import DashboardUser, SignInRequired, csrf_token
from lrs.errors import LrsError

TEMPLATES = Path(__file__).parent / "templates"
NONE = "\u2013"  # an en dash where a figure is missing
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
}


def _seconds(value: Any) -> str:
    """1234.5 -> '20m 34s' (hours shown when any)."""
    if value is None:
        return NONE
    total = round(float(value))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def _percent(value: Any) -> str:
    return NONE if value is None else f"{float(value) * 100:.1f} %"


def _number(value: Any) -> str:
    if value is None:
        return NONE
    return f"{value:g}" if isinstance(value, float) else str(value)


def _when(value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def _pretty_json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_UTC_Z).decode()


def _chart_data(value: Any) -> str:
    """JSON for a <script type="application/json"> block (no '</' can end the element early)."""
    return orjson.dumps(value, option=orjson.OPT_UTC_Z).decode().replace("</", "<\\/")


environment = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(), auto_reload=False
)
environment.filters.update(
    seconds=_seconds,
    percent=_percent,
    number=_number,
    when=_when,
    pretty_json=_pretty_json,
    chart_data=_chart_data,
)
environment.globals["version"] = __version__


def query_with(params: dict[str, str], **changes: Any) -> str:
    """The query string of this page with some parameters changed (None removes one)."""
    merged = {**params, **{k: v for k, v in changes.items()}}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def render(
    request: Request, template: str, user: DashboardUser | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page: the template with the signed-in user, a CSRF token for its forms and the query string."""
    params = dict(request.query_params)
    body = environment.get_template(template).render(
        request=request,
        user=user,
        csrf=csrf_token(request, user.sid) if user else context.pop("csrf", ""),
        params=params,
        query_with=lambda **changes: query_with(params, **changes),
        store=request.app.state.db.kind,
        **context,
    )
    return HTMLResponse(body, status_code=status_code, headers=SECURITY_HEADERS)


class DashboardErrors:
    """Errors on dashboard pages answer HTML (a redirect to sign in for a missing session), not JSON.

    Starlette looks exception handlers up in the request scope, so this middleware of the /dashboard
    mount swaps in the HTML handler for LrsError there and leaves the service's JSON handler elsewhere.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handlers, status_handlers = scope.get("starlette.exception_handlers", ({}, {}))
        scope["starlette.exception_handlers"] = ({**handlers, LrsError: html_error}, status_handlers)
        await self.app(scope, receive, send)


async def html_error(request: Request, exc: Exception) -> Response:
    """An LrsError on a dashboard page: the sign-in redirect, or an error page with its status."""
    assert isinstance(exc, LrsError)
    if isinstance(exc, SignInRequired):
        target = "/dashboard/login?" + urlencode({"reason": exc.message})
        return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    page = environment.get_template("error.html").render(
        status=exc.status_code, code=exc.code, message=exc.message, user=None, params={}, store=None
    )
    headers = {k: v for k, v in exc.headers.items() if k != "WWW-Authenticate"}
    return HTMLResponse(page, status_code=exc.status_code, headers={**SECURITY_HEADERS, **headers})
