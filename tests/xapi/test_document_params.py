"""Parameter parsing of the document resources (pure): required/optional per method, formats."""

from __future__ import annotations

import json

import pytest

from lrs.errors import InvalidParameter
from lrs.xapi.document_params import parse_document_query, parse_preconditions
from lrs.xapi.documents import AGENT_PROFILE, STATE

AGENT = json.dumps({"mbox": "mailto:a@example.com"})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(None, None, id="absent"),
        pytest.param("*", ("*",), id="star"),
        pytest.param('"a", "b"', ('"a"', '"b"'), id="list"),
        pytest.param('W/"a"', ('"a"',), id="weak"),
        pytest.param("abc", ('"abc"',), id="unquoted"),
    ],
)
def test_parse_preconditions_etag_lists(header: str | None, expected: tuple[str, ...] | None) -> None:
    assert parse_preconditions(header, None).if_match == expected
    assert parse_preconditions(None, header).if_none_match == expected


def test_parse_document_query_state_builds_set_with_lowercase_registration() -> None:
    q = parse_document_query(
        STATE,
        "HEAD",
        [
            ("activityId", "http://a"),
            ("agent", AGENT),
            ("registration", "EC531277-B57B-4C15-8D91-D292C5B2B8F7"),
        ],
    )
    assert q.doc_id is None and q.since is None
    assert q.docs.filter() == {
        "kind": STATE,
        "activity_id": "http://a",
        "agent": "mbox:mailto:a@example.com",
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
    }


def test_parse_document_query_agent_profile_has_no_activity() -> None:
    q = parse_document_query(
        AGENT_PROFILE, "GET", [("agent", AGENT), ("profileId", "p"), ("since", "2024-01-01T00:00:00+02:00")]
    )
    assert q.docs.activity_id is None and q.doc_id == "p" and q.since is not None
    assert q.since.utcoffset() is not None


@pytest.mark.parametrize(
    ("kind", "method", "items", "field"),
    [
        pytest.param(
            STATE,
            "DELETE",
            [("activityId", "a"), ("agent", AGENT), ("since", "2024-01-01T00:00:00Z")],
            "since",
            id="since-not-on-delete",
        ),
        pytest.param(
            STATE,
            "GET",
            [("activityId", "a"), ("activityId", "b"), ("agent", AGENT)],
            "activityId",
            id="repeated",
        ),
        pytest.param(AGENT_PROFILE, "POST", [("agent", AGENT)], "profileId", id="post-needs-profileId"),
        pytest.param(AGENT_PROFILE, "GET", [("agent", "[]")], "agent", id="agent-array"),
    ],
)
def test_parse_document_query_refuses(
    kind: str, method: str, items: list[tuple[str, str]], field: str
) -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_document_query(kind, method, items)
    assert caught.value.field == field
