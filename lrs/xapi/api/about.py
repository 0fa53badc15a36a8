"""The About Resource: GET /xapi/about, no authentication (xAPI 1.0.3 Communication 2.8)."""

from __future__ import annotations

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from lrs.errors import InvalidParameter
from lrs.responses import dump_json

VERSIONS = ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"]


class AboutResource(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        """The xAPI versions this LRS speaks, and its extensions; HEAD alike."""
        if request.query_params:
            raise InvalidParameter("GET /about takes no parameters", field=next(iter(request.query_params)))
        about = {"version": VERSIONS, "extensions": {}}
        body = b"" if request.method == "HEAD" else dump_json(about)
        return Response(body, media_type="application/json")
