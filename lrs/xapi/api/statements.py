"""The Statement Resource: PUT, POST, GET (and HEAD) /xapi/statements (xAPI 1.0.3 Communication 2.1)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import Principal, require
from lrs.bounds import load_json
from lrs.errors import BadRequest, Forbidden, InvalidParameter
from lrs.responses import dump_json
from lrs.xapi.attachments import build_multipart, parse_multipart
from lrs.xapi.formats import canonical_format, ids_format, parse_accept_language
from lrs.xapi.query import parse_query
from lrs.xapi.statements import StatementPage, get_statement, query_statements, store_statements
from lrs.xapi.validation import is_valid_uuid


class StatementsResource(HTTPEndpoint):
    async def put(self, request: Request) -> Response:
        """Store one statement under ?statementId= (204)."""
        principal = await require(request, "statements/write")
        params = dict(request.query_params)
        if set(params) - {"statementId"}:
            raise InvalidParameter(
                f"unknown parameter(s) for PUT: {', '.join(sorted(set(params) - {'statementId'}))}"
            )
        statement_id = params.get("statementId")
        if not statement_id or not is_valid_uuid(statement_id):
            raise InvalidParameter("PUT needs a statementId parameter holding a UUID", field="statementId")
        statements, parts, types = await read_statements(request)
        if len(statements) != 1 or not isinstance(statements[0], dict):
            raise BadRequest("PUT takes exactly one statement (a JSON object)", field="body")
        statement = statements[0]
        if "id" in statement and str(statement["id"]).lower() != statement_id.lower():
            raise BadRequest(
                f"statement id {statement['id']} differs from statementId {statement_id}", field="id"
            )
        statement = {**statement, "id": statement.get("id", statement_id)}
        await _store(request, principal, [statement], parts, types)
        return Response(status_code=204)

    async def post(self, request: Request) -> Response:
        """Store one statement or an array of them, all or nothing (200 with the ids)."""
        principal = await require(request, "statements/write")
        if request.scope.get("query_string") and request.query_params:
            raise InvalidParameter(
                "POST /statements takes no parameters", field=next(iter(request.query_params))
            )
        statements, parts, types = await read_statements(request)
        ids = await _store(request, principal, statements, parts, types)
        return Response(dump_json(ids), media_type="application/json")

    async def get(self, request: Request) -> Response:
        """One statement (statementId / voidedStatementId) or a StatementResult page; HEAD alike."""
        principal = await _reader(request)
        signer = request.app.state.signer
        q = parse_query(dict(request.query_params), request.app.state.settings.statement_page_size, signer)
        mine = principal.key if principal.reads_only_own_statements else None
        if q.single:
            page = await get_statement(request.app.state.db, q, mine)
        else:
            page = await query_statements(request.app.state.db, q, mine, signer=signer)
        preferred = parse_accept_language(request.headers.get("accept-language"))
        statements = [_formatted(d["statement"], q.format, page, preferred) for d in page.docs]
        body: Any = (
            statements[0]
            if q.single
            else {
                "statements": statements,
                "more": f"{request.url.path}?more={page.more}" if page.more else "",
            }
        )
        headers = {}
        if page.docs:
            headers["Last-Modified"] = _http_date(max(d["stored"] for d in page.docs))
        content, media_type = dump_json(body), "application/json"
        if q.attachments:
            content, boundary = build_multipart(content, page.attachments)
            media_type = f'multipart/mixed; boundary="{boundary}"'
        if request.method == "HEAD":
            headers["Content-Type"] = media_type
            return Response(b"", headers=headers)
        return Response(content, media_type=media_type, headers=headers)


def _http_date(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return format_datetime(when.astimezone(UTC), usegmt=True)


async def _reader(request: Request) -> Principal:
    try:
        return await require(request, "statements/read")
    except Forbidden:
        return await require(request, "statements/read/mine")


def _formatted(
    statement: dict[str, Any], fmt: str, page: StatementPage, preferred: list[str]
) -> dict[str, Any]:
    if fmt == "ids":
        return ids_format(statement)
    if fmt == "canonical":
        return canonical_format(statement, page.definitions, preferred)
    return statement


async def _store(
    request: Request,
    principal: Principal,
    statements: list[Any],
    parts: dict[str, bytes],
    types: dict[str, str],
) -> list[str]:
    settings = request.app.state.settings
    return await store_statements(
        request.app.state.db,
        settings,
        statements,
        principal.authority,
        authority_key=principal.key,
        version=request.state.xapi_version,
        attachments=parts,
        attachment_types=types,
    )


async def read_statements(request: Request) -> tuple[list[Any], dict[str, bytes], dict[str, str]]:
    """The statements of a PUT/POST body (JSON, or multipart/mixed with attachments) and the parts."""
    content_type = request.headers.get("content-type", "application/json")
    media = content_type.split(";")[0].strip().lower()
    body = await request.body()
    parts: dict[str, bytes] = {}
    types: dict[str, str] = {}
    if media == "multipart/mixed":
        multipart = parse_multipart(body, content_type, request.app.state.settings.max_attachment_bytes)
        body, parts, types = multipart.statements_json, multipart.parts, multipart.content_types
    elif media != "application/json":
        raise BadRequest(
            f"statements must be sent as application/json or multipart/mixed, not {media}",
            field="Content-Type",
        )
    value = load_json(body, max_depth=request.app.state.settings.max_json_depth, what="statements body")
    statements = value if isinstance(value, list) else [value]
    if not statements:
        raise BadRequest("no statements in the body", field="body")
    return statements, parts, types
