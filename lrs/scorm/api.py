"""The SCORM launcher endpoint: POST /scorm/commits (one or a batch), GET /scorm/commits (audit log)."""

from __future__ import annotations

import asyncio

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import require
from lrs.responses import json_response
from lrs.scorm.audit import Client, audit_page, client_ip, parse_audit_query, parse_networks
from lrs.scorm.ingest import Caller, ingest, read_commits
from lrs.scorm.launch_commits import launch_commits
from lrs.scorm.launch_tokens import bearer_token
from lrs.scorm.outcomes import courses_of, follow_commits
from lrs.scorm.webhooks import webhooks_for


def request_client(request: Request, credential: str | None) -> Client:
    """Client address (X-Forwarded-For only from LRS_TRUSTED_PROXIES), user agent and credential."""
    trusted = parse_networks(request.app.state.settings.trusted_proxies)
    peer = request.client.host if request.client else None
    ip = client_ip(peer, request.headers.get("x-forwarded-for"), trusted)
    return Client(ip, request.headers.get("user-agent"), credential)


class CommitsResource(HTTPEndpoint):
    """POST a commit (or a batch); GET lists the audit log (one session's with ?session_id=), paged."""

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
            caller = Caller(principal.authority, principal.key, request_client(request, principal.key))
            state = request.app.state
            raws, batch = await read_commits(state.db, state.settings, await request.body(), caller)
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
        state = request.app.state
        query = parse_audit_query(request.query_params, state.signer, state.settings.audit_page_max)
        return json_response(await audit_page(state.db, state.signer, query))
