"""GET /admin/exports/statements (scope statements/read): every matching statement as NDJSON."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from lrs.auth import require
from lrs.xapi.export import count_statements, export_statements, parse_export_query

MEDIA_TYPE = "application/x-ndjson"


async def export_statements_ndjson(request: Request) -> Response:
    """Streams one statement per line; X-Total-Count holds how many there are when it starts."""
    await require(request, "statements/read")
    db = request.app.state.db
    q = parse_export_query(request.query_params, request.app.state.settings.export_page_size)
    headers = {
        "X-Total-Count": str(await count_statements(db, q)),
        "Content-Disposition": 'attachment; filename="statements.ndjson"',
    }
    return StreamingResponse(export_statements(db, q), media_type=MEDIA_TYPE, headers=headers)
