"""The SCORM launcher endpoint: POST /scorm/commits (one or a batch), GET /scorm/commits (audit log)."""

from __future__ import annotations

import asyncio

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import require
from lrs.errors import InvalidParameter
from lrs.responses import json_response
from lrs.scorm.audit import Client, client_ip, parse_networks, read_audit
from lrs.scorm.ingest import Caller, ingest
from lrs.scorm.launch_commits import launch_commits
from lrs.scorm.launch_tokens import bearer_token
from lrs.scorm.models import split_batch
from lrs.scorm.outcomes import courses_of, follow_commits
from lrs.scorm.webhooks import webhooks_for


def request_client(request: Request, credential: str | None) -> Client:
    """Client address (X-Forwarded-For only from LRS_TRUSTED_PROXIES), user agent and credential."""
    trusted = parse_networks(request.app.state.settings.trusted_proxies)
    peer = request.client.host if request.client else None
    ip = client_ip(peer, request.headers.get("x-forwarded-for"), trusted)
    return Client(ip, request.headers.get("user-agent"), credential)


class CommitsResource(HTTPEndpoint):
    """POST a commit (or a batch); GET ?session_id= lists that session's audit log."""

    async def post(self, request: Request) -> Response:
        token = bearer_token(request.headers.get("authorization"))
        if token is not None:  # a browser runtime with its launch token (launch_commits.py)
            state = request.app.state
            raws, batch, caller, claims = await launch_commits(
                state.db,
                state.settings,
                state.signer,
                token,
                await request.body(),
                request_client(request, None),
            )
        else:
            principal = await require(request, "scorm/commit")
            settings = request.app.state.settings
            raws, batch = split_batch(
                await request.body(), settings.max_commits_per_batch, settings.max_json_depth
            )
            caller = Caller(principal.authority, principal.key, request_client(request, principal.key))
            claims = None
        db = request.app.state.db
        results, webhooks = await asyncio.gather(
            ingest(db, request.app.state.settings, raws, batch, caller),
            webhooks_for(db, caller.key, courses_of(raws)),
        )
        await follow_commits(db, raws, results, claims, webhooks, request.app.state.postbacks.wake)
        return json_response(results if batch else results[0])

    async def get(self, request: Request) -> Response:
        await require(request, "reports/read")
        session_id = request.query_params.get("session_id")
        if not session_id:
            raise InvalidParameter("session_id: required", field="session_id")
        return json_response(
            {"session_id": session_id, "commits": await read_audit(request.app.state.db, session_id)}
        )
