"""parse_filters: query parameters to ReportFilters, or a 400 naming the parameter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lrs.errors import InvalidParameter
from lrs.reports.filters import ENROLLMENT_STATUSES, parse_filters


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"status": "done"}, "status", id="unknown-status"),
        pytest.param({"status": "passed,done"}, "status", id="one-unknown-status"),
        pytest.param({"from": "2026-13-01"}, "from", id="bad-month"),
        pytest.param({"to": "yesterday"}, "to", id="not-a-date"),
        pytest.param({"from": "2026-01-05", "to": "2026-01-04"}, "to", id="to-before-from"),
        pytest.param({"limit": "0"}, "limit", id="limit-zero"),
        pytest.param({"limit": "10001"}, "limit", id="limit-too-big"),
        pytest.param({"offset": "-1"}, "offset", id="negative-offset"),
        pytest.param({"group": "week"}, "group", id="group"),
        pytest.param({"sort": "fun"}, "sort", id="sort"),
        pytest.param({"order": "up"}, "order", id="order"),
        pytest.param({"idle": "24"}, "idle", id="idle-no-unit"),
        pytest.param({"idle": "0h"}, "idle", id="idle-zero"),
        pytest.param({"format": "xml"}, "format", id="format"),
        pytest.param({"learner": " "}, "learner", id="empty-learner"),
    ],
)
def test_parse_filters_rejects_naming_the_parameter(params: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_filters(params, statuses=ENROLLMENT_STATUSES)
    assert raised.value.field == field
    assert raised.value.status_code == 400


def test_parse_filters_status_on_a_report_without_status_is_rejected() -> None:
    with pytest.raises(InvalidParameter, match="status is not a filter"):
        parse_filters({"status": "passed"})


@pytest.mark.parametrize(
    ("params", "since", "until"),
    [
        pytest.param(
            {"from": "2026-01-02", "to": "2026-01-03"},
            datetime(2026, 1, 2, tzinfo=UTC),
            datetime(2026, 1, 4, tzinfo=UTC),
            id="dates-to-inclusive",
        ),
        pytest.param(
            {"from": "2026-01-02T10:00:00+02:00"}, datetime(2026, 1, 2, 8, tzinfo=UTC), None, id="offset"
        ),
        pytest.param(
            {"from": "2026-01-02T10:00:00 02:00"},
            datetime(2026, 1, 2, 8, tzinfo=UTC),
            None,
            id="plus-decoded-as-space",
        ),
        pytest.param(
            {"to": "2026-01-02T10:00:00"}, None, datetime(2026, 1, 2, 10, tzinfo=UTC), id="naive-utc"
        ),
        pytest.param({"to": "2026-01-02T10:00:00Z"}, None, datetime(2026, 1, 2, 10, tzinfo=UTC), id="z"),
    ],
)
def test_parse_filters_dates(params: dict[str, str], since: datetime | None, until: datetime | None) -> None:
    f = parse_filters(params)
    assert (f.since, f.until) == (since, until)


@pytest.mark.parametrize(
    ("idle", "seconds"),
    [
        pytest.param("30m", 1800, id="m"),
        pytest.param("24h", 86400, id="h"),
        pytest.param("7d", 604800, id="d"),
        pytest.param("1.5h", 5400, id="fraction"),
        pytest.param("45s", 45, id="s"),
    ],
)
def test_parse_filters_idle(idle: str, seconds: float) -> None:
    assert parse_filters({"idle": idle}).idle_s == seconds


@pytest.mark.parametrize(
    ("params", "accept", "csv"),
    [
        pytest.param({}, "application/json", False, id="json"),
        pytest.param({}, "text/csv", True, id="accept-csv"),
        pytest.param({"format": "csv"}, "application/json", True, id="format-csv"),
        pytest.param({"format": "json"}, "text/csv", False, id="format-wins"),
    ],
)
def test_parse_filters_csv(params: dict[str, str], accept: str, csv: bool) -> None:
    assert parse_filters(params, accept).csv is csv


def test_parse_filters_defaults() -> None:
    f = parse_filters({"status": "passed,failed"}, statuses=ENROLLMENT_STATUSES)
    assert (f.statuses, f.limit, f.offset, f.sort, f.descending, f.idle_s) == (
        ("passed", "failed"),
        100,
        0,
        "course",
        False,
        86400,
    )
