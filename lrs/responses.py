"""JSON responses serialised with orjson (the service's one JSON encoder)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


def dump_json(value: Any) -> bytes:
    """Serialise a JSON value (datetimes as ISO 8601) the way every response does."""
    return orjson.dumps(value, option=orjson.OPT_UTC_Z)


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dump_json(content)


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A JSON answer."""
    return JSONResponse(content, status_code=status_code, headers=headers)
