"""The demo's endpoints (404 unless LRS_DEMO=true): start page, launcher page, package files, results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from lrs.demo import catalog, pages
from lrs.demo.launching import DemoLaunch, demo_learner, describe, launch_demo
from lrs.errors import InvalidParameter, NotFound
from lrs.reports import service
from lrs.reports.filters import parse_filters
from lrs.scorm.launch_api import public_base
from lrs.scorm.package_api import package_limits

DEFAULT_LEARNER = "demo-learner"
# runtime options a launcher URL may set (the browser tests shorten the timers with them)
OPTIONS = {
    "autocommit": "autocommitSeconds",
    "retry_base_ms": "retryBaseMs",
    "retry_max_ms": "retryMaxMs",
    "auth_retries": "authRetries",
}
NO_STORE = {"Cache-Control": "no-store"}


def _root(request: Request) -> Path:
    """The packages folder, or NotFound when the demo is off (the demo does not exist then)."""
    settings = request.app.state.settings
    if not settings.demo:
        raise NotFound("the demo is off (LRS_DEMO=true turns it on)")
    return catalog.packages_dir(settings.demo_packages_dir)


def _options(request: Request) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for param, option in OPTIONS.items():
        value = request.query_params.get(param)
        if value is not None:
            try:
                options[option] = float(value)
            except ValueError:
                raise InvalidParameter(f"{param} must be a number", field=param) from None
    return options


def _content_url(package: str, href: str, content: str) -> str:
    """The SCO's URL under /demo/packages, with the launcher's `content` parameters appended."""
    url = f"/demo/packages/{package}/{href}"
    return url + ("&" if "?" in url else "?") + content if content else url


async def index(request: Request) -> Response:
    """GET /demo: the test packages, a launch link per SCO."""
    root = _root(request)
    learner = request.query_params.get("learner") or DEFAULT_LEARNER
    depth = request.app.state.settings.package_max_depth
    listing = [describe(p, depth) for p in catalog.list_packages(root)]
    return HTMLResponse(pages.index_page(listing, learner), headers=NO_STORE)


async def launch(request: Request) -> Response:
    """GET /demo/launch?package=&sco=&learner=&name=&new_attempt=1&content=: a launch, then its page."""
    root = _root(request)
    q = request.query_params
    package = catalog.find_package(root, q.get("package", ""))
    learner = demo_learner(q.get("learner") or DEFAULT_LEARNER, q.get("name", ""))
    state = request.app.state
    ctx = DemoLaunch(
        state.db,
        package_limits(request),
        state.signer,
        state.settings.launch_token_seconds,
        public_base(request),
        state.settings,
    )
    new_attempt = q.get("new_attempt") in ("1", "true")
    answer, course = await launch_demo(ctx, package, q.get("sco") or None, learner, new_attempt)
    content = _content_url(package.name, answer["sco"]["href"], q.get("content", ""))
    return HTMLResponse(pages.launcher_page(answer, _options(request), content, course), headers=NO_STORE)


async def package_file(request: Request) -> Response:
    """GET /demo/packages/{package}/{path}: a file of a test package (the LMS's content host, here)."""
    root = _root(request)
    path = catalog.package_file(root, request.path_params["package"], request.path_params["path"])
    return FileResponse(path, headers=NO_STORE)


async def results(request: Request) -> Response:
    """GET /demo/results?learner=: the learner's courses and attempts, from the report services."""
    _root(request)
    learner = demo_learner(request.query_params.get("learner") or DEFAULT_LEARNER, "").id
    db = request.app.state.db
    courses = await service.learner_courses_report(db, parse_filters({}, learner=learner))
    attempts = await service.attempts_report(db, parse_filters({"learner": learner}))
    return HTMLResponse(pages.results_page(learner, courses.items, attempts.items), headers=NO_STORE)
