"""Rows of the LMS's legacy progress export -> LegacyRow, reporting every problem of a row.

Pure and synchronous: the server validates each row it is sent with `parse_row`; nothing here
reads files (the CLI decodes them) or writes records (importer.py does).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from translators import ScormVersion, validate_cmi

COLUMNS = (
    "user_id",
    "user_name",
    "course_id",
    "course_title",
    "sco_id",
    "sco_title",
    "completed",
    "last_score",
    "best_score",
    "total_time_spent",
    "attempts",
    "first_access",
    "last_access",
    "cmi_data",
    "scorm_version",
)
REQUIRED = ("user_id", "course_id")
TRUE, FALSE = {"true", "1", "yes", "y", "t"}, {"false", "0", "no", "n", "f", ""}
SCORE_RANGE = (0.0, 100.0)  # legacy scores are percentages
# naive dates are taken as UTC, so a date up to a day ahead may be a local time east of UTC
FUTURE_TOLERANCE = timedelta(days=1)
_ISO_DURATION = re.compile(
    r"P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?",
)
_CLOCK = re.compile(r"(\d+):([0-5]?\d):([0-5]?\d(?:\.\d+)?)")


@dataclass(frozen=True)
class RowLimits:
    """The ranges a row's values must fall in (from settings)."""

    earliest: date = date(2000, 1, 1)  # LRS_IMPORT_EARLIEST_DATE
    max_seconds: float = 100 * 365 * 86400  # LRS_MAX_DURATION_SECONDS
    max_attempts: int = 10_000  # LRS_IMPORT_MAX_ATTEMPTS


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong in a row: where (line, column), the value found and why it is refused."""

    line: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass(frozen=True)
class LegacyRow:
    """One progress row of the legacy export, parsed."""

    line: int
    user_id: str
    user_name: str
    course_id: str
    course_title: str
    sco_id: str
    sco_title: str
    version: ScormVersion
    completed: bool
    last_score: float | None
    best_score: float | None
    total_time_s: float
    attempts: int
    first_access: datetime | None
    last_access: datetime | None
    cmi: dict[str, str]


def parse_duration(text: str) -> float | None:
    """Seconds in a time spent: `754` (seconds), `01:30:00` (hh:mm:ss) or ISO 8601 `PT1H30M`; None when
    empty. ValueError saying why otherwise (years and months are refused: they have no fixed length)."""
    text = text.strip()
    if not text:
        return None
    if text[0] in "Pp":
        match = _ISO_DURATION.fullmatch(text.upper())
        if not match or text.upper() in ("P", "PT") or text.upper().endswith("T"):
            raise ValueError("not an ISO 8601 duration (like PT1H30M or P1DT2H)")
        if match["y"] or match["mo"]:
            raise ValueError("years and months have no fixed length; use days, hours, minutes, seconds")
        units = {"w": 604800, "d": 86400, "h": 3600, "mi": 60, "s": 1}
        return sum(float(match[k]) * v for k, v in units.items() if match[k])
    if ":" in text:
        clock = _CLOCK.fullmatch(text)
        if not clock:
            raise ValueError("not hh:mm:ss (minutes and seconds 0-59)")
        return float(clock[1]) * 3600 + int(clock[2]) * 60 + float(clock[3])
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError("not seconds, hh:mm:ss or an ISO 8601 duration") from None
    if seconds != seconds or text.lower().lstrip("+-") in ("inf", "infinity"):
        raise ValueError("not seconds, hh:mm:ss or an ISO 8601 duration")
    if seconds < 0:
        raise ValueError("a time spent cannot be negative")
    return seconds  # too many digits give inf, refused by the caller's upper bound


class _Row:
    """Reads one raw row column by column, collecting a RowProblem for each bad value."""

    def __init__(self, line: int, raw: dict[str, Any], limits: RowLimits, now: datetime) -> None:
        self.line, self.raw, self.limits, self.now = line, raw, limits, now
        self.problems: list[RowProblem] = []

    def problem(self, column: str, reason: str, value: Any = None) -> None:
        shown = self.text(column) if value is None else value
        self.problems.append(RowProblem(self.line, column, str(shown), reason))

    def text(self, column: str) -> str:
        value = self.raw.get(column)
        if value is None:
            return ""
        if isinstance(value, dict | list):
            return json.dumps(value)
        return str(value).strip()

    def required(self, column: str) -> str:
        if not self.text(column):
            self.problem(column, "required")
        return self.text(column)

    def boolean(self, column: str) -> bool:
        value = self.raw.get(column)
        if isinstance(value, bool):
            return value
        text = self.text(column).lower()
        if text not in TRUE | FALSE:
            self.problem(column, "not a boolean (true/false, 1/0, yes/no)")
        return text in TRUE

    def number(self, column: str) -> float | None:
        text = (
            self.text(column).replace(",", ".")
            if isinstance(self.raw.get(column), str)
            else self.text(column)
        )
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            self.problem(column, "not a number")
            return None
        if value != value or value in (float("inf"), float("-inf")):
            self.problem(column, "not a number")
            return None
        return value

    def score(self, column: str) -> float | None:
        value = self.number(column)
        low, high = SCORE_RANGE
        if value is not None and not low <= value <= high:
            self.problem(column, f"out of range: a score is a percentage from {low:g} to {high:g}")
            return None
        return value

    def count(self, column: str) -> int:
        value = self.number(column)
        if value is None:
            return 0
        if value < 0 or value != int(value):
            self.problem(column, "not a whole number of attempts (0 or more)")
            return 0
        if value > self.limits.max_attempts:
            self.problem(
                column, f"out of range: more than {self.limits.max_attempts} (LRS_IMPORT_MAX_ATTEMPTS)"
            )
            return 0
        return int(value)

    def duration(self, column: str) -> float:
        value = self.raw.get(column)
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = str(value)
        else:
            text = self.text(column)
        try:
            seconds = parse_duration(text) or 0.0
        except ValueError as exc:
            self.problem(column, str(exc))
            return 0.0
        if seconds > self.limits.max_seconds:
            self.problem(
                column, f"out of range: more than {self.limits.max_seconds:g} s (LRS_MAX_DURATION_SECONDS)"
            )
            return 0.0
        return seconds

    def moment(self, column: str) -> datetime | None:
        text = self.text(column)
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        except (ValueError, OverflowError):
            self.problem(column, "not an ISO 8601 date (like 2024-01-31T09:00:00Z)")
            return None
        earliest = self.limits.earliest
        if moment.date() < earliest:
            self.problem(column, f"out of range: before {earliest.isoformat()} (LRS_IMPORT_EARLIEST_DATE)")
            return None
        if moment > self.now + FUTURE_TOLERANCE:
            self.problem(column, "out of range: in the future")
            return None
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def cmi(self, version: str | None) -> dict[str, str]:
        value = self.raw.get("cmi_data")
        if value in (None, ""):
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        if not isinstance(value, dict):
            self.problem("cmi_data", "not a JSON object")
            return {}
        cmi = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}
        if version is None:
            return cmi
        for p in validate_cmi(cast(ScormVersion, version), cmi):
            self.problem("cmi_data", f"{p.element}: {p.reason}", value=p.value)
        return cmi


def parse_row(
    line: int, raw: dict[str, Any], *, limits: RowLimits, now: datetime
) -> tuple[LegacyRow | None, list[RowProblem]]:
    """A legacy row, or None with every problem found in it (row, column, value, reason)."""
    r = _Row(line, raw, limits, now)
    user_id, course_id = r.required("user_id"), r.required("course_id")
    version = r.text("scorm_version") or "1.2"
    if version not in ("1.2", "2004"):
        r.problem("scorm_version", "not 1.2 or 2004")
    completed = r.boolean("completed")
    last_score, best_score = r.score("last_score"), r.score("best_score")
    total = r.duration("total_time_spent")
    attempts = r.count("attempts")
    first, last = r.moment("first_access"), r.moment("last_access")
    if first and last and last < first:
        r.problem("last_access", f"before first_access ({r.text('first_access')})")
    cmi = r.cmi(version if version in ("1.2", "2004") else None)
    if r.problems:
        return None, r.problems
    course_title = r.text("course_title")
    row = LegacyRow(
        line=line,
        user_id=user_id,
        user_name=r.text("user_name"),
        course_id=course_id,
        course_title=course_title,
        sco_id=r.text("sco_id") or course_id,
        sco_title=r.text("sco_title") or course_title,
        version=cast(ScormVersion, version),
        completed=completed,
        last_score=last_score,
        best_score=best_score,
        total_time_s=total,
        attempts=attempts,
        first_access=first,
        last_access=last,
        cmi=cmi,
    )
    return row, []
