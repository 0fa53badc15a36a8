"""Pure query building: parameters -> StatementQuery -> filters, sort and more tokens."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from lrs.errors import InvalidParameter
from lrs.signing import Signer
from lrs.xapi.query import (
    StatementQuery,
    decode_more,
    encode_more,
    match_filter,
    parse_query,
    sort_order,
    time_filter,
)

AGENT = json.dumps({"mbox": "mailto:a@example.com"})


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, {}, id="nothing"),
        pytest.param({"agent": AGENT}, {"agent": "mbox:mailto:a@example.com"}, id="agent"),
        pytest.param(
            {"agent": AGENT, "related_agents": "true"},
            {"related_agents": "mbox:mailto:a@example.com"},
            id="related-agents",
        ),
        pytest.param({"verb": "http://v"}, {"verb": "http://v"}, id="verb"),
        pytest.param({"activity": "http://a"}, {"activity": "http://a"}, id="activity"),
        pytest.param(
            {"activity": "http://a", "related_activities": "TRUE"},
            {"related_activities": "http://a"},
            id="related-activities",
        ),
        pytest.param(
            {"registration": "6F3B1A0E-3D1C-4E7E-9A3B-2B8F0A4C1D2E"},
            {"registration": "6f3b1a0e-3d1c-4e7e-9a3b-2b8f0a4c1d2e"},
            id="registration-lowercased",
        ),
    ],
)
def test_match_filter_builds_conditions(params: dict[str, str], expected: dict[str, Any]) -> None:
    assert match_filter(parse_query(params, 100)) == expected


def test_time_filter_since_exclusive_until_inclusive() -> None:
    q = parse_query({"since": "2024-01-01T00:00:00Z", "until": "2024-01-02T00:00:00+01:00"}, 100)
    assert time_filter(q) == {
        "stored": {"$gt": datetime(2024, 1, 1, tzinfo=UTC), "$lte": datetime(2024, 1, 1, 23, tzinfo=UTC)}
    }


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        pytest.param(None, 100, id="absent-is-page-size"),
        pytest.param("0", 100, id="zero-is-page-size"),
        pytest.param("5", 5, id="given"),
        pytest.param("5000", 100, id="capped"),
    ],
)
def test_parse_query_limit(limit: str | None, expected: int) -> None:
    assert parse_query({"limit": limit} if limit else {}, 100).limit == expected


def test_sort_order_descending_unless_ascending() -> None:
    assert sort_order(parse_query({}, 10)) == [("stored", -1), ("_id", -1)]
    assert sort_order(parse_query({"ascending": "true"}, 10)) == [("stored", 1), ("_id", 1)]


SIGNER = Signer("test-signing-key")
LAST_ID = "6f3b1a0e-3d1c-4e7e-9a3b-2b8f0a4c1d2e"


def test_more_token_round_trips_query_and_keyset() -> None:
    q = parse_query({"verb": "http://v", "limit": "2", "ascending": "true"}, 100)
    last = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
    again = decode_more(SIGNER, encode_more(SIGNER, q, last, LAST_ID), 100)
    assert again.verb == "http://v" and again.limit == 2 and again.ascending
    assert time_filter(again) == {
        "$or": [{"stored": {"$gt": last}}, {"stored": last, "_id": {"$gt": LAST_ID}}]
    }


def test_more_cannot_be_combined() -> None:
    token = encode_more(SIGNER, StatementQuery(limit=1), datetime(2024, 1, 1, tzinfo=UTC), LAST_ID)
    with pytest.raises(InvalidParameter):
        parse_query({"more": token, "verb": "http://v"}, 10, SIGNER)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"foo": "1"}, id="unknown"),
        pytest.param(
            {"statementId": "6f3b1a0e-3d1c-4e7e-9a3b-2b8f0a4c1d2e", "limit": "1"}, id="id-with-limit"
        ),
        pytest.param({"registration": "nope"}, id="bad-registration"),
        pytest.param({"verb": "not an iri"}, id="bad-verb"),
        pytest.param({"until": "2024-13-01"}, id="bad-until"),
        pytest.param({"agent": "[]"}, id="agent-not-object"),
    ],
)
def test_parse_query_refuses(params: dict[str, str]) -> None:
    with pytest.raises(InvalidParameter):
        parse_query(params, 10)


def test_parse_query_statement_id_allows_format_and_attachments() -> None:
    q = parse_query(
        {"statementId": "6F3B1A0E-3D1C-4E7E-9A3B-2B8F0A4C1D2E", "format": "ids", "attachments": "true"}, 10
    )
    assert q.single and q.statement_id == "6f3b1a0e-3d1c-4e7e-9a3b-2b8f0a4c1d2e" and q.attachments
