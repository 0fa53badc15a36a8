"""The change feed: GET /reports/changes?after=<cursor>."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.reports.changes import Position, changes_filter
from tests.scorm.helpers import commit

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
UNTIL = T0 + timedelta(hours=1)


@pytest.mark.parametrize(
    ("source", "after", "expected"),
    [
        pytest.param("attempt", None, {"last_commit_at": {"$lt": UNTIL}}, id="from-the-start"),
        pytest.param(
            "attempt",
            Position(T0, "enrollment", "e1"),
            {"last_commit_at": {"$gt": T0, "$lt": UNTIL}},
            id="type-before-cursor-type",
        ),
        pytest.param(
            "enrollment",
            Position(T0, "attempt", "a1"),
            {"last_commit_at": {"$gte": T0, "$lt": UNTIL}},
            id="type-after-cursor-type",
        ),
        pytest.param(
            "attempt",
            Position(T0, "attempt", "a1"),
            {
                "$or": [
                    {"last_commit_at": {"$gt": T0, "$lt": UNTIL}},
                    {"last_commit_at": T0, "_id": {"$gt": "a1"}},
                ]
            },
            id="same-type-keyset",
        ),
    ],
)
def test_changes_filter_is_a_keyset_after_the_cursor(
    source: str, after: Position | None, expected: dict[str, Any]
) -> None:
    assert changes_filter(source, "last_commit_at", after, UNTIL) == expected


def post_at(client: TestClient, monkeypatch: pytest.MonkeyPatch, at: datetime, body: dict[str, Any]) -> None:
    monkeypatch.setattr("lrs.scorm.ingest.now_ms", lambda: at)
    assert client.post("/scorm/commits", json=body).status_code == 200


def learner_commit(learner: str, session: str, sequence: int, status: str) -> dict[str, Any]:
    return commit("1.2", session, sequence, {"cmi.core.lesson_status": status}) | {
        "learner": {"id": learner, "name": learner.title()}
    }


def test_changes_pages_in_order_and_resume_from_the_cursor(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_at(client, monkeypatch, T0, learner_commit("ann", "s1", 0, "incomplete"))
    post_at(client, monkeypatch, T0 + timedelta(minutes=1), learner_commit("bob", "s2", 0, "incomplete"))
    first = client.get("/reports/changes", params={"limit": 3}).json()
    assert [(i["type"], i["learner"]) for i in first["items"]] == [
        ("attempt", "ann"),
        ("enrollment", "ann"),
        ("attempt", "bob"),
    ]
    assert first["more"] is True
    second = client.get("/reports/changes", params={"after": first["next"], "limit": 3}).json()
    assert [(i["type"], i["learner"]) for i in second["items"]] == [("enrollment", "bob")]
    empty = client.get("/reports/changes", params={"after": second["next"]}).json()
    assert empty == {"items": [], "next": second["next"], "more": False}
    post_at(client, monkeypatch, T0 + timedelta(minutes=5), learner_commit("ann", "s1", 1, "completed"))
    later = client.get("/reports/changes", params={"after": second["next"]}).json()["items"]
    assert [(i["type"], i["learner"], i.get("status")) for i in later] == [
        ("attempt", "ann", None),
        ("enrollment", "ann", "completed"),
    ]
    assert later[0]["completion_status"] == "completed"


def test_changes_hold_back_the_youngest_changes(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    post_at(client, monkeypatch, datetime.now(UTC), learner_commit("ann", "s1", 0, "incomplete"))
    assert client.get("/reports/changes").json()["items"] == []


@pytest.mark.parametrize("after", ["garbage", "v1.e30.AAAA"])
def test_changes_bad_cursor_is_400(client: TestClient, after: str) -> None:
    response = client.get("/reports/changes", params={"after": after})
    assert response.status_code == 400 and response.json()["field"] == "after"
