"""POST /admin/imports (scope admin): a batch of legacy progress rows, imported idempotently.

Body: {"rows": [{"line": 2, "values": {"user_id": "u-1", ...}}, ...], "dry_run": false}; the
values are the file's columns as read (strings, or JSON values from JSON lines). Answer: one result
per row ({line, outcome: imported | would import | skipped | invalid, enrollment, statements,
problems: [{line, column, value, reason}]}) and the count of each outcome.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import require
from lrs.bounds import load_json
from lrs.errors import InvalidRequest, PayloadTooLarge
from lrs.responses import json_response
from lrs.scorm.importer import import_rows

SCOPE = "admin"
OUTCOMES = ("imported", "would import", "skipped", "invalid")


def parse_import_body(
    content: bytes, limit: int, max_depth: int = 64
) -> tuple[list[tuple[int, dict[str, Any]]], bool]:
    """The (line, values) rows and the dry_run flag of a request body; 400/422/413 naming the field."""
    body = load_json(content, max_depth=max_depth, what="import body")
    if not isinstance(body, dict) or not isinstance(body.get("rows"), list):
        raise InvalidRequest('body: {"rows": [{"line": n, "values": {...}}], "dry_run": bool}', field="rows")
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise InvalidRequest("dry_run: must be true or false", field="dry_run")
    if len(body["rows"]) > limit:
        raise PayloadTooLarge(
            f"rows: {len(body['rows'])} rows in one request; the limit is {limit} (LRS_MAX_IMPORT_ROWS_PER_BATCH)",
            field="rows",
        )
    rows = []
    for i, item in enumerate(body["rows"]):
        line = item.get("line") if isinstance(item, dict) else None
        values = item.get("values") if isinstance(item, dict) else None
        if not isinstance(line, int) or isinstance(line, bool) or line < 1 or not isinstance(values, dict):
            raise InvalidRequest(
                f"rows[{i}]: must be {{'line': a positive integer, 'values': an object}}", field=f"rows[{i}]"
            )
        rows.append((line, values))
    return rows, dry_run


async def create_import(request: Request) -> Response:
    """POST /admin/imports."""
    await require(request, SCOPE)
    settings = request.app.state.settings
    rows, dry_run = parse_import_body(
        await request.body(), settings.max_import_rows_per_batch, settings.max_json_depth
    )
    results = await import_rows(request.app.state.db, settings, rows, dry_run=dry_run)
    counts = Counter(r.outcome for r in results)
    return json_response(
        {
            "dry_run": dry_run,
            "results": [r.as_dict() for r in results],
            "counts": {outcome: counts.get(outcome, 0) for outcome in OUTCOMES},
            "problems": sum(len(r.problems) for r in results),
        }
    )
