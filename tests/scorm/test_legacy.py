"""Legacy rows: every problem of a row reported (column, value, reason); durations in three forms."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from lrs.scorm.legacy import RowLimits, RowProblem, parse_duration, parse_row

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
LIMITS = RowLimits(earliest=date(2000, 1, 1), max_seconds=100 * 365 * 86400, max_attempts=10_000)
GOOD = {"user_id": "u-1", "course_id": "c-1"}


def problems(raw: dict[str, Any]) -> list[tuple[str, str, str]]:
    row, found = parse_row(7, raw, limits=LIMITS, now=NOW)
    assert (row is None) == bool(found)
    assert all(p.line == 7 for p in found)
    return [(p.column, p.value, p.reason) for p in found]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("754", 754.0, id="seconds"),
        pytest.param("754.5", 754.5, id="fractional-seconds"),
        pytest.param("01:30:00", 5400.0, id="hh-mm-ss"),
        pytest.param("1:02:03", 3723.0, id="h-mm-ss"),
        pytest.param("100:00:01.5", 360001.5, id="many-hours"),
        pytest.param("PT1H30M", 5400.0, id="iso-hours-minutes"),
        pytest.param("pt45s", 45.0, id="iso-lowercase"),
        pytest.param("P1DT2H", 93600.0, id="iso-days"),
        pytest.param("PT0.5S", 0.5, id="iso-fraction"),
        pytest.param("P1W", 604800.0, id="iso-weeks"),
        pytest.param("", None, id="empty"),
    ],
)
def test_parse_duration_forms(value: str, seconds: float | None) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param("-5", "cannot be negative", id="negative"),
        pytest.param("1:75:00", "not hh:mm:ss", id="minutes-over-59"),
        pytest.param("12:00", "not hh:mm:ss", id="two-parts"),
        pytest.param("P1Y", "no fixed length", id="years"),
        pytest.param("P2M", "no fixed length", id="months"),
        pytest.param("PT", "not an ISO 8601 duration", id="empty-iso"),
        pytest.param("P1H", "not an ISO 8601 duration", id="hours-without-T"),
        pytest.param("ten minutes", "not seconds, hh:mm:ss or an ISO 8601 duration", id="words"),
        pytest.param("nan", "not seconds, hh:mm:ss or an ISO 8601 duration", id="nan"),
        pytest.param("inf", "not seconds, hh:mm:ss or an ISO 8601 duration", id="inf"),
    ],
)
def test_parse_duration_refuses(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_duration(value)


def test_parse_row_reports_every_problem_of_a_row() -> None:
    raw = {
        "user_id": "",
        "course_id": "c-1",
        "completed": "maybe",
        "last_score": "250",
        "best_score": "abc",
        "total_time_spent": "1:99:00",
        "attempts": "2.5",
        "first_access": "2024-13-01",
        "last_access": "1999-12-31",
        "scorm_version": "1.2",
        "cmi_data": '{"cmi.core.lesson_status": "done"}',
    }
    assert problems(raw) == [
        ("user_id", "", "required"),
        ("completed", "maybe", "not a boolean (true/false, 1/0, yes/no)"),
        ("last_score", "250", "out of range: a score is a percentage from 0 to 100"),
        ("best_score", "abc", "not a number"),
        ("total_time_spent", "1:99:00", "not hh:mm:ss (minutes and seconds 0-59)"),
        ("attempts", "2.5", "not a whole number of attempts (0 or more)"),
        ("first_access", "2024-13-01", "not an ISO 8601 date (like 2024-01-31T09:00:00Z)"),
        ("last_access", "1999-12-31", "out of range: before 2000-01-01 (LRS_IMPORT_EARLIEST_DATE)"),
        ("cmi_data", "done", problems_of_lesson_status()),
    ]


def problems_of_lesson_status() -> str:
    from translators import validate_cmi

    (p,) = validate_cmi("1.2", {"cmi.core.lesson_status": "done"})
    return f"cmi.core.lesson_status: {p.reason}"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param({"best_score": "-1"}, ("best_score", "-1", "out of range"), id="negative-score"),
        pytest.param({"last_score": "100.5"}, ("last_score", "100.5", "out of range"), id="score-over-100"),
        pytest.param(
            {"first_access": "2026-11-03T00:00:00Z"},
            ("first_access", "2026-11-03T00:00:00Z", "out of range: in the future"),
            id="future-date",
        ),
        pytest.param(
            {"first_access": "2024-02-01T00:00:00Z", "last_access": "2024-01-01T00:00:00Z"},
            ("last_access", "2024-01-01T00:00:00Z", "before first_access (2024-02-01T00:00:00Z)"),
            id="last-before-first",
        ),
        pytest.param({"scorm_version": "1.3"}, ("scorm_version", "1.3", "not 1.2 or 2004"), id="version"),
        pytest.param({"cmi_data": "[1]"}, ("cmi_data", "[1]", "not a JSON object"), id="cmi-not-object"),
        pytest.param({"attempts": "-1"}, ("attempts", "-1", "not a whole number"), id="negative-attempts"),
        pytest.param(
            {"attempts": "1e300"}, ("attempts", "1e300", "out of range: more than 10000"), id="attempts"
        ),
        pytest.param(
            {"total_time_spent": "99999999999:00:00"},
            ("total_time_spent", "99999999999:00:00", "out of range: more than 3.1536e+09 s"),
            id="time-too-long",
        ),
        pytest.param(
            {"total_time_spent": "1" * 400},
            ("total_time_spent", "1" * 400, "out of range"),
            id="time-huge-number",
        ),
        pytest.param(
            {"first_access": "0001-01-01T00:00:00+01:00"},
            ("first_access", "0001-01-01T00:00:00+01:00", "not an ISO 8601 date"),
            id="date-before-year-1-in-utc",
        ),
    ],
)
def test_parse_row_checks_ranges(extra: dict[str, str], expected: tuple[str, str, str]) -> None:
    ((column, value, reason),) = problems(GOOD | extra)
    assert (column, value) == expected[:2] and reason.startswith(expected[2])


def test_parse_row_accepts_a_full_row_with_decimal_commas_and_iso_time() -> None:
    row, found = parse_row(
        3,
        GOOD
        | {
            "user_name": "Zoë Ångström",
            "completed": "Yes",
            "last_score": "80,5",
            "best_score": "90",
            "total_time_spent": "PT1H",
            "attempts": "3",
            "first_access": "2024-01-10 09:00:00",
            "last_access": "2024-02-01T10:00:00+01:00",
        },
        limits=LIMITS,
        now=NOW,
    )
    assert found == [] and row is not None
    assert (row.user_name, row.completed, row.last_score, row.best_score) == (
        "Zoë Ångström",
        True,
        80.5,
        90.0,
    )
    assert (row.total_time_s, row.attempts, row.sco_id) == (3600.0, 3, "c-1")
    assert row.first_access == datetime(2024, 1, 10, 9, tzinfo=UTC)
    assert row.last_access == datetime(2024, 2, 1, 9, tzinfo=UTC)


def test_parse_row_takes_json_values_from_json_lines() -> None:
    row, found = parse_row(
        1,
        GOOD
        | {
            "completed": True,
            "last_score": 100,
            "total_time_spent": 3600,
            "cmi_data": {"cmi.core.lesson_location": "p2"},
        },
        limits=LIMITS,
        now=NOW,
    )
    assert found == [] and row is not None
    assert (row.completed, row.last_score, row.total_time_s, row.cmi) == (
        True,
        100.0,
        3600.0,
        {"cmi.core.lesson_location": "p2"},
    )


def test_row_problem_as_dict() -> None:
    assert RowProblem(4, "last_score", "250", "out of range").as_dict() == {
        "line": 4,
        "column": "last_score",
        "value": "250",
        "reason": "out of range",
    }
