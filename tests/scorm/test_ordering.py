"""Duplicates, out-of-order and stale commits, batches, and session time (reported, measured, total_time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_AUDIT, SCORM_SESSIONS, STATEMENTS
from tests.scorm.helpers import ENROLLMENT, attempt_of, commit, find, find_one, post


def test_commit_duplicate_answers_the_same_and_changes_nothing(client: TestClient) -> None:
    post(client, commit("1.2", "s", 0, {"cmi.core.entry": "ab-initio"}, "initialize"))
    body = commit("1.2", "s", 1, {"cmi.core.score.raw": "60", "cmi.core.session_time": "00:10:00"})
    original = post(client, body)
    statements_before = len(find(client, STATEMENTS, {}))
    again = post(client, body)
    assert again == original | {"outcome": "duplicate"}
    assert len(find(client, STATEMENTS, {})) == statements_before
    attempt = find_one(client, SCORM_ATTEMPTS, attempt_of(1))
    assert (attempt["commit_count"], attempt["total_time_s"]) == (2, 600.0)
    following = post(client, commit("1.2", "s", 2, {"cmi.core.lesson_status": "incomplete"}))
    assert following["attempt"]["commit_count"] == 3  # the duplicate was not counted
    assert following["enrollment"]["total_time_s"] == 600.0
    outcomes = [a["outcome"] for a in find(client, SCORM_AUDIT, {"session_id": "s"}, [("received_at", 1)])]
    assert outcomes == ["applied", "applied", "duplicate", "applied"]


def test_commit_out_of_order_keeps_newer_values_and_merges_its_own(client: TestClient) -> None:
    post(client, commit("1.2", "s", 0, {"cmi.core.entry": "ab-initio"}, "initialize"))
    post(
        client,
        commit(
            "1.2",
            "s",
            2,
            {
                "cmi.core.lesson_location": "p3",
                "cmi.core.score.raw": "80",
                "cmi.core.session_time": "00:03:00",
            },
        ),
    )
    late = post(
        client,
        commit(
            "1.2",
            "s",
            1,
            {
                "cmi.core.lesson_location": "p2",
                "cmi.suspend_data": "abc",
                "cmi.core.session_time": "00:02:00",
            },
        ),
    )
    assert late["outcome"] == "applied" and late["changes"] == 1
    assert late["attempt"]["last_sequence"] == 2 and late["enrollment"]["total_time_s"] == 180.0
    attempt = find_one(client, SCORM_ATTEMPTS, attempt_of(1))
    assert (attempt["location"], attempt["suspend_data"], attempt["score_raw"]) == ("p3", "abc", 80.0)
    audit = find(client, SCORM_AUDIT, {"session_id": "s", "sequence": 1})[0]
    assert audit["changes"] == [{"element": "cmi.suspend_data", "old": None, "new": "abc"}]
    resent = post(client, commit("1.2", "s", 0, {"cmi.core.lesson_location": "p1"}))
    assert resent["outcome"] == "duplicate"  # sequence 0 was the initialize: its stored answer, no merge
    post(client, commit("1.2", "s", 9, {"cmi.core.lesson_location": "p9"}))
    older = post(client, commit("1.2", "s", 5, {"cmi.core.lesson_location": "p5"}))
    assert older["outcome"] == "stale" and older["changes"] == 0
    assert find_one(client, SCORM_ATTEMPTS, attempt_of(1))["location"] == "p9"
    assert find(client, SCORM_AUDIT, {"session_id": "s", "sequence": 5})[0]["outcome"] == "stale"


def test_commit_batch_applies_in_sequence_order_with_per_commit_results(client: TestClient) -> None:
    batch = [
        commit("2004", "s", 2, {"cmi.location": "c"}),
        commit("2004", "s", 0, {"cmi.location": "a"}),
        commit("2004", "s", 1, {"cmi.location": "b", "cmi.score.scaled": "7"}),
    ]
    results = post(client, {"commits": batch})
    assert [(r["sequence"], r["status"]) for r in results] == [(2, 200), (0, 200), (1, 422)]
    assert (
        results[2]["error"] == "invalid_commit" and results[2]["problems"][0]["element"] == "cmi.score.scaled"
    )
    assert results[0]["attempt"]["commit_count"] == 2  # applied after sequence 0
    assert find_one(client, SCORM_ATTEMPTS, attempt_of(1))["location"] == "c"


def test_commit_batch_over_the_limit_is_413(client: TestClient) -> None:
    limit = client.app.state.settings.max_commits_per_batch  # type: ignore[attr-defined]
    body = [commit("2004", "s", n, {}) for n in range(limit + 1)]
    assert client.post("/scorm/commits", json=body).status_code == 413
    assert find(client, SCORM_SESSIONS, {}) == []


class Clock:
    """A server clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("lrs.scorm.ingest.now_ms", fake)
    return fake


def test_commit_without_session_time_is_measured_from_commit_times(client: TestClient, clock: Clock) -> None:
    answers = []
    # server receipt offsets in seconds; the 4000 s gap is longer than LRS_IDLE_GAP_SECONDS (1800);
    # no client timestamp: each commit counts at its receipt time
    for sequence, offset in enumerate([0, 60, 120, 4120, 4150]):
        clock.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC) + timedelta(seconds=offset)
        body = commit("1.2", "s", sequence, {"cmi.core.lesson_status": "incomplete"}, timestamp=None)
        answers.append(post(client, body))
    # 60 + 60 + (4000 left out) + 30
    assert answers[-1]["enrollment"]["total_time_s"] == 150.0
    session = find_one(client, SCORM_SESSIONS, "s")
    assert (session["measured_s"], session["time_s"], session["time_source"]) == (150.0, 150.0, "measured")
    assert session["session_time_s"] is None
    # a re-send at a later server time changes nothing
    clock.now += timedelta(seconds=100)
    post(client, commit("1.2", "s", 4, {"cmi.core.lesson_status": "incomplete"}, timestamp=None))
    assert find_one(client, SCORM_SESSIONS, "s")["measured_s"] == 150.0


def test_commit_measured_time_uses_client_timestamp_bounded_by_server_clock(
    client: TestClient, clock: Clock
) -> None:
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    clock.now = start
    post(client, commit("1.2", "q", 0, {"cmi.core.lesson_status": "incomplete"}, timestamp=start.isoformat()))
    # queued offline at +60 s and +300 s, flushed together an hour later: their own times count
    clock.now = start + timedelta(hours=1)
    for sequence, offset in [(1, 60), (2, 300)]:
        at = (start + timedelta(seconds=offset)).isoformat()
        post(client, commit("1.2", "q", sequence, {"cmi.core.lesson_status": "incomplete"}, timestamp=at))
    assert find_one(client, SCORM_SESSIONS, "q")["measured_s"] == 300.0
    # a timestamp in the future counts at the server's time (+3600 s, a 3300 s gap: idle, left out)
    post(client, commit("1.2", "q", 3, {}, timestamp=(start + timedelta(days=2)).isoformat()))
    clock.now = start + timedelta(hours=1, seconds=20)
    post(client, commit("1.2", "q", 4, {}, timestamp=(start + timedelta(days=2)).isoformat()))
    assert find_one(client, SCORM_SESSIONS, "q")["measured_s"] == 320.0
    # a timestamp before the session started counts at the session's start: adds nothing
    post(client, commit("1.2", "q", 5, {}, timestamp=(start - timedelta(days=1)).isoformat()))
    assert find_one(client, SCORM_SESSIONS, "q")["measured_s"] == 320.0


def test_commit_total_time_zero_is_recorded_not_trusted(client: TestClient, clock: Clock) -> None:
    post(client, commit("1.2", "s", 0, {"cmi.core.total_time": "00:00:00"}, "initialize"))
    clock.now += timedelta(seconds=30)
    post(
        client,
        commit("1.2", "s", 1, {"cmi.core.total_time": "00:00:00", "cmi.core.session_time": "00:04:00"}),
    )
    clock.now += timedelta(seconds=30)
    last = post(
        client,
        commit(
            "1.2",
            "s",
            2,
            {"cmi.core.total_time": "00:00:00", "cmi.core.session_time": "00:07:00"},
            "terminate",
        ),
    )
    assert last["enrollment"]["total_time_s"] == 420.0  # the latest session_time, not 0 and not 4 + 7
    attempt = find_one(client, SCORM_ATTEMPTS, attempt_of(1))
    assert (attempt["total_time_reported_s"], attempt["total_time_s"]) == (0.0, 420.0)
    session = find_one(client, SCORM_SESSIONS, "s")
    assert (session["time_source"], session["measured_s"], session["time_s"]) == ("session_time", 60.0, 420.0)
    assert session["enrollment_id"] == ENROLLMENT
