"""report_fields: the query fields every stored statement carries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lrs.reports.derived import (
    VIDEO_PLAYED_SEGMENTS_EXTENSION,
    VIDEO_SESSION_EXTENSION,
    played_seconds,
    report_fields,
)

BASE = "https://lms.example.com/xapi"
HOME = "https://lms.example.com"


def make(**parts: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "actor": {"account": {"homePage": HOME, "name": "u42"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://example.org/elsewhere"},
        "timestamp": "2026-01-02T03:04:05.678+01:00",
    }
    statement.update(parts)
    return statement


@pytest.mark.parametrize(
    ("actor", "learner"),
    [
        pytest.param({"account": {"homePage": HOME, "name": "u42"}}, "u42", id="lms-account"),
        pytest.param({"account": {"homePage": HOME + "/", "name": "u42"}}, "u42", id="lms-account-slash"),
        pytest.param(
            {"account": {"homePage": "https://x.org", "name": "u"}},
            "account:https://x.org u",
            id="other-account",
        ),
        pytest.param({"mbox": "mailto:a@b.org"}, "mbox:mailto:a@b.org", id="mbox"),
        pytest.param({"mbox_sha1sum": "ab12"}, "mbox_sha1sum:ab12", id="sha1"),
        pytest.param({"openid": "https://id.org/a"}, "openid:https://id.org/a", id="openid"),
        pytest.param({"objectType": "Group", "member": []}, None, id="anonymous-group"),
    ],
)
def test_report_fields_learner(actor: dict[str, Any], learner: str | None) -> None:
    assert report_fields(make(actor=actor), BASE, HOME)["learner"] == learner


def test_report_fields_courses_from_every_related_activity() -> None:
    statement = make(
        object={
            "objectType": "SubStatement",
            "actor": {"mbox": "mailto:a@b.org"},
            "verb": {"id": "v"},
            "object": {"id": f"{BASE}/courses/sub%20course"},
        },
        context={
            "contextActivities": {
                "parent": [{"id": f"{BASE}/courses/c%2F1/scos/s1"}],
                "grouping": [{"id": f"{BASE}/courses/c%2F1"}, {"id": f"{BASE}/courses/c2/attempts/a1"}],
                "category": {"id": "https://w3id.org/xapi/scorm"},  # a single object is accepted too
                "other": [{"id": "https://lms.example.com/xapi/coursesX/no"}],
            }
        },
    )
    assert report_fields(statement, BASE, HOME)["courses"] == ["sub course", "c/1", "c2"]


def test_report_fields_object_agent_is_no_course() -> None:
    statement = make(object={"objectType": "Agent", "mbox": "mailto:x@y.org"})
    assert report_fields(statement, BASE, HOME)["courses"] == []


@pytest.mark.parametrize(
    ("result", "duration"),
    [
        pytest.param({"duration": "PT1H2M3.5S"}, 3723.5, id="iso"),
        pytest.param({"duration": "P1W"}, 604800.0, id="weeks"),
        pytest.param({"duration": "P1DT1S"}, 86401.0, id="days"),
        pytest.param({"duration": "soon"}, None, id="unreadable"),
        pytest.param({}, None, id="absent"),
    ],
)
def test_report_fields_duration(result: dict[str, Any], duration: float | None) -> None:
    assert report_fields(make(result=result), BASE, HOME)["duration_s"] == duration


@pytest.mark.parametrize(
    ("segments", "seconds"),
    [
        pytest.param("0[.]5.5[,]10[.]20", 15.5, id="two"),
        pytest.param("0[.]10[,]5[.]15", 15.0, id="overlap"),
        pytest.param("10[.]20[,]0[.]30", 30.0, id="inside"),
        pytest.param("5[.]5", 0.0, id="empty-span"),
        pytest.param("", 0.0, id="none-played"),
        pytest.param("0[.]x", None, id="malformed"),
        pytest.param("0[.]5[,]7", None, id="missing-end"),
    ],
)
def test_played_seconds_is_the_union_of_segments(segments: str, seconds: float | None) -> None:
    assert played_seconds(segments) == seconds


def test_report_fields_video_session_and_played_segments() -> None:
    statement = make(
        context={"extensions": {VIDEO_SESSION_EXTENSION: "vs-1"}},
        result={"extensions": {VIDEO_PLAYED_SEGMENTS_EXTENSION: "0[.]5.5[,]10[.]20"}, "duration": "PT30S"},
    )
    fields = report_fields(statement, BASE, HOME)
    assert (fields["video_session"], fields["video_played_s"], fields["duration_s"]) == ("vs-1", 15.5, 30.0)


def test_report_fields_without_video_are_null() -> None:
    fields = report_fields(make(), BASE, HOME)
    assert (fields["video_session"], fields["video_played_s"], fields["duration_s"]) == (None, None, None)


def test_report_fields_occurred_is_the_utc_timestamp_in_ms() -> None:
    assert report_fields(make(), BASE, HOME)["occurred"] == datetime(2026, 1, 2, 2, 4, 5, 678000, tzinfo=UTC)
    no_timestamp = make(stored="2026-01-05T00:00:00Z")
    del no_timestamp["timestamp"]
    assert report_fields(no_timestamp, BASE, HOME)["occurred"] == datetime(2026, 1, 5, tzinfo=UTC)
