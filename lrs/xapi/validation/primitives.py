"""Primitive xAPI value checks: UUIDs, IRIs, language maps, timestamps, durations (xAPI Data 4.0)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NoReturn

from lrs.errors import InvalidStatement

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# RFC 3987 reduced to what an LRS can check: a scheme, then no whitespace or characters IRIs forbid.
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f<>\"{}|\\^`]+$")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
MAILTO_RE = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
# RFC 5646 Language-Tag (langtag | privateuse | grandfathered), matched case-insensitively.
_LANGTAG = (
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"  # language (with extlang)
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"  # private use
)
_GRANDFATHERED = (
    r"en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay"
    r"|i-tsu|sgn-be-fr|sgn-be-nl|sgn-ch-de|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min"
    r"|zh-min-nan|zh-xiang"
)
LANGTAG_RE = re.compile(rf"^(?:{_LANGTAG}|x(?:-[a-z0-9]{{1,8}})+|{_GRANDFATHERED})$", re.IGNORECASE)
TIMESTAMP_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})T(?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})(?:\.(?P<frac>\d+))?"
    r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
DURATION_RE = re.compile(
    r"^P(?!$)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?$"
)
WEEK_DURATION_RE = re.compile(r"^P\d+(?:\.\d+)?W$")


# A JSON path: "" (the root), a rendered string, or (parent path, property name or array index).
# Checks pass tuples down and only render the one path an error names, so a valid statement costs
# no string building.
Path = str | tuple["Path", str | int]


def fail(path: Path, message: str) -> NoReturn:
    """Raise InvalidStatement naming the JSON path at fault."""
    where = render(path)
    raise InvalidStatement(f"{where}: {message}" if where else message, field=where or None)


def render(path: Path) -> str:
    """A path as text, e.g. "[3].context.contextActivities.parent[0].id"."""
    if isinstance(path, str):
        return path
    parent, key = path
    return join(render(parent), key)


def join(path: str, key: str | int) -> str:
    """Extend a JSON path with a property name or an array index."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def is_valid_uuid(value: Any) -> bool:
    """True for a UUID string in its canonical 8-4-4-4-12 hex form (xAPI Data 4.0: RFC 4122)."""
    return isinstance(value, str) and UUID_RE.match(value) is not None


# Strings already found valid: verb, activity and extension IRIs and language tags repeat across
# statements, and a set lookup costs far less than the regex. Bounded (cleared when full); only
# ever holds strings the regex accepted, so an answer never depends on it.
_VALID_IRIS: set[str] = set()
_VALID_TAGS: set[str] = set()
_VALID_MAX = 20_000


def _remember(valid: set[str], value: str) -> None:
    if len(valid) >= _VALID_MAX:
        valid.clear()
    valid.add(value)


def is_valid_iri(value: Any) -> bool:
    """True for an absolute IRI (a scheme followed by a non-empty, whitespace-free part)."""
    if not isinstance(value, str):
        return False
    if value in _VALID_IRIS:
        return True
    if IRI_RE.match(value) is None:
        return False
    _remember(_VALID_IRIS, value)
    return True


def is_valid_language_tag(value: Any) -> bool:
    """True for an RFC 5646 language tag."""
    if not isinstance(value, str):
        return False
    if value in _VALID_TAGS:
        return True
    if LANGTAG_RE.match(value) is None:
        return False
    _remember(_VALID_TAGS, value)
    return True


def is_valid_language_map(value: Any) -> bool:
    """True for an object whose keys are RFC 5646 tags and whose values are strings (Data 4.0)."""
    return isinstance(value, dict) and all(
        is_valid_language_tag(k) and isinstance(v, str) for k, v in value.items()
    )


def is_valid_duration(value: Any) -> bool:
    """True for an ISO 8601 duration (PnYnMnDTnHnMnS, or PnW alone), as xAPI Data 4.6 allows."""
    return isinstance(value, str) and (
        DURATION_RE.match(value) is not None or WEEK_DURATION_RE.match(value) is not None
    )


_DURATION_PARTS = re.compile(
    r"^P(?:([\d.]+)Y)?(?:([\d.]+)M)?(?:([\d.]+)D)?(?:T(?:([\d.]+)H)?(?:([\d.]+)M)?(?:([\d.]+)S)?)?$"
)
# a year and a month have no fixed length; the usual conventions (as translators.durations uses)
_DURATION_UNITS = (365 * 86400, 30 * 86400, 86400, 3600, 60, 1)


def duration_seconds(value: str) -> float:
    """Seconds in a duration is_valid_duration accepted (inf when too large for a float)."""
    weeks = WEEK_DURATION_RE.match(value)
    if weeks:
        return float(value[1:-1]) * 7 * 86400
    match = _DURATION_PARTS.match(value)
    assert match is not None, value
    return sum(float(part) * unit for part, unit in zip(match.groups(), _DURATION_UNITS, strict=True) if part)


def check_duration(value: Any, path: Path, max_seconds: float) -> None:
    """Fail unless value is an ISO 8601 duration of at most max_seconds (LRS_MAX_DURATION_SECONDS)."""
    if not is_valid_duration(value):
        fail(path, f"{value!r} is not an ISO 8601 duration")
    if not duration_seconds(value) <= max_seconds:
        fail(path, f"{value!r} is longer than {max_seconds:g} seconds (LRS_MAX_DURATION_SECONDS)")


_BEYOND_HUNDREDTHS = re.compile(r"(\.\d{2})\d+(?=S$)")


def comparable_duration(value: str) -> str:
    """A duration as statement comparison sees it: precision beyond 0.01 s dropped (xAPI 2.0.0 4.2.7)."""
    return _BEYOND_HUNDREDTHS.sub(r"\1", value)


def parse_timestamp(value: Any, path: Path = "timestamp") -> datetime:
    """Parse an ISO 8601 date-time (xAPI Data 4.5); no offset means UTC; "-00:00" offsets are refused."""
    match = TIMESTAMP_RE.match(value) if isinstance(value, str) else None
    if match is None:
        fail(path, f"{value!r} is not an ISO 8601 timestamp")
    tz = match["tz"]
    if tz is not None and tz[0] == "-" and set(tz[1:]) <= {"0", ":"}:
        fail(path, f"{value!r}: the offset -00:00 is not allowed (RFC 3339 unknown local offset)")
    try:
        base = datetime.fromisoformat(f"{match['date']}T{match['h']}:{match['m']}:{match['s']}")
    except ValueError:
        fail(path, f"{value!r} is not a valid date and time")
    if match["frac"]:
        base = base.replace(microsecond=int(match["frac"][:6].ljust(6, "0")))
    offset = timedelta(0)
    if tz is not None and tz.upper() != "Z":
        digits = tz[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + (int(digits[2:]) if len(digits) > 2 else 0)
        if int(digits[:2]) > 23 or (len(digits) > 2 and int(digits[2:]) > 59):
            fail(path, f"{value!r} has an invalid offset")
        offset = timedelta(minutes=-minutes if tz[0] == "-" else minutes)
    when = base.replace(tzinfo=UTC if not offset else timezone(offset))
    try:
        when.astimezone(UTC)
    except OverflowError:
        fail(path, f"{value!r} is outside the representable range (years 1-9999 in UTC)")
    return when


def require_object(value: Any, path: Path, what: str) -> dict[str, Any]:
    """Return value if it is a JSON object, else fail."""
    if not isinstance(value, dict):
        fail(path, f"{what} must be a JSON object, got {type_name(value)}")
    return value


def require_array(value: Any, path: Path, what: str, *, non_empty: bool = False) -> list[Any]:
    """Return value if it is a JSON array (non-empty when asked), else fail."""
    if not isinstance(value, list):
        fail(path, f"{what} must be an array, got {type_name(value)}")
    if non_empty and not value:
        fail(path, f"{what} must not be empty")
    return value


def check_keys(obj: dict[str, Any], allowed: Iterable[str], path: Path, what: str) -> None:
    """Fail on the first property the spec does not define for this object."""
    allowed_set = allowed if isinstance(allowed, frozenset) else frozenset(allowed)
    if obj.keys() <= allowed_set:
        return
    for key in obj:
        if key not in allowed_set:
            fail((path, key), f"{what} has no property {key!r} (allowed: {', '.join(sorted(allowed_set))})")


def require_keys(obj: dict[str, Any], required: Iterable[str], path: Path, what: str) -> None:
    """Fail when a required property is missing (or null)."""
    for key in required:
        if obj.get(key) is None:
            fail((path, key), f"{what} requires {key!r}")


def check_string(value: Any, path: Path) -> str:
    """Fail unless value is a string."""
    if not isinstance(value, str):
        fail(path, f"must be a string, got {type_name(value)}")
    return value


def check_bool(value: Any, path: Path) -> None:
    """Fail unless value is a JSON boolean."""
    if not isinstance(value, bool):
        fail(path, f"must be a boolean, got {type_name(value)}")


def check_number(value: Any, path: Path) -> float:
    """Fail unless value is a JSON number (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(path, f"must be a number, got {type_name(value)}")
    return float(value)


def check_uuid(value: Any, path: Path) -> None:
    """Fail unless value is a UUID string."""
    if not is_valid_uuid(value):
        fail(path, f"{value!r} is not a UUID")


def check_iri(value: Any, path: Path) -> None:
    """Fail unless value is an absolute IRI."""
    if not is_valid_iri(value):
        fail(path, f"{value!r} is not an absolute IRI")


def check_language_map(value: Any, path: Path) -> None:
    """Fail unless value is a language map, naming the bad key."""
    require_object(value, path, "a language map")
    for key, text in value.items():
        if key not in _VALID_TAGS and not is_valid_language_tag(key):
            fail((path, key), f"{key!r} is not an RFC 5646 language tag")
        if not isinstance(text, str):
            fail((path, key), f"language map values must be strings, got {type_name(text)}")


def check_extensions(value: Any, path: Path) -> None:
    """Fail unless value is an object keyed by absolute IRIs (Data 2.4.4.1 / 5.3 Extensions)."""
    require_object(value, path, "extensions")
    for key in value:
        if key not in _VALID_IRIS and not is_valid_iri(key):
            fail((path, key), f"extension key {key!r} is not an absolute IRI")


def type_name(value: Any) -> str:
    """JSON type name of a decoded value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__
