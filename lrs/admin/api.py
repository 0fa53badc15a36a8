"""Admin endpoints (scope `admin`, except whoami): parse, call one service, answer."""

from __future__ import annotations

from typing import Any

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from lrs import credentials
from lrs.admin import erasure
from lrs.admin.models import parse_credential
from lrs.auth import authenticate, require
from lrs.errors import InvalidParameter
from lrs.responses import json_response
from lrs.xapi.document_params import parse_agent

SCOPE = "admin"


def _public(c: credentials.Credential) -> dict[str, Any]:
    return {
        "key": c.key,
        "label": c.label,
        "scopes": list(c.scopes),
        "expires_at": c.expires_at,
        "created": c.created,
        "revoked": c.revoked,
    }


class CredentialsResource(HTTPEndpoint):
    """GET lists every credential; POST creates one and shows its secret (the only time it is shown)."""

    async def get(self, request: Request) -> Response:
        await require(request, SCOPE)
        items = [_public(c) for c in await credentials.list_credentials(request.app.state.db)]
        return json_response({"items": items, "total": len(items)})

    async def post(self, request: Request) -> Response:
        await require(request, SCOPE)
        body = parse_credential(await request.body(), request.app.state.settings.credential_label_max_chars)
        credential, secret = await credentials.issue_credential(
            request.app.state.db, body.label, body.scopes, body.expires_at
        )
        return json_response({**_public(credential), "secret": secret}, status_code=201)


class CredentialResource(HTTPEndpoint):
    """DELETE revokes a credential (idempotent)."""

    async def delete(self, request: Request) -> Response:
        await require(request, SCOPE)
        key = request.path_params["key"]
        await credentials.revoke_credential(request.app.state.db, key)
        request.app.state.authenticator.forget(key)
        return json_response({"key": key, "revoked": True})


async def rotate(request: Request) -> Response:
    """POST /admin/credentials/{key}/rotate: a new secret; the old one stops working."""
    await require(request, SCOPE)
    key = request.path_params["key"]
    secret = await credentials.rotate_credential(request.app.state.db, key)
    request.app.state.authenticator.forget(key)
    return json_response({"key": key, "secret": secret})


async def whoami(request: Request) -> Response:
    """GET /admin/whoami: the calling credential, for any valid credential."""
    principal = await authenticate(request)
    return json_response(
        {
            "key": principal.key,
            "label": principal.name,
            "scopes": sorted(principal.scopes),
            "expires_at": principal.expires_at,
        }
    )


async def erase_learner(request: Request) -> Response:
    """DELETE /admin/learners/{learner_id}: every trace of an LMS learner (idempotent)."""
    await require(request, SCOPE)
    learner_id = request.path_params["learner_id"]
    settings = request.app.state.settings
    subject = erasure.learner_subject(learner_id, settings.lms_homepage)
    removed = await erasure.erase(request.app.state.db, subject, settings.activity_iri_base)
    return json_response({"learner": learner_id, "removed": removed})


async def erase_agent(request: Request) -> Response:
    """DELETE /admin/agents?agent=<xAPI agent JSON>: every trace of an xAPI agent (idempotent)."""
    await require(request, SCOPE)
    raw = request.query_params.get("agent")
    if raw is None:
        raise InvalidParameter("missing required parameter 'agent'", field="agent")
    agent = parse_agent(raw)
    settings = request.app.state.settings
    subject = erasure.agent_subject(agent, settings.lms_homepage)
    removed = await erasure.erase(request.app.state.db, subject, settings.activity_iri_base)
    return json_response({"agent": agent, "removed": removed})
