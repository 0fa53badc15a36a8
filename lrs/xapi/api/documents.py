"""The document resources: State, Activity Profile, Agent Profile (xAPI 1.0.3 Communication 2.2-2.7,
xAPI 2.0.0 4.1.6.2, 4.1.6.5, 4.1.6.6). Each endpoint parses, calls one service function, answers."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import ClassVar

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import require
from lrs.bounds import load_json
from lrs.errors import PayloadTooLarge
from lrs.responses import dump_json
from lrs.xapi import documents as service
from lrs.xapi.document_params import DocumentQuery, parse_document_query, parse_preconditions

DEFAULT_VERSION = "1.0.3"


def xapi_version(request: Request) -> str:
    """The negotiated xAPI version (set by lrs.xapi.middleware; else the request header)."""
    version = request.scope.get("state", {}).get("xapi_version")
    if isinstance(version, str):
        return version
    return request.headers.get("x-experience-api-version", DEFAULT_VERSION).strip() or DEFAULT_VERSION


def http_date(value: datetime) -> str:
    """A datetime as an RFC 7231 HTTP-date (Last-Modified)."""
    return format_datetime(value.astimezone(UTC), usegmt=True)


def answer(request: Request, body: bytes, media_type: str, headers: dict[str, str]) -> Response:
    """200 with the body, or the same headers and no body for HEAD (Communication 1.1)."""
    if request.method == "HEAD":
        return Response(b"", headers={**headers, "Content-Type": media_type})
    return Response(body, media_type=media_type, headers=headers)


async def read_body(request: Request) -> service.Body:
    """The document sent, refused with 413 over LRS_MAX_DOCUMENT_BYTES."""
    limit = request.app.state.settings.max_document_bytes
    content = await request.body()
    if len(content) > limit:
        raise PayloadTooLarge(
            f"document of {len(content)} bytes exceeds the limit of {limit} bytes (LRS_MAX_DOCUMENT_BYTES)",
            limit=limit,
        )
    body = service.Body(content, request.headers.get("content-type", "application/octet-stream"))
    if body.is_json:
        load_json(
            content,
            max_depth=request.app.state.settings.max_json_depth,
            what="JSON document",
            field="content",
        )
    return body


class DocumentResource(HTTPEndpoint):
    """PUT / POST / GET (one or ids) / HEAD / DELETE (one, or all for State) on one kind of document."""

    kind: ClassVar[str]
    write_scope: ClassVar[str]
    read_scope: ClassVar[str]

    def query(self, request: Request) -> DocumentQuery:
        return parse_document_query(self.kind, request.method, request.query_params.multi_items())

    async def put(self, request: Request) -> Response:
        await require(request, self.write_scope)
        q = self.query(request)
        pre = parse_preconditions(request.headers.get("if-match"), request.headers.get("if-none-match"))
        rule = service.concurrency_rule(self.kind, xapi_version(request))
        body = await read_body(request)
        await service.put_document(request.app.state.db, q.docs, q.doc_id or "", body, pre, rule=rule)
        return Response(status_code=204)

    async def post(self, request: Request) -> Response:
        await require(request, self.write_scope)
        q = self.query(request)
        pre = parse_preconditions(request.headers.get("if-match"), request.headers.get("if-none-match"))
        body = await read_body(request)
        await service.post_document(request.app.state.db, q.docs, q.doc_id or "", body, pre)
        return Response(status_code=204)

    async def get(self, request: Request) -> Response:
        await require(request, self.read_scope)
        q = self.query(request)
        db = request.app.state.db
        if q.doc_id is not None:
            doc = await service.get_document(db, q.docs, q.doc_id)
            headers = {"ETag": doc.etag, "Last-Modified": http_date(doc.updated)}
            return answer(request, doc.content, doc.content_type, headers)
        ids, latest = await service.list_document_ids(db, q.docs, q.since)
        headers = {"Last-Modified": http_date(latest)} if latest else {}
        return answer(request, dump_json(ids), "application/json", headers)

    async def delete(self, request: Request) -> Response:
        await require(request, self.write_scope)
        q = self.query(request)
        pre = parse_preconditions(request.headers.get("if-match"), request.headers.get("if-none-match"))
        if q.doc_id is None:
            await service.delete_documents(request.app.state.db, q.docs)
        else:
            await service.delete_document(request.app.state.db, q.docs, q.doc_id, pre)
        return Response(status_code=204)


class StateResource(DocumentResource):
    """/xapi/activities/state (Communication 2.3)."""

    kind, write_scope, read_scope = service.STATE, "state", "state/read"


class ActivityProfileResource(DocumentResource):
    """/xapi/activities/profile (Communication 2.7)."""

    kind, write_scope, read_scope = service.ACTIVITY_PROFILE, "profile", "profile/read"


class AgentProfileResource(DocumentResource):
    """/xapi/agents/profile (Communication 2.6)."""

    kind, write_scope, read_scope = service.AGENT_PROFILE, "profile", "profile/read"
