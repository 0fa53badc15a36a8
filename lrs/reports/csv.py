"""CSV output of a report (RFC 4180): a header row, then one row per item, CRLF line ends; streamed
in chunks of rows, optionally behind a UTF-8 byte order mark (for Excel)."""

from __future__ import annotations

import csv as _csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lrs.errors import InvalidParameter
from lrs.responses import dump_json

if TYPE_CHECKING:
    from lrs.reports.filters import ReportFilters
    from lrs.reports.service import Page

BOM = "\ufeff".encode()


def render_csv(columns: Sequence[str], items: Sequence[dict[str, Any]]) -> str:
    """The items as CSV with `columns` as header; fields quoted only where RFC 4180 needs it."""
    return csv_rows([columns]) + csv_rows([[csv_value(item.get(c)) for c in columns] for item in items])


def csv_rows(rows: Sequence[Sequence[Any]]) -> str:
    """Rows of cells as CSV lines."""
    out = io.StringIO()
    _csv.writer(out, lineterminator="\r\n", quoting=_csv.QUOTE_MINIMAL).writerows(rows)
    return out.getvalue()


def csv_value(value: Any) -> str:
    """One cell: empty for null, true/false, dates as ISO 8601 UTC to the second
    (2026-01-03T10:20:00Z), JSON for lists and objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, list | dict):
        return dump_json(value).decode()
    return str(value)


def wants_bom(params: Mapping[str, str]) -> bool:
    """?bom=true: start the CSV with a UTF-8 byte order mark, so that Excel reads it as UTF-8."""
    value = params.get("bom", "false").lower()
    if value not in ("true", "false"):
        raise InvalidParameter(f"bom must be true or false, not {params['bom']!r}", field="bom")
    return value == "true"


async def stream_csv(
    first: Page,
    more: Callable[[ReportFilters], Awaitable[Page]] | None,
    f: ReportFilters,
    wanted: int | None,
    bom: bool,
) -> AsyncIterator[bytes]:
    """The header and `first` page's rows, then the following pages from `more` (each as big as the
    first) until the report or `wanted` rows are exhausted: no row cap, one chunk in memory."""
    head = BOM if bom else b""
    yield head + render_csv(first.columns, first.items).encode()
    remaining = first.total - f.offset if wanted is None else min(wanted, first.total - f.offset)
    remaining -= len(first.items)
    offset, chunk = f.offset + len(first.items), len(first.items)
    while more is not None and remaining > 0 and chunk > 0:
        page = await more(replace(f, offset=offset, limit=min(chunk, remaining)))
        if not page.items:
            return
        yield csv_rows([[csv_value(item.get(c)) for c in page.columns] for item in page.items]).encode()
        offset += len(page.items)
        remaining -= len(page.items)
