"""Bounds on what clients send, checked on the raw request before anything is processed or stored.

One JSON reader for every request body (statements, documents, commits): nesting depth limited, keys
unique and free of NUL, numbers finite, integers within int64 (what BSON stores), strings valid
Unicode (no lone surrogates, which neither BSON nor the JSON encoder can write back). Plus the checks
query parameters share: integers of bounded length, dates that stay representable once in UTC.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from lrs.errors import InvalidJson, InvalidParameter

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# a lone surrogate can only arrive as a \uD800-\uDFFF escape (raw bytes are decoded strictly)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _OutOfRange:
    """An integer literal beyond int64, kept as text so the walk can name where it was."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_int(text: str) -> int | _OutOfRange:
    # int() refuses literals over 4300 digits with a ValueError; anything over 19 digits is out anyway
    if len(text.lstrip("-")) > 19:
        return _OutOfRange(text)
    value = int(text)
    return value if INT64_MIN <= value <= INT64_MAX else _OutOfRange(text)


def _parse_constant(text: str) -> Any:
    raise InvalidJson(f"{text} is not a JSON number", field="body")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InvalidJson(f"duplicate key {key!r} in a JSON object", field=key)
            seen.add(key)
    for key in obj:
        if "\x00" in key:
            raise InvalidJson(f"key {key!r} contains a NUL character", field=key)
    return obj


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def load_json(raw: bytes | str, *, max_depth: int, what: str = "body", field: str = "body") -> Any:
    """Parse a request's JSON; InvalidJson (400, naming the key or path) for anything out of bounds."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
        if text.startswith("\ufeff"):
            text = text[1:]
        value = json.loads(
            text, object_pairs_hook=_object, parse_int=_parse_int, parse_constant=_parse_constant
        )
    except UnicodeDecodeError as exc:
        raise InvalidJson(f"the {what} is not UTF-8: {exc.reason}", field=field) from None
    except json.JSONDecodeError as exc:
        raise InvalidJson(f"the {what} is not valid JSON: {exc}", field=field) from None
    except RecursionError:
        raise InvalidJson(
            f"the {what} nests JSON deeper than {max_depth} levels (LRS_MAX_JSON_DEPTH)", field=field
        ) from None
    _check_tree(value, max_depth, what, surrogates=_SURROGATE_ESCAPE.search(text) is not None)
    return value


def _check_tree(value: Any, max_depth: int, what: str, *, surrogates: bool) -> None:
    """Depth, finite floats, int64 integers (and, when escapes were sent, valid strings) with the path."""
    if isinstance(value, str):
        if surrogates:
            _check_text(value, "")
        return
    if not isinstance(value, dict | list):
        return
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        node, depth, path = stack.pop()
        if depth > max_depth:
            raise InvalidJson(
                f"the {what} nests JSON deeper than {max_depth} levels (LRS_MAX_JSON_DEPTH) at {path}",
                field=path,
            )
        items = node.items() if type(node) is dict else enumerate(node)
        for key, item in items:
            kind = type(item)
            if kind is dict or kind is list:
                stack.append((item, depth + 1, _join(path, key)))
            elif kind is float:
                if not math.isfinite(item):
                    where = _join(path, key)
                    raise InvalidJson(f"{where}: number is too large (not finite)", field=where)
            elif kind is _OutOfRange:
                where = _join(path, key)
                digits = (
                    item.text if len(item.text) <= 40 else f"{item.text[:20]}... ({len(item.text)} digits)"
                )
                raise InvalidJson(f"{where}: integer {digits} is outside the 64-bit range", field=where)
            elif surrogates and kind is str:
                _check_text(item, _join(path, key))
            if surrogates and type(key) is str:
                _check_text(key, path)


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJson(
            f"{where or 'body'}: a string holds a lone UTF-16 surrogate", field=where or "body"
        ) from None


def parse_bounded_int(value: str, name: str, low: int, high: int) -> int:
    """A query parameter holding a non-negative integer in [low, high]; 400 naming it otherwise."""
    if not value.isascii() or not value.isdigit() or len(value) > 19 or not low <= int(value) <= high:
        shown = value if len(value) <= 40 else f"{value[:20]}... ({len(value)} characters)"
        raise InvalidParameter(f"{name} must be an integer from {low} to {high}, not {shown!r}", field=name)
    return int(value)


def to_utc(when: datetime, name: str) -> datetime:
    """A date as UTC; 400 naming the parameter when it falls outside years 1-9999 once in UTC."""
    try:
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        raise InvalidParameter(
            f"{name} {when.isoformat()} is outside the representable range (years 1-9999 in UTC)", field=name
        ) from None
