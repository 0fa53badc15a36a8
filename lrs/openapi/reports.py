"""/reports: the report endpoints, their filters, and rows typed from the columns in lrs/reports/columns.py."""

from __future__ import annotations

from typing import Any

from lrs.openapi.common import Paths, errors, json_body, operation, path, query, ref
from lrs.reports import columns
from lrs.reports.filters import ATTEMPT_STATUSES, COURSE_SORTS, ENROLLMENT_STATUSES, MAX_LIMIT

TAG = "Reports"
SCOPE = "reports/read"

_NUMBER = {"type": ["number", "null"]}
_DATE = {"type": ["string", "null"], "format": "date-time"}
_TEXT = {"type": ["string", "null"]}
_FLAG = {"type": ["boolean", "null"]}


_TEXT_COLUMNS = frozenset(
    {
        "course",
        "course_title",
        "learner",
        "learner_name",
        "enrollment_id",
        "attempt_id",
        "sco_id",
        "sco_title",
        "version",
        "status",
        "completion_status",
        "success_status",
        "location",
        "suspend_data",
        "entry",
        "exit",
        "session_id",
        "time_source",
        "element",
        "value",
    }
)
_FLAG_COLUMNS = frozenset({"time_measured", "finished"})


def column_schema(name: str) -> dict[str, Any]:
    """The JSON type of a report column: text, date, flag, or else a number (counts, scores, seconds)."""
    if name in _TEXT_COLUMNS:
        return _TEXT
    if name in _FLAG_COLUMNS:
        return _FLAG
    if name.endswith(("_at", "_access")):
        return _DATE
    if name == "day":
        return {"type": ["string", "null"], "format": "date"}
    return _NUMBER


def row_schema(names: tuple[str, ...]) -> dict[str, Any]:
    """A row holding exactly these columns."""
    return {
        "type": "object",
        "required": list(names),
        "properties": {n: column_schema(n) for n in names},
        "additionalProperties": False,
    }


def page_schema(row: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "total", "limit", "offset"],
        "properties": {
            "items": {"type": "array", "items": ref(row)},
            "total": {"type": "integer", "description": "rows matching, before paging (also X-Total-Count)"},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
        },
        "additionalProperties": False,
    }


_ROWS = {
    "EnrollmentRow": columns.ENROLLMENTS,
    "AttemptRow": columns.ATTEMPTS,
    "AbandonedAttemptRow": columns.ABANDONED,
    "TimeSpentRow": columns.TIME_SPENT,
    "AttemptCountRow": columns.ATTEMPT_COUNTS,
    "LearnerCourseRow": columns.LEARNER_COURSES,
    "CourseRow": columns.COURSES,
}
_TIME_SPENT_ANY_ROW = {
    "type": "object",
    "description": "A time-spent row; with group=day it also has `day`",
    "required": list(columns.TIME_SPENT),
    "properties": {n: column_schema(n) for n in columns.TIME_SPENT_BY_DAY},
    "additionalProperties": False,
}
_DETAIL = {
    "type": "object",
    "description": "The attempt row and its details: sessions, the CMI tree (element -> value), "
    "interactions, objectives and comments",
    "required": list(dict.fromkeys([*columns.ATTEMPTS, "cmi", "interactions", "objectives", "comments"])),
    "properties": {
        **{n: column_schema(n) for n in (*columns.ATTEMPTS, *columns.ATTEMPT_DETAIL_EXTRA)},
        "sessions": {"type": "array", "items": {"type": "object"}},
        "cmi": {"type": "object", "additionalProperties": True},
        "interactions": {"type": "array", "items": {"type": "object"}},
        "objectives": {"type": "array", "items": {"type": "object"}},
        "comments": {"type": "array", "items": {"type": "object"}},
    },
}

SCHEMAS: dict[str, Any] = {
    **{name: row_schema(cols) for name, cols in _ROWS.items()},
    "TimeSpentRow": _TIME_SPENT_ANY_ROW,
    **{f"{name[:-3]}Page": page_schema(name) for name in _ROWS},
    "AttemptDetail": _DETAIL,
}

_COMMON = [
    query("course", "Only this course id"),
    query("from", "From this date (2026-11-01) or ISO 8601 date-time, inclusive"),
    query("to", "Until this date (whole day included) or date-time, exclusive"),
    query("limit", f"Rows per page (1-{MAX_LIMIT}, default 100)", {"type": "integer"}),
    query("offset", "Rows skipped", {"type": "integer"}),
    query("format", "json (default) or csv; `Accept: text/csv` works too", {"enum": ["json", "csv"]}),
    query(
        "bom",
        "CSV only: start with a UTF-8 byte order mark (for Excel); CSV streams every row from `offset` "
        "on unless `limit` is given",
        {"enum": ["true", "false"]},
    ),
]
_LEARNER = query("learner", "Only this learner id")


def _status(values: tuple[str, ...]) -> dict[str, Any]:
    return query("status", f"Comma-separated, of: {', '.join(values)}")


def _report(summary: str, page: str, params: list[dict[str, Any]], description: str = "") -> dict[str, Any]:
    ok = json_body(ref(page), "One page of rows; X-Total-Count holds the total")
    ok["content"]["text/csv"] = {"schema": {"type": "string"}}
    ok["headers"] = {"X-Total-Count": {"schema": {"type": "integer"}, "description": "rows before paging"}}
    return {
        "get": operation(
            TAG,
            summary,
            {"200": ok, **errors(400, 401, 403)},
            scope=SCOPE,
            parameters=params,
            description=description or None,
        )
    }


PATHS: Paths = {
    "/reports/changes": {
        "get": operation(
            TAG,
            "Enrollments and attempts changed since a cursor (a feed to poll)",
            {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {
                            "items": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["type", "id", "changed_at"],
                                    "properties": {
                                        "type": {"type": "string"},
                                        "id": {"type": "string"},
                                        "changed_at": {"type": "string", "format": "date-time"},
                                    },
                                },
                            }
                        },
                    },
                    "One page of changes and the cursor to ask the next with",
                ),
                **errors(400, 401, 403),
            },
            scope=SCOPE,
            parameters=[
                query("after", "The cursor of the previous page (signed)"),
                query("limit", "Changes per page", {"type": "integer"}),
            ],
        )
    },
    "/reports/enrollments": _report(
        "Enrollments: status, scores, time per learner and course",
        "EnrollmentPage",
        [_LEARNER, _status(ENROLLMENT_STATUSES), *_COMMON],
    ),
    "/reports/attempts": _report("Attempts", "AttemptPage", [_LEARNER, _status(ATTEMPT_STATUSES), *_COMMON]),
    "/reports/attempts/{id}": {
        "get": operation(
            TAG,
            "One attempt with its CMI tree (CSV: one row per CMI element)",
            {
                "200": {
                    "description": "The attempt (CSV: element,value rows of its CMI tree)",
                    "content": {
                        "application/json": {"schema": ref("AttemptDetail")},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                **errors(401, 403, 404),
            },
            scope=SCOPE,
            parameters=[path("id", "Attempt id"), _COMMON[-1]],
        )
    },
    "/reports/time-spent": _report(
        "Time spent per learner and course (SCORM sessions and xAPI durations)",
        "TimeSpentPage",
        [_LEARNER, *_COMMON, query("group", "day: one row per day", {"enum": ["day"]})],
    ),
    "/reports/attempt-counts": _report(
        "Attempts per learner and course", "AttemptCountPage", [_LEARNER, *_COMMON]
    ),
    "/reports/learners/{learner}/courses": _report(
        "A learner's courses",
        "LearnerCoursePage",
        [path("learner", "Learner id"), _status(ENROLLMENT_STATUSES), *_COMMON],
    ),
    "/reports/courses": _report(
        "Course analytics: completion and pass rates, averages",
        "CoursePage",
        [
            *_COMMON,
            query("sort", f"One of: {', '.join(COURSE_SORTS)}", {"enum": list(COURSE_SORTS)}),
            query("order", "asc (default) or desc", {"enum": ["asc", "desc"]}),
        ],
    ),
    "/reports/abandoned-attempts": _report(
        "Attempts left unfinished for longer than `idle`",
        "AbandonedAttemptPage",
        [_LEARNER, *_COMMON, query("idle", "Idle time: a number and s, m, h, d or w (default 24h)")],
    ),
}
