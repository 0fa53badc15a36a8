"""lrs.bounds: the one JSON reader of request bodies, and the bounded integer and date parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from lrs.bounds import INT64_MAX, INT64_MIN, load_json, parse_bounded_int, to_utc
from lrs.errors import InvalidJson, InvalidParameter


def nested(depth: int) -> str:
    """A JSON text whose outermost array is level 1 and whose innermost is level `depth`."""
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        pytest.param(nested(65), "[0]" * 64, "deeper than 64", id="one-level-too-deep"),
        pytest.param(nested(5000), "body", "deeper than 64", id="deeper-than-python-recursion"),
        pytest.param('{"a": 1, "b": 2, "a": 3}', "a", "duplicate key 'a'", id="duplicate-key"),
        pytest.param('[{"x": {"k\\u0000": 1}}]', "k\x00", "NUL", id="nul-in-key"),
        pytest.param('{"n": 1e400}', "n", "not finite", id="float-overflow"),
        pytest.param('{"n": [-1e999]}', "n[0]", "not finite", id="negative-float-overflow"),
        pytest.param('{"n": NaN}', "body", "NaN is not a JSON number", id="nan"),
        pytest.param('{"n": Infinity}', "body", "Infinity is not a JSON number", id="infinity"),
        pytest.param(f'{{"n": {2**63}}}', "n", "outside the 64-bit range", id="int64-max-plus-one"),
        pytest.param(f'{{"n": {-(2**63) - 1}}}', "n", "outside the 64-bit range", id="int64-min-minus-one"),
        pytest.param('{"n": ' + "9" * 5000 + "}", "n", "5000 digits", id="thousands-of-digits"),
        pytest.param('{"s": "\\ud800"}', "s", "lone UTF-16 surrogate", id="lone-surrogate-value"),
        pytest.param('{"\\udfff": 1}', "body", "lone UTF-16 surrogate", id="lone-surrogate-key"),
        pytest.param('{"a": ', "body", "not valid JSON", id="truncated"),
    ],
)
def test_load_json_refuses_out_of_bounds_naming_where(text: str, field: str, reason: str) -> None:
    with pytest.raises(InvalidJson) as caught:
        load_json(text.encode(), max_depth=64)
    assert caught.value.status_code == 400
    assert caught.value.field == field
    assert reason in caught.value.message


def test_load_json_refuses_bytes_that_are_not_utf8() -> None:
    with pytest.raises(InvalidJson, match="not UTF-8"):
        load_json(b'{"a": "\xff"}', max_depth=64)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(INT64_MAX, id="int64-max"),
        pytest.param(INT64_MIN, id="int64-min"),
        pytest.param(1.7976931348623157e308, id="largest-float"),
        pytest.param({"k": "\U0001f600 é \u0000 in a value"}, id="unicode-and-nul-in-value"),
        pytest.param("a string", id="scalar-root"),
    ],
)
def test_load_json_accepts_extreme_but_valid_values(value: Any) -> None:
    import json

    assert load_json(json.dumps(value).encode(), max_depth=64) == value


def test_load_json_accepts_exactly_the_maximum_depth() -> None:
    assert load_json(nested(64).encode(), max_depth=64) is not None
    with pytest.raises(InvalidJson):
        load_json(nested(11).encode(), max_depth=10)


def test_load_json_skips_a_byte_order_mark() -> None:
    assert load_json("\ufeff[1]".encode(), max_depth=2) == [1]


@pytest.mark.parametrize(
    "value",
    ["9" * 5000, "-1", "1.5", "", "٣", "²", str(INT64_MAX + 1)],
)
def test_parse_bounded_int_refuses_non_integers_and_huge_values(value: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_bounded_int(value, "limit", 0, INT64_MAX)
    assert caught.value.field == "limit"
    assert len(caught.value.message) < 200


def test_parse_bounded_int_accepts_the_range() -> None:
    assert parse_bounded_int("0", "limit", 0, 10) == 0
    assert parse_bounded_int(str(INT64_MAX), "limit", 0, INT64_MAX) == INT64_MAX


@pytest.mark.parametrize(
    "when",
    [
        pytest.param(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), id="year-1-east-of-utc"),
        pytest.param(
            datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-1))), id="year-9999-west"
        ),
    ],
)
def test_to_utc_refuses_dates_outside_the_range_once_in_utc(when: datetime) -> None:
    with pytest.raises(InvalidParameter) as caught:
        to_utc(when, "from")
    assert caught.value.field == "from"


def test_to_utc_takes_naive_dates_as_utc() -> None:
    assert to_utc(datetime(2026, 1, 1), "from") == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("depth", [1, 91])
def test_settings_refuse_a_json_depth_mongodb_could_not_store(depth: int) -> None:
    from pydantic import ValidationError

    from tests.support import make_settings

    with pytest.raises(ValidationError):
        make_settings(max_json_depth=depth)
