"""The Activities Resource: GET /xapi/activities?activityId= (xAPI 1.0.3 Communication 2.5)."""

from __future__ import annotations

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import require
from lrs.errors import InvalidParameter
from lrs.responses import dump_json
from lrs.xapi.activities import get_activity


class ActivitiesResource(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        """The merged canonical definition of one activity; HEAD alike."""
        await require(request, "define/read")
        params = dict(request.query_params)
        if set(params) != {"activityId"} or not params["activityId"]:
            raise InvalidParameter(
                "GET /activities takes exactly one parameter, activityId", field="activityId"
            )
        activity = await get_activity(
            request.app.state.db, params["activityId"], missing_ok=request.state.xapi_version == "2.0.0"
        )
        body = b"" if request.method == "HEAD" else dump_json(activity)
        return Response(body, media_type="application/json")
