"""Report query parameters: parsed and checked once, so pipelines and services get clean values.

Every problem is an InvalidParameter (400) naming the parameter and the value at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lrs.bounds import parse_bounded_int, to_utc
from lrs.errors import InvalidParameter

ENROLLMENT_STATUSES = ("not attempted", "in progress", "completed", "passed", "failed")
# an attempt matches when its completion_status or its success_status is the one asked for
ATTEMPT_STATUSES = ("not attempted", "incomplete", "completed", "unknown", "passed", "failed")
COURSE_SORTS = (
    "course",
    "learners",
    "completion_rate",
    "pass_rate",
    "average_score",
    "average_attempts",
    "average_time_to_completion",
)
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
_IDLE = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class ReportFilters:
    """What a report is restricted to; `since` inclusive, `until` exclusive, both UTC."""

    learner: str | None = None
    course: str | None = None
    statuses: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    group: str | None = None
    sort: str = "course"
    descending: bool = False
    idle_s: float = 86400.0
    csv: bool = False


def parse_filters(
    params: Mapping[str, str],
    accept: str = "",
    *,
    statuses: tuple[str, ...] = (),
    learner: str | None = None,
    max_idle_s: float = float("inf"),
) -> ReportFilters:
    """Filters from query parameters; `statuses` is the status vocabulary of the report (none: no status)."""
    return ReportFilters(
        learner=learner if learner is not None else _text(params, "learner"),
        course=_text(params, "course"),
        statuses=_statuses(params.get("status"), statuses),
        since=_date(params, "from", end=False),
        until=_checked_until(params),
        limit=_int(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=_int(params, "offset", 0, 0, 10**9),
        group=_choice(params, "group", ("day",)),
        sort=_choice(params, "sort", COURSE_SORTS) or "course",
        descending=(_choice(params, "order", ("asc", "desc")) or "asc") == "desc",
        idle_s=parse_idle(params.get("idle", "24h"), max_idle_s),
        csv=_wants_csv(params, accept),
    )


def parse_idle(value: str, max_s: float = float("inf")) -> float:
    """Seconds in an idle duration: a number and a unit s, m, h, d or w ("30m", "24h", "7d"), at most max_s."""
    match = _IDLE.fullmatch(value.strip())
    if not match or float(match.group(1)) <= 0:
        raise InvalidParameter(
            f"idle must be a positive number and a unit s, m, h, d or w (like 30m, 24h, 7d), not {value!r}",
            field="idle",
        )
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not seconds <= max_s:
        raise InvalidParameter(
            f"idle {value!r} is longer than {max_s:g} seconds (LRS_MAX_DURATION_SECONDS)", field="idle"
        )
    return seconds


def _text(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not value.strip():
        raise InvalidParameter(f"{name} must not be empty", field=name)
    return value


def _statuses(value: str | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not allowed:
        raise InvalidParameter("status is not a filter of this report", field="status")
    wanted = tuple(s.strip() for s in value.split(","))
    for status in wanted:
        if status not in allowed:
            raise InvalidParameter(
                f"unknown status {status!r}; one of: {', '.join(allowed)} (several: comma-separated)",
                field="status",
            )
    return wanted


def _date(params: Mapping[str, str], name: str, *, end: bool) -> datetime | None:
    """A date (YYYY-MM-DD; as `to`, the whole day is included) or an ISO 8601 date-time (UTC if naive)."""
    value = params.get(name)
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        parsed = datetime.fromisoformat(value.replace(" ", "+"))
    except OverflowError:
        raise InvalidParameter(f"{name} {value!r} is outside the representable range", field=name) from None
    except ValueError:
        raise InvalidParameter(
            f"{name} must be a date (2026-11-01) or an ISO 8601 date-time (2026-11-01T08:00:00Z), "
            f"not {value!r}",
            field=name,
        ) from None
    return to_utc(parsed, name)


def _checked_until(params: Mapping[str, str]) -> datetime | None:
    since, until = _date(params, "from", end=False), _date(params, "to", end=True)
    if since is not None and until is not None and until <= since:
        raise InvalidParameter(f"to ({params['to']}) must be after from ({params['from']})", field="to")
    return until


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = params.get(name)
    return default if value is None else parse_bounded_int(value, name, low, high)


def _choice(params: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = params.get(name)
    if value is not None and value not in allowed:
        raise InvalidParameter(f"{name} must be one of: {', '.join(allowed)}; not {value!r}", field=name)
    return value


def _wants_csv(params: Mapping[str, str], accept: str) -> bool:
    fmt = _choice(params, "format", ("json", "csv"))
    if fmt is not None:
        return fmt == "csv"
    return "text/csv" in accept.lower()
