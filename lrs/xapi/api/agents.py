"""The Agents resource: GET /xapi/agents?agent= -> Person object (xAPI 1.0.3 Communication 2.4,
xAPI 2.0.0 4.1.6.3)."""

from __future__ import annotations

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from lrs.errors import Forbidden
from lrs.responses import dump_json
from lrs.xapi.agents import find_person
from lrs.xapi.api.documents import answer
from lrs.xapi.document_params import parse_agents_query

# a Person reveals names seen in statements and is agent metadata: either read scope suffices
READ_SCOPES = ("profile/read", "statements/read")


class AgentsResource(HTTPEndpoint):
    """GET (and HEAD) only."""

    async def get(self, request: Request) -> Response:
        principal = await request.app.state.authenticator.authenticate(request)
        if not any(principal.allows(scope) for scope in READ_SCOPES):
            raise Forbidden(
                f"credential {principal.key!r} lacks the profile/read or statements/read scope", field="scope"
            )
        agent = parse_agents_query(request.query_params.multi_items())
        person = await find_person(request.app.state.db, agent)
        return answer(request, dump_json(person), "application/json", {})
