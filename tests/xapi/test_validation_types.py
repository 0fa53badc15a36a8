"""Table tests for the primitive checks and the agent helpers of lrs.xapi.validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from lrs.errors import InvalidParameter, InvalidStatement
from lrs.xapi.validation import (
    agent_identifier,
    is_valid_duration,
    is_valid_iri,
    is_valid_language_map,
    is_valid_uuid,
    parse_timestamp,
    validate_agent_param,
)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("fd41c918-b88b-4b20-a0a5-a4c32391aaa0", True, id="lowercase"),
        pytest.param("FD41C918-B88B-4B20-A0A5-A4C32391AAA0", True, id="uppercase"),
        pytest.param("fd41c918-b88b-1b20-00a5-a4c32391aaa0", True, id="any-version-variant"),
        pytest.param("fd41c918b88b4b20a0a5a4c32391aaa0", False, id="no-hyphens"),
        pytest.param("{fd41c918-b88b-4b20-a0a5-a4c32391aaa0}", False, id="braces"),
        pytest.param("fd41c918-b88b-4b20-a0a5-a4c32391aaa", False, id="short"),
        pytest.param("", False, id="empty"),
        pytest.param(1, False, id="number"),
    ],
)
def test_is_valid_uuid(value: Any, valid: bool) -> None:
    assert is_valid_uuid(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("http://example.com/a?b=c#d", True, id="http"),
        pytest.param("urn:uuid:fd41c918-b88b-4b20-a0a5-a4c32391aaa0", True, id="urn"),
        pytest.param("http://例え.jp/パス", True, id="unicode"),
        pytest.param("example.com/a", False, id="no-scheme"),
        pytest.param("http://example.com/a b", False, id="space"),
        pytest.param("http:", False, id="scheme-only"),
        pytest.param("", False, id="empty"),
        pytest.param(None, False, id="null"),
    ],
)
def test_is_valid_iri(value: Any, valid: bool) -> None:
    assert is_valid_iri(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param({"en-US": "x", "zh-Hant-TW": "y", "sgn-BE-FR": "z", "x-private": "p"}, True, id="tags"),
        pytest.param({}, True, id="empty"),
        pytest.param({"en_US": "x"}, False, id="underscore"),
        pytest.param({"a12345678": "x"}, False, id="bad-subtag"),
        pytest.param({"en": 1}, False, id="value-not-string"),
        pytest.param({"en": None}, False, id="value-null"),
        pytest.param(["en"], False, id="not-object"),
    ],
)
def test_is_valid_language_map(value: Any, valid: bool) -> None:
    assert is_valid_language_map(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("PT1H30M", True, id="time"),
        pytest.param("P1Y2M3DT4H5M6.789S", True, id="full"),
        pytest.param("PT0.0012S", True, id="sub-centisecond"),
        pytest.param("P2W", True, id="weeks"),
        pytest.param("P1D", True, id="days"),
        pytest.param("P", False, id="empty-p"),
        pytest.param("PT", False, id="empty-t"),
        pytest.param("P1H", False, id="hours-without-t"),
        pytest.param("P1W2D", False, id="weeks-mixed"),
        pytest.param("1 hour", False, id="text"),
    ],
)
def test_is_valid_duration(value: str, valid: bool) -> None:
    assert is_valid_duration(value) is valid


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), id="z"),
        pytest.param(
            "2024-01-02T03:04:05.123456789Z",
            datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
            id="nanoseconds-truncated",
        ),
        pytest.param(
            "2024-01-02T03:04:05+05:30",
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            id="offset",
        ),
        pytest.param(
            "2024-01-02T03:04:05-0500",
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5))),
            id="offset-no-colon",
        ),
        pytest.param("2024-01-02T03:04:05+00:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), id="plus-zero"),
        pytest.param("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), id="no-offset-is-utc"),
    ],
)
def test_parse_timestamp_accepts(value: str, expected: datetime) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("2024-01-02T03:04:05-00:00", id="minus-zero"),
        pytest.param("2024-01-02 03:04:05Z", id="space-separator"),
        pytest.param("2024-13-02T03:04:05Z", id="month-13"),
        pytest.param("2024-01-02T25:04:05Z", id="hour-25"),
        pytest.param("2024-01-02T03:04:05+24:00", id="offset-24h"),
        pytest.param("2024-01-02", id="date-only"),
        pytest.param("now", id="text"),
    ],
)
def test_parse_timestamp_rejects(value: str) -> None:
    with pytest.raises(InvalidStatement) as caught:
        parse_timestamp(value)
    assert caught.value.field == "timestamp"


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        pytest.param({"mbox": "mailto:a@b.c"}, "mbox:mailto:a@b.c", id="mbox"),
        pytest.param({"mbox_sha1sum": "ab" * 20}, "mbox_sha1sum:" + "ab" * 20, id="sha1"),
        pytest.param({"openid": "http://o.example/1"}, "openid:http://o.example/1", id="openid"),
        pytest.param(
            {"account": {"homePage": "http://e.com", "name": "n"}}, "account:http://e.com n", id="account"
        ),
        pytest.param(
            {"objectType": "Group", "mbox": "mailto:g@b.c", "member": []},
            "mbox:mailto:g@b.c",
            id="identified-group",
        ),
    ],
)
def test_agent_identifier(agent: dict[str, Any], expected: str) -> None:
    assert agent_identifier(agent) == expected


def test_agent_identifier_refuses_anonymous_group() -> None:
    with pytest.raises(InvalidStatement):
        agent_identifier({"objectType": "Group", "member": [{"mbox": "mailto:a@b.c"}]})


@pytest.mark.parametrize(
    "agent",
    [
        pytest.param({"mbox": "mailto:a@b.c"}, id="agent"),
        pytest.param(
            {"objectType": "Agent", "account": {"homePage": "http://e.com", "name": "n"}}, id="account"
        ),
        pytest.param({"objectType": "Group", "openid": "http://o.example/g"}, id="identified-group"),
    ],
)
def test_validate_agent_param_accepts(agent: Any) -> None:
    validate_agent_param(agent)


@pytest.mark.parametrize(
    ("agent", "message"),
    [
        pytest.param("mailto:a@b.c", "JSON object", id="not-object"),
        pytest.param({"name": "x"}, "exactly one", id="no-ifi"),
        pytest.param({"mbox": "mailto:a@b.c", "openid": "http://o.example/1"}, "exactly one", id="two-ifis"),
        pytest.param({"mbox": "a@b.c"}, "mailto", id="bad-mbox"),
        pytest.param(
            {"objectType": "Group", "member": [{"mbox": "mailto:a@b.c"}]}, "identifier", id="anonymous-group"
        ),
        pytest.param({"objectType": "Person", "mbox": "mailto:a@b.c"}, "objectType", id="bad-objecttype"),
    ],
)
def test_validate_agent_param_rejects(agent: Any, message: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        validate_agent_param(agent)
    assert caught.value.field == "agent"
    assert caught.value.status_code == 400
    assert message in caught.value.message
