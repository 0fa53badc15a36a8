"""The pipeline builders as data: what they match first, and that they use only the stages and
operators that behave the same on mongomock and MongoDB (shared/STORAGE-NOTES.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from lrs.reports.filters import ReportFilters
from lrs.reports.pipelines.attempts import (
    abandoned_attempts_pipeline,
    abandoned_counts_pipeline,
    attempt_counts_pipeline,
    attempt_time_pipeline,
    attempts_pipeline,
    completing_attempts_pipeline,
)
from lrs.reports.pipelines.courses import completed_enrollments_pipeline, courses_pipeline
from lrs.reports.pipelines.enrollments import enrollments_pipeline
from lrs.reports.pipelines.time_spent import (
    scorm_time_pipeline,
    statement_time_pipeline,
    statement_units_pipeline,
)

JAN1 = datetime(2026, 1, 1, tzinfo=UTC)
JAN2 = datetime(2026, 1, 2, tzinfo=UTC)
FULL = ReportFilters(learner="u1", course="c1", statuses=("passed",), since=JAN1, until=JAN2, group="day")

# shared/STORAGE-NOTES.md, "Aggregation: what behaves the same"
STAGES = {
    "$match",
    "$group",
    "$project",
    "$addFields",
    "$set",
    "$unwind",
    "$sort",
    "$limit",
    "$skip",
    "$count",
    "$lookup",
    "$facet",
    "$bucket",
    "$replaceRoot",
    "$sample",
}
OPERATORS = {
    "$sum",
    "$avg",
    "$min",
    "$max",
    "$first",
    "$last",
    "$push",
    "$addToSet",
    "$cond",
    "$ifNull",
    "$switch",
    "$let",
    "$map",
    "$filter",
    "$regexMatch",
    "$toString",
    "$toInt",
    "$concat",
    "$split",
    "$size",
    "$in",
    "$arrayElemAt",
    "$slice",
    "$concatArrays",
    "$setUnion",
    "$isArray",
    "$eq",
    "$ne",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$and",
    "$or",
    "$not",
    "$year",
    "$month",
    "$dayOfMonth",
    "$hour",
    "$dayOfWeek",
    "$dateFromParts",
    "$dateToString",
    "$subtract",
    "$add",
    "$multiply",
    "$divide",
    "$mod",
    "$abs",
    "$ceil",
    "$floor",
    "$trunc",
    # query operators inside $match
    "$exists",
    "$nin",
}

STATEMENT_SCOPE = {
    "courses": {"$in": ["c1"]},
    "learner": {"$in": ["u1"]},
    "occurred": {"$gte": JAN1, "$lt": JAN2},
}

PIPELINES: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "enrollments": lambda: enrollments_pipeline(FULL),
    "attempts": lambda: attempts_pipeline(FULL),
    "abandoned": lambda: abandoned_attempts_pipeline(FULL, JAN2),
    "abandoned-counts": lambda: abandoned_counts_pipeline(FULL, JAN2),
    "attempt-counts": lambda: attempt_counts_pipeline(FULL),
    "attempt-time": lambda: attempt_time_pipeline(["a1"]),
    "completing-attempts": lambda: completing_attempts_pipeline(FULL),
    "courses": lambda: courses_pipeline(FULL),
    "completed-enrollments": lambda: completed_enrollments_pipeline(FULL),
    "scorm-time": lambda: scorm_time_pipeline(FULL),
    "statement-time": lambda: statement_time_pipeline(FULL),
    "statement-units": lambda: statement_units_pipeline(FULL),
}


def operators(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key.startswith("$"):
                found.add(key)
            found |= operators(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= operators(inner)
    return found


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in PIPELINES])
def test_pipeline_uses_only_portable_stages_and_operators(name: str) -> None:
    pipeline = PIPELINES[name]()
    assert {next(iter(stage)) for stage in pipeline} <= STAGES
    assert operators(pipeline) - STAGES <= OPERATORS
    assert next(iter(pipeline[0])) == "$match", "every report matches (on indexed fields) first"


@pytest.mark.parametrize(
    ("name", "match"),
    [
        pytest.param(
            "enrollments",
            {
                "learner_id": "u1",
                "course_id": "c1",
                "status": {"$in": ["passed"]},
                "last_access": {"$gte": JAN1, "$lt": JAN2},
            },
            id="enrollments",
        ),
        pytest.param(
            "attempts",
            {
                "learner_id": "u1",
                "course_id": "c1",
                "started_at": {"$gte": JAN1, "$lt": JAN2},
                "$or": [{"completion_status": {"$in": ["passed"]}}, {"success_status": {"$in": ["passed"]}}],
            },
            id="attempts",
        ),
        pytest.param(
            "abandoned",
            {
                "learner_id": "u1",
                "course_id": "c1",
                "started_at": {"$gte": JAN1, "$lt": JAN2},
                "completed_at": None,
                "last_commit_at": {"$lt": JAN2},
            },
            id="abandoned",
        ),
        pytest.param(
            "scorm-time",
            {
                "learner_id": {"$in": ["u1"]},
                "course_id": {"$in": ["c1"]},
                "started_at": {"$gte": JAN1, "$lt": JAN2},
            },
            id="scorm-time",
        ),
        pytest.param(
            "statement-time",
            {
                "$or": [
                    {"duration_s": {"$gt": 0}, **STATEMENT_SCOPE},
                    {"video_played_s": {"$gt": 0}, **STATEMENT_SCOPE},
                ],
                "source": {"$exists": False},
                "voided": {"$ne": True},
            },
            id="statement-time",
        ),
        pytest.param(
            "courses",
            {"learner_id": "u1", "course_id": "c1", "first_access": {"$gte": JAN1, "$lt": JAN2}},
            id="courses",
        ),
    ],
)
def test_pipeline_first_match(name: str, match: dict[str, Any]) -> None:
    assert PIPELINES[name]()[0] == {"$match": match}


def test_statement_time_without_filters_still_matches_only_statements_with_time() -> None:
    match = statement_time_pipeline(ReportFilters())[0]["$match"]
    assert match == {
        "$or": [{"duration_s": {"$gt": 0}}, {"video_played_s": {"$gt": 0}}],
        "source": {"$exists": False},
        "voided": {"$ne": True},
    }


def test_statement_time_restricted_to_lists_keeps_the_filter_value_only() -> None:
    pipeline = statement_time_pipeline(ReportFilters(course="c2"), learners=["a", "b"], courses=["c1", "c2"])
    for branch in pipeline[0]["$match"]["$or"]:
        assert branch["courses"] == {"$in": ["c2"]}
        assert branch["learner"] == {"$in": ["a", "b"]}
    # after $unwind, a statement about c1 and c2 only counts for c2
    assert {"$match": {"courses": {"$in": ["c2"]}}} in pipeline


def test_statement_time_groups_video_by_session_with_max_then_sums() -> None:
    pipeline = statement_time_pipeline(ReportFilters())
    unit, total = (stage["$group"] for stage in pipeline if "$group" in stage)
    assert unit["_id"] == {"learner": "$learner", "course": "$courses", "unit": "$unit"}
    assert unit["video_s"] == {"$max": "$video_s"} and unit["duration_s"] == {"$sum": "$duration_s"}
    assert total["video_s"] == {"$sum": "$video_s"}
    assert "day" not in total["_id"]


@pytest.mark.parametrize(
    ("builder", "key"),
    [
        pytest.param(scorm_time_pipeline, "$started_at", id="scorm"),
        pytest.param(statement_time_pipeline, "$first_at", id="statements"),
    ],
)
def test_time_pipelines_group_by_utc_day(builder: Callable[..., Any], key: str) -> None:
    group = [s["$group"] for s in builder(ReportFilters(group="day")) if "$group" in s][-1]
    assert group["_id"]["day"] == {"$dateToString": {"format": "%Y-%m-%d", "date": key}}


def test_paged_pipelines_end_with_one_facet_of_items_and_total() -> None:
    f = ReportFilters(limit=5, offset=10)
    for pipeline in (enrollments_pipeline(f), attempts_pipeline(f), attempt_counts_pipeline(f)):
        assert pipeline[-1] == {
            "$facet": {"items": [{"$skip": 10}, {"$limit": 5}], "total": [{"$count": "n"}]}
        }


def test_abandoned_counts_pipeline_counts_the_abandoned_match_per_course() -> None:
    pipeline = abandoned_counts_pipeline(FULL, JAN2)
    assert pipeline[0] == abandoned_attempts_pipeline(FULL, JAN2)[0]
    assert pipeline[0]["$match"]["completed_at"] is None
    assert pipeline[0]["$match"]["last_commit_at"] == {"$lt": JAN2}
    assert pipeline[1] == {"$group": {"_id": "$course_id", "abandoned": {"$sum": 1}}}
