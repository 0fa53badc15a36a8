"""CSV output of a report (RFC 4180): a header row, then one row per item, CRLF line ends."""

from __future__ import annotations

import csv as _csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from lrs.responses import dump_json


def render_csv(columns: Sequence[str], items: Sequence[dict[str, Any]]) -> str:
    """The items as CSV with `columns` as header; fields quoted only where RFC 4180 needs it."""
    out = io.StringIO()
    writer = _csv.writer(out, lineterminator="\r\n", quoting=_csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for item in items:
        writer.writerow([csv_value(item.get(column)) for column in columns])
    return out.getvalue()


def csv_value(value: Any) -> str:
    """One cell: empty for null, true/false, ISO 8601 UTC dates, JSON for lists and objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, list | dict):
        return dump_json(value).decode()
    return str(value)
