"""Statements as NDJSON, streamed page by page in keyset order so memory stays flat.

The filters are those of GET /xapi/statements (xAPI 1.0.3 Communication 2.1.3), parsed by the same
parser; the StatementRef rule is resolved once, then each page continues after the (stored, id)
of the last statement written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import UTC
from typing import Any

from lrs.errors import InvalidParameter
from lrs.responses import dump_json
from lrs.storage import Database
from lrs.storage.indexes import STATEMENTS
from lrs.xapi.query import PARAMETERS, StatementQuery, parse_query, sort_order, time_filter
from lrs.xapi.statements import selection_clauses

EXPORT_PARAMETERS = PARAMETERS - {
    "statementId",
    "voidedStatementId",
    "limit",
    "format",
    "attachments",
    "more",
}


def parse_export_query(params: Mapping[str, str], page_size: int) -> StatementQuery:
    """The export's filters: the xAPI query parameters agent, verb, activity, registration,
    related_activities, related_agents, since, until, ascending (400 naming any other)."""
    unknown = sorted(set(params) - EXPORT_PARAMETERS)
    if unknown:
        raise InvalidParameter(
            f"unknown parameter(s) for an export: {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(EXPORT_PARAMETERS))}",
            field=unknown[0],
        )
    return replace(parse_query(dict(params), page_size), limit=page_size)


def _and(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


async def count_statements(db: Database, q: StatementQuery) -> int:
    """How many statements the export of `q` holds (when it starts)."""
    return await db.collection(STATEMENTS).count(_and([*await selection_clauses(db, q), *_time(q)]))


def _time(q: StatementQuery) -> list[dict[str, Any]]:
    f = time_filter(q)
    return [f] if f else []


async def export_statements(db: Database, q: StatementQuery) -> AsyncIterator[bytes]:
    """One chunk of NDJSON lines (each a statement as stored, exact format) per page of `q.limit`."""
    selection = await selection_clauses(db, q)
    collection = db.collection(STATEMENTS)
    while True:
        docs = await collection.find(
            _and([*selection, *_time(q)]), {"statement": 1, "stored": 1}, sort=sort_order(q), limit=q.limit
        )
        if not docs:
            return
        yield b"".join(dump_json(d["statement"]) + b"\n" for d in docs)
        if len(docs) < q.limit:
            return
        last = docs[-1]["stored"]
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        q = replace(q, after_stored=round(last.timestamp() * 1000), after_id=docs[-1]["_id"])
