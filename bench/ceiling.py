"""Part 5, the ceiling: a bare Starlette endpoint that parses the same JSON body and answers a fixed one."""

from __future__ import annotations

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

FIXED = orjson.dumps(["00000000-0000-4000-8000-000000000000"])


async def echo(request: Request) -> Response:
    """Read and parse the JSON body (orjson), answer a fixed small JSON array."""
    if request.method == "POST":
        orjson.loads(await request.body())
    return Response(FIXED, media_type="application/json")


def create_ceiling_app() -> Starlette:
    """Any path, GET or POST: the least a JSON endpoint on Starlette can do."""
    return Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST", "PUT"])])
