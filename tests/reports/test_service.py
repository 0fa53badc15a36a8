"""The reports on a hand-made store (tests/reports/seed.py): every figure worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.errors import NotFound
from lrs.reports import service
from lrs.reports.filters import ReportFilters, parse_filters
from tests.reports.seed import at, seed
from tests.support import Store


@pytest.fixture(scope="module")
def seeded(module_store: Store) -> Store:
    """The hand-made store of tests/reports/seed.py, seeded once for the module (read-only tests)."""
    module_store.run(seed(module_store.db))
    return module_store


def rows(page: service.Page, *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(item[k] for k in keys) for item in page.items]


def test_time_spent_sums_scorm_sessions_durations_and_video_once(seeded: Store) -> None:
    page = seeded.run(service.time_spent_report(seeded.db, ReportFilters()))
    assert rows(
        page,
        "learner",
        "course",
        "time_spent_s",
        "scorm_s",
        "statement_duration_s",
        "video_s",
        "time_measured",
    ) == [
        ("alice", "c1", 4080.0, 3900.0, 120.0, 60.0, False),  # s1 2400 + s2 1500; d1 120; vs1 max 60
        ("alice", "c2", 600.0, 600.0, 0.0, 0.0, False),  # s6
        ("alice", "c9", 77.0, 0.0, 77.0, 0.0, False),  # x3
        ("bob", "c1", 1900.0, 1800.0, 100.0, 0.0, False),  # s3 + d2
        ("bob", "c2", 100.0, 0.0, 100.0, 0.0, False),  # d2 counts for its second course too
        ("carol", "c1", 2700.5, 2650.5, 50.0, 0.0, True),  # s4 2350.5 (measured) + s5 300; d3 50
        ("dan", "c2", 200.0, 0.0, 0.0, 200.0, False),  # vs2
    ]
    assert page.total == 7
    assert page.items[5]["measured_s"] == 2350.5


def test_time_spent_by_day_puts_a_video_session_on_its_first_day(seeded: Store) -> None:
    page = seeded.run(service.time_spent_report(seeded.db, parse_filters({"group": "day"})))
    assert rows(page, "learner", "course", "day", "time_spent_s") == [
        ("alice", "c1", "2026-01-01", 2400.0),
        ("alice", "c1", "2026-01-02", 60.0),  # vs1 spans midnight; counted once, on its first day
        ("alice", "c1", "2026-01-03", 1500.0),
        ("alice", "c1", "2026-01-04", 120.0),
        ("alice", "c2", "2026-01-04", 600.0),
        ("alice", "c9", "2026-01-03", 77.0),
        ("bob", "c1", "2026-01-02", 1900.0),
        ("bob", "c2", "2026-01-02", 100.0),
        ("carol", "c1", "2026-01-05", 2400.5),
        ("carol", "c1", "2026-01-06", 300.0),
        ("dan", "c2", "2026-01-07", 200.0),
    ]
    assert page.columns[:3] == ("learner", "course", "day")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(
            {"course": "c2"},
            [("alice", "c2", 600.0), ("bob", "c2", 100.0), ("dan", "c2", 200.0)],
            id="course",
        ),
        pytest.param({"learner": "carol"}, [("carol", "c1", 2700.5)], id="learner"),
        pytest.param(
            {"learner": "alice", "from": "2026-01-03", "to": "2026-01-03"},
            [("alice", "c1", 1560.0), ("alice", "c9", 77.0)],
            id="one-day-s2-and-v3",
        ),
        pytest.param({"learner": "nobody"}, [], id="learner-without-data"),
    ],
)
def test_time_spent_filters(seeded: Store, params: dict[str, str], expected: list[Any]) -> None:
    page = seeded.run(service.time_spent_report(seeded.db, parse_filters(params)))
    assert rows(page, "learner", "course", "time_spent_s") == expected


def test_enrollments_rows_carry_status_scores_dates_and_time(seeded: Store) -> None:
    page = seeded.run(service.enrollments_report(seeded.db, ReportFilters()))
    assert rows(
        page, "learner", "course", "status", "attempts", "best_score_raw", "time_spent_s", "time_measured"
    ) == [
        ("alice", "c1", "passed", 2, 90, 4080.0, False),
        ("alice", "c2", "in progress", 1, None, 600.0, False),
        ("bob", "c1", "failed", 1, 40, 1900.0, False),
        ("carol", "c1", "completed", 1, None, 2700.5, True),
    ]
    first = page.items[0]
    assert (first["first_access"], first["last_access"], first["completed_at"]) == (
        at(1, 9),
        at(3, 10, 30),
        at(3, 10, 20),
    )
    assert first["enrollment_id"] == "e-alice-c1" and first["course_title"] == "Safety"
    assert page.total == 4


@pytest.mark.parametrize(
    ("params", "expected", "total"),
    [
        pytest.param({"status": "passed"}, [("alice", "c1")], 1, id="status"),
        pytest.param({"status": "passed,failed"}, [("alice", "c1"), ("bob", "c1")], 2, id="statuses"),
        pytest.param({"from": "2026-01-04"}, [("alice", "c2"), ("carol", "c1")], 2, id="last-access-from"),
        pytest.param({"course": "c1", "limit": "1", "offset": "1"}, [("bob", "c1")], 3, id="page"),
        pytest.param({"offset": "10"}, [], 4, id="past-the-end"),
    ],
)
def test_enrollments_filters_and_pages(
    seeded: Store, params: dict[str, str], expected: list[Any], total: int
) -> None:
    page = seeded.run(
        service.enrollments_report(seeded.db, parse_filters(params, statuses=service_statuses()))
    )
    assert rows(page, "learner", "course") == expected
    assert page.total == total


def service_statuses() -> tuple[str, ...]:
    from lrs.reports.filters import ENROLLMENT_STATUSES

    return ENROLLMENT_STATUSES


def test_attempts_rows_with_session_time(seeded: Store) -> None:
    page = seeded.run(service.attempts_report(seeded.db, ReportFilters()))
    assert rows(
        page,
        "attempt_id",
        "number",
        "completion_status",
        "success_status",
        "score_raw",
        "time_s",
        "time_measured",
        "sessions",
        "commit_count",
    ) == [
        ("a-alice-c1-1", 1, "completed", "failed", 50, 2400.0, False, 1, 4),
        ("a-alice-c1-2", 2, "completed", "passed", 90, 1500.0, False, 1, 3),
        ("a-alice-c2-1", 1, "incomplete", "unknown", None, 600.0, False, 1, 1),
        ("a-bob-c1-1", 1, "incomplete", "failed", 40, 1800.0, False, 1, 2),
        ("a-carol-c1-1", 1, "completed", "unknown", None, 2650.5, True, 2, 5),
    ]
    assert page.items[1]["completed_at"] == at(3, 10, 20)
    assert page.items[1]["started_at"] == at(3, 10)
    assert page.items[1]["last_commit_at"] == at(3, 10, 30)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param("passed", ["a-alice-c1-2"], id="success"),
        pytest.param("failed", ["a-alice-c1-1", "a-bob-c1-1"], id="failed"),
        pytest.param("completed", ["a-alice-c1-1", "a-alice-c1-2", "a-carol-c1-1"], id="completion"),
    ],
)
def test_attempts_status_matches_completion_or_success(
    seeded: Store, status: str, expected: list[str]
) -> None:
    from lrs.reports.filters import ATTEMPT_STATUSES

    page = seeded.run(
        service.attempts_report(seeded.db, parse_filters({"status": status}, statuses=ATTEMPT_STATUSES))
    )
    assert [item["attempt_id"] for item in page.items] == expected


def test_attempt_detail_decodes_the_cmi_tree(seeded: Store) -> None:
    detail = seeded.run(service.attempt_detail(seeded.db, "a-carol-c1-1"))
    assert detail["cmi"] == {
        "cmi.core.lesson_status": "completed",
        "cmi.interactions.9.id": "q10",
        "cmi.interactions.10.id": "q11",
    }
    assert list(detail["cmi"]) == [
        "cmi.core.lesson_status",
        "cmi.interactions.9.id",
        "cmi.interactions.10.id",
    ]
    # interactions, objectives and comments are read from the tree (stored once)
    assert [(i["id"], i["index"]) for i in detail["interactions"]] == [("q10", 9), ("q11", 10)]
    assert detail["objectives"] == [] and detail["comments"] == []
    assert [(s["session_id"], s["time_s"], s["time_source"]) for s in detail["sessions"]] == [
        ("s4", 2350.5, "measured"),
        ("s5", 300, "session_time"),
    ]
    assert detail["time_s"] == 2650.5 and detail["time_measured"] is True


def test_attempt_detail_of_unknown_attempt_is_not_found(seeded: Store) -> None:
    with pytest.raises(NotFound, match="nope"):
        seeded.run(service.attempt_detail(seeded.db, "nope"))


def test_attempt_counts_per_learner_and_course(seeded: Store) -> None:
    page = seeded.run(service.attempt_counts_report(seeded.db, ReportFilters()))
    assert rows(
        page,
        "learner",
        "course",
        "attempts",
        "completed_attempts",
        "passed_attempts",
        "failed_attempts",
        "first_started_at",
        "last_started_at",
    ) == [
        ("alice", "c1", 2, 2, 1, 1, at(1, 9), at(3, 10)),
        ("alice", "c2", 1, 0, 0, 0, at(4, 7), at(4, 7)),
        ("bob", "c1", 1, 0, 0, 1, at(2, 8), at(2, 8)),
        ("carol", "c1", 1, 1, 0, 0, at(5, 12), at(5, 12)),
    ]


def test_courses_analytics(seeded: Store) -> None:
    page = seeded.run(service.courses_report(seeded.db, ReportFilters()))
    c1, c2 = page.items
    # c1: alice passed (2nd attempt), bob failed, carol completed (1st attempt)
    assert c1 == {
        "course": "c1",
        "course_title": "Safety",
        "learners": 3,
        "not_attempted": 0,
        "in_progress": 0,
        "completed": 2,
        "passed": 1,
        "failed": 1,
        "completion_rate": 0.6667,
        "pass_rate": 0.3333,
        "average_score": 65.0,
        "average_score_scaled": 0.65,  # best scores 90 and 40; carol has none
        "average_attempts": 1.5,  # (2 + 1) / 2
        # alice: s1 2400 + s2 1500 (started before 01-03 10:20) + vs1 60 = 3960 (d1 is after);
        # carol: s4 2350.5 + d3 50 = 2400.5 (s5 started after completion); mean 3180.25
        "average_time_to_completion_s": 3180.25,
        "average_time_s": 2893.5,  # (alice 4080 + bob 1900 + carol 2700.5) / 3
        "abandoned_attempts": 1,  # bob's incomplete attempt, idle since January
    }
    assert c2 == {
        "course": "c2",
        "course_title": "Fire",
        "learners": 1,
        "not_attempted": 0,
        "in_progress": 1,
        "completed": 0,
        "passed": 0,
        "failed": 0,
        "completion_rate": 0.0,
        "pass_rate": 0.0,
        "average_score": None,
        "average_score_scaled": None,
        "average_attempts": None,
        "average_time_to_completion_s": None,
        "average_time_s": 300.0,  # (alice 600 + bob's d2 100 + dan's video 200) / 3
        "abandoned_attempts": 1,  # alice's incomplete attempt
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"sort": "completion_rate"}, ["c2", "c1"], id="completion-asc"),
        pytest.param({"sort": "completion_rate", "order": "desc"}, ["c1", "c2"], id="completion-desc"),
        pytest.param({"sort": "average_score", "order": "asc"}, ["c1", "c2"], id="nulls-last-asc"),
        pytest.param({"sort": "average_score", "order": "desc"}, ["c1", "c2"], id="nulls-last-desc"),
        pytest.param({"sort": "learners", "order": "desc"}, ["c1", "c2"], id="learners"),
        pytest.param({"course": "c2"}, ["c2"], id="one-course"),
    ],
)
def test_courses_sort(seeded: Store, params: dict[str, str], expected: list[str]) -> None:
    page = seeded.run(service.courses_report(seeded.db, parse_filters(params)))
    assert [item["course"] for item in page.items] == expected


@pytest.mark.parametrize(
    ("idle", "expected"),
    [
        pytest.param("24h", ["a-bob-c1-1", "a-alice-c2-1"], id="24h"),
        pytest.param("3d", ["a-bob-c1-1"], id="3d"),
        pytest.param("7d", [], id="7d"),
    ],
)
def test_abandoned_attempts(seeded: Store, idle: str, expected: list[str]) -> None:
    now = at(6, 10)
    page = seeded.run(service.abandoned_attempts_report(seeded.db, parse_filters({"idle": idle}), now))
    assert [item["attempt_id"] for item in page.items] == expected
    if expected:
        assert page.items[0]["idle_s"] == 4 * 86400 + 90 * 60  # 01-06 10:00 - 01-02 08:30 (bob)


def test_learner_courses_include_courses_with_only_xapi_time(seeded: Store) -> None:
    from lrs.reports.filters import ENROLLMENT_STATUSES

    alice = seeded.run(
        service.learner_courses_report(
            seeded.db, parse_filters({}, statuses=ENROLLMENT_STATUSES, learner="alice")
        )
    )
    assert rows(alice, "course", "status", "best_score_raw", "attempts", "time_spent_s", "completed_at") == [
        ("c1", "passed", 90, 2, 4080.0, at(3, 10, 20)),
        ("c2", "in progress", None, 1, 600.0, None),
        ("c9", "not attempted", None, 0, 77.0, None),
    ]
    dan = seeded.run(service.learner_courses_report(seeded.db, parse_filters({}, learner="dan")))
    assert rows(dan, "course", "status", "time_spent_s", "last_access") == [
        ("c2", "not attempted", 200.0, at(7, 10))
    ]


def test_reports_on_an_empty_store_are_empty(store: Store) -> None:
    empty = store.db
    for report in (
        service.enrollments_report,
        service.attempts_report,
        service.time_spent_report,
        service.attempt_counts_report,
        service.courses_report,
        service.abandoned_attempts_report,
        service.learner_courses_report,
    ):
        page = store.run(
            report(
                empty,
                ReportFilters(learner="x") if report is service.learner_courses_report else ReportFilters(),
            )
        )
        assert (page.items, page.total) == ([], 0), report.__name__


def test_courses_report_sends_no_list_of_the_cohort(seeded: Store) -> None:
    """Sessions are joined by $lookup and statement time read by the report's own scope: no command
    carries a list that grows with the cohort (every $in holds at most the filter's one value)."""
    sent: list[Any] = []

    class Spy:
        kind = seeded.db.kind

        def collection(self, name: str) -> Any:
            inner = seeded.db.collection(name)

            class Collection:
                async def aggregate(self, pipeline: Any) -> Any:
                    sent.append(pipeline)
                    return await inner.aggregate(pipeline)

            return Collection()

    page = seeded.run(service.courses_report(Spy(), ReportFilters()))  # type: ignore[arg-type]
    assert page.items[0]["average_time_to_completion_s"] == 3180.25
    lists = [v for p in sent for v in _in_lists(p)]
    assert sent and all(len(v) <= 1 for v in lists)


def _in_lists(value: Any) -> list[list[Any]]:
    if isinstance(value, dict):
        wanted = value.get("$in")
        # the query form {"$in": [values]}, not the expression form {"$in": ["$field", [values]]}
        is_query = isinstance(wanted, list) and not (wanted and str(wanted[0]).startswith("$"))
        found = [wanted] if is_query else []
        return found + [v for inner in value.values() for v in _in_lists(inner)]
    if isinstance(value, list):
        return [v for inner in value for v in _in_lists(inner)]
    return []
