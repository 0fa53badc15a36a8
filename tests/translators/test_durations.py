"""Tests for translators.durations: CMITimespan, ISO 8601 durations and xAPI result.duration."""

import pytest

from translators import format_iso_duration, parse_cmi_timespan, parse_iso_duration, parse_session_time


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("00:00:00", 0.0, id="zero"),
        pytest.param("01:02:03", 3723.0, id="two-digit-hours"),
        pytest.param("0001:02:03.5", 3723.5, id="four-digit-hours-one-decimal"),
        pytest.param("9999:59:59.99", 9999 * 3600 + 59 * 60 + 59.99, id="maximum"),
        pytest.param("00:10:05.25", 605.25, id="two-decimals"),
    ],
)
def test_parse_cmi_timespan_reads_seconds(value: str, seconds: float) -> None:
    assert parse_cmi_timespan(value) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("1:02:03", id="one-digit-hours"),
        pytest.param("00001:02:03", id="five-digit-hours"),
        pytest.param("00:60:00", id="minutes-60"),
        pytest.param("00:00:60", id="seconds-60"),
        pytest.param("00:00:01.123", id="three-decimals"),
        pytest.param("PT1S", id="iso-duration"),
        pytest.param("00:01", id="missing-seconds"),
    ],
)
def test_parse_cmi_timespan_rejects_malformed(value: str) -> None:
    with pytest.raises(ValueError, match="CMITimespan"):
        parse_cmi_timespan(value)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("PT1H2M3.5S", 3723.5, id="hours-minutes-seconds"),
        pytest.param("P1DT2H", 93600.0, id="days-hours"),
        pytest.param("PT0S", 0.0, id="zero"),
        pytest.param("PT0.01S", 0.01, id="centisecond"),
        pytest.param("PT90M", 5400.0, id="minutes-overflow"),
        pytest.param("P1Y", 365 * 86400.0, id="year-as-365-days"),
        pytest.param("P1M", 30 * 86400.0, id="month-as-30-days"),
        pytest.param("P0Y0M0DT0H0M12S", 12.0, id="all-fields"),
    ],
)
def test_parse_iso_duration_reads_seconds(value: str, seconds: float) -> None:
    assert parse_iso_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("P", id="bare-p"),
        pytest.param("PT", id="bare-pt"),
        pytest.param("P1DT", id="dangling-t"),
        pytest.param("PT1.5M", id="fractional-minutes"),
        pytest.param("P1W", id="weeks-not-in-scorm"),
        pytest.param("1H", id="no-p"),
        pytest.param("-PT1S", id="negative"),
        pytest.param("00:00:01", id="timespan"),
        pytest.param("PT1H2H", id="repeated-unit"),
    ],
)
def test_parse_iso_duration_rejects_malformed(value: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_iso_duration(value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(0, "PT0S", id="zero"),
        pytest.param(3723.5, "PT1H2M3.5S", id="hours-minutes-seconds"),
        pytest.param(3600, "PT1H", id="whole-hour"),
        pytest.param(60, "PT1M", id="whole-minute"),
        pytest.param(0.004, "PT0S", id="below-centisecond-rounds-down"),
        pytest.param(59.999, "PT1M", id="rounds-up-into-minute"),
        pytest.param(3.14159, "PT3.14S", id="centiseconds-at-most"),
        pytest.param(86400.1, "PT24H0.1S", id="days-as-hours"),
        pytest.param(0.05, "PT0.05S", id="leading-zero-fraction"),
    ],
)
def test_format_iso_duration_writes_centiseconds(seconds: float, text: str) -> None:
    assert format_iso_duration(seconds) == text


def test_format_iso_duration_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_iso_duration(-1)


@pytest.mark.parametrize("seconds", [0.0, 0.01, 12.5, 3723.5, 86399.99])
def test_format_iso_duration_round_trips_through_parse(seconds: float) -> None:
    assert parse_iso_duration(format_iso_duration(seconds)) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("version", "value", "seconds"),
    [
        pytest.param("1.2", "00:01:30", 90.0, id="1.2-timespan"),
        pytest.param("2004", "PT1M30S", 90.0, id="2004-duration"),
    ],
)
def test_parse_session_time_uses_the_version_format(version: str, value: str, seconds: float) -> None:
    assert parse_session_time(version, value) == seconds  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("version", "value"),
    [
        pytest.param("1.2", "PT1M30S", id="1.2-given-duration"),
        pytest.param("2004", "00:01:30", id="2004-given-timespan"),
    ],
)
def test_parse_session_time_rejects_the_other_format(version: str, value: str) -> None:
    with pytest.raises(ValueError):
        parse_session_time(version, value)  # type: ignore[arg-type]
