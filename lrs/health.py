"""Health endpoints for load balancers: liveness (the process answers) and readiness (the database does)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lrs.errors import LrsError
from lrs.responses import json_response


async def live(request: Request) -> Response:
    """The process is up."""
    return json_response({"status": "ok"})


async def ready(request: Request) -> Response:
    """Startup is done and the database answers a ping; 503 otherwise."""
    db = request.app.state.db
    startup = request.app.state.startup
    if not startup.ready:
        return json_response({"status": "starting", "store": db.kind, "message": startup.problem}, 503)
    try:
        await db.ping()
    except LrsError as exc:
        return json_response({"status": "unavailable", "store": db.kind, "message": exc.message}, 503)
    return json_response({"status": "ok", "store": db.kind})
