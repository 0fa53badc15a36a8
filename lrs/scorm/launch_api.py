"""The launch endpoint: POST /scorm/launches (called by the LMS server with its credential)."""

from __future__ import annotations

import orjson
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import require
from lrs.errors import InvalidRequest
from lrs.responses import json_response
from lrs.scorm.launches import LaunchContext, LaunchIn, ScoSpec, inline_spec, parse_launch, start_launch
from lrs.scorm.packages import find_package, package_sco
from lrs.storage import Database


def public_base(request: Request) -> str:
    """The bridge's base URL as the browser reaches it (LRS_PUBLIC_URL, else the request's)."""
    configured = request.app.state.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


async def sco_spec(db: Database, launch: LaunchIn) -> ScoSpec:
    """The SCO the launch names: inline, or from a registered package."""
    if launch.inline_sco is not None:
        return inline_spec(launch.inline_sco)
    assert launch.package is not None
    return package_sco(await find_package(db, launch.package), launch.course.id, launch.sco)


class LaunchesResource(HTTPEndpoint):
    """POST a launch request; answers the session, its launch token and the CMI the runtime starts from."""

    async def post(self, request: Request) -> Response:
        principal = await require(request, "scorm/launch")
        try:
            raw = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            raise InvalidRequest(f"body: not JSON ({exc})", field="body") from None
        launch = parse_launch(raw)
        db = request.app.state.db
        ctx = LaunchContext(
            principal.key,
            principal.name,
            request.app.state.signer,
            request.app.state.settings.launch_token_seconds,
            public_base(request),
            request.app.state.settings,
        )
        return json_response(await start_launch(db, launch, await sco_spec(db, launch), ctx), status_code=201)
