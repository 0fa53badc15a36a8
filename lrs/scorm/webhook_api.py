"""Postback endpoints: /scorm/webhooks (register, list, delete) and /scorm/outbox (see, re-trigger)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import require
from lrs.errors import InvalidParameter, InvalidRequest
from lrs.responses import json_response
from lrs.scorm import outbox
from lrs.scorm.package_api import int_param
from lrs.scorm.timing import now_ms
from lrs.scorm.webhooks import create_webhook, delete_webhook, list_webhooks, webhook_view

STATES = ("pending", "idle", "parked")


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"body: not JSON ({exc})", field="body") from None
    if not isinstance(body, dict):
        raise InvalidRequest("body: a JSON object", field="body")
    return body


class WebhooksResource(HTTPEndpoint):
    """POST {"url", "package"?} registers (answers the secret, once); GET lists the caller's."""

    async def post(self, request: Request) -> Response:
        principal = await require(request, "scorm/launch")
        body = await _json_object(request)
        url, package = body.get("url"), body.get("package")
        if not isinstance(url, str):
            raise InvalidRequest("url: required, a string", field="url")
        if package is not None and not isinstance(package, str):
            raise InvalidRequest("package: a package id", field="package")
        doc = await create_webhook(request.app.state.db, principal.key, url, package, now_ms())
        return json_response(webhook_view(doc, request.app.state.signer, with_secret=True), status_code=201)

    async def get(self, request: Request) -> Response:
        principal = await require(request, "scorm/launch")
        docs = await list_webhooks(request.app.state.db, principal.key)
        return json_response({"items": [webhook_view(d, request.app.state.signer) for d in docs]})


class WebhookResource(HTTPEndpoint):
    """DELETE /scorm/webhooks/{id}."""

    async def delete(self, request: Request) -> Response:
        principal = await require(request, "scorm/launch")
        await delete_webhook(request.app.state.db, principal.key, request.path_params["id"])
        return json_response({"id": request.path_params["id"], "deleted": True})


async def _own_webhooks(request: Request, key: str) -> list[str]:
    return [d["_id"] for d in await list_webhooks(request.app.state.db, key)]


class OutboxResource(HTTPEndpoint):
    """GET ?state=pending|idle|parked: the outbox rows of the caller's webhooks."""

    async def get(self, request: Request) -> Response:
        principal = await require(request, "scorm/launch")
        state = request.query_params.get("state")
        if state is not None and state not in STATES:
            raise InvalidParameter(f"state: one of {', '.join(STATES)}", field="state")
        limit = int_param(request, "limit", 100, 1, 1000)
        offset = int_param(request, "offset", 0, 0, 10**9)
        webhooks = await _own_webhooks(request, principal.key)
        return json_response(await outbox.list_rows(request.app.state.db, webhooks, state, limit, offset))


class OutboxRetryResource(HTTPEndpoint):
    """POST /scorm/outbox/{id}/retry: deliver that row again now."""

    async def post(self, request: Request) -> Response:
        principal = await require(request, "scorm/launch")
        webhooks = await _own_webhooks(request, principal.key)
        row = await outbox.retrigger(request.app.state.db, request.path_params["id"], webhooks, now_ms())
        request.app.state.postbacks.wake()
        return json_response(row)
