"""Attempt reports from scorm_attempts: attempts, attempt counts, abandoned attempts; and the
per-attempt session time from scorm_sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lrs.reports.filters import ReportFilters
from lrs.reports.pipelines.common import Stage, flatten_id, page_stage, scope_match

# report field -> stored field (docs/architecture.md, scorm_attempts); the CMI tree stays out
ATTEMPT_PROJECTION: dict[str, Any] = {
    "_id": 0,
    "attempt_id": "$_id",
    "enrollment_id": 1,
    "learner": "$learner_id",
    "learner_name": 1,
    "course": "$course_id",
    "course_title": 1,
    "sco_id": 1,
    "version": 1,
    "number": 1,
    "started_at": 1,
    "last_commit_at": 1,
    "completed_at": 1,
    "completion_status": 1,
    "success_status": 1,
    "score_raw": 1,
    "score_min": 1,
    "score_max": 1,
    "score_scaled": 1,
    "commit_count": 1,
    "finished": 1,
    "exit": 1,
}
ATTEMPT_SORT = {"learner_id": 1, "course_id": 1, "number": 1, "_id": 1}


def attempts_match(filters: ReportFilters) -> dict[str, Any]:
    """Learner, course, status (completion or success) and started_at range of the attempts."""
    match = scope_match(
        filters, learner_field="learner_id", course_field="course_id", date_field="started_at"
    )
    if filters.statuses:
        wanted = list(filters.statuses)
        match["$or"] = [{"completion_status": {"$in": wanted}}, {"success_status": {"$in": wanted}}]
    return match


def attempts_pipeline(filters: ReportFilters) -> list[Stage]:
    """One page of attempts (by learner, course, number) and their total."""
    return [
        {"$match": attempts_match(filters)},
        {"$sort": ATTEMPT_SORT},
        {"$project": ATTEMPT_PROJECTION},
        page_stage(filters),
    ]


def abandoned_attempts_pipeline(filters: ReportFilters, idle_before: datetime) -> list[Stage]:
    """Attempts never completed (nor passed) whose last commit is older than `idle_before`, oldest first."""
    match = scope_match(
        filters, learner_field="learner_id", course_field="course_id", date_field="started_at"
    )
    match["completed_at"] = None
    match["last_commit_at"] = {"$lt": idle_before}
    return [
        {"$match": match},
        {"$sort": {"last_commit_at": 1, "_id": 1}},
        {"$project": ATTEMPT_PROJECTION},
        page_stage(filters),
    ]


def abandoned_counts_pipeline(filters: ReportFilters, idle_before: datetime) -> list[Stage]:
    """Abandoned attempts (as in abandoned_attempts_pipeline) counted per course."""
    return [
        abandoned_attempts_pipeline(filters, idle_before)[0],
        {"$group": {"_id": "$course_id", "abandoned": {"$sum": 1}}},
    ]


def attempt_counts_pipeline(filters: ReportFilters) -> list[Stage]:
    """Attempts per learner and course (with how many were completed, passed, failed) and their total."""
    match = scope_match(
        filters, learner_field="learner_id", course_field="course_id", date_field="started_at"
    )
    return [
        {"$match": match},
        {
            "$group": {
                "_id": {"learner": "$learner_id", "course": "$course_id"},
                "learner_name": {"$max": "$learner_name"},
                "course_title": {"$max": "$course_title"},
                "attempts": {"$sum": 1},
                "completed_attempts": {"$sum": {"$cond": [{"$ne": ["$completed_at", None]}, 1, 0]}},
                "passed_attempts": {"$sum": {"$cond": [{"$eq": ["$success_status", "passed"]}, 1, 0]}},
                "failed_attempts": {"$sum": {"$cond": [{"$eq": ["$success_status", "failed"]}, 1, 0]}},
                "first_started_at": {"$min": "$started_at"},
                "last_started_at": {"$max": "$started_at"},
            }
        },
        {"$sort": {"_id.learner": 1, "_id.course": 1}},
        flatten_id(
            ["learner", "course"],
            [
                "learner_name",
                "course_title",
                "attempts",
                "completed_attempts",
                "passed_attempts",
                "failed_attempts",
                "first_started_at",
                "last_started_at",
            ],
        ),
        page_stage(filters),
    ]


def attempt_time_pipeline(attempt_ids: list[str]) -> list[Stage]:
    """SCORM time per attempt (sum of its sessions' time_s; how much of it was measured)."""
    return [
        {"$match": {"attempt_id": {"$in": attempt_ids}}},
        {
            "$group": {
                "_id": "$attempt_id",
                "time_s": {"$sum": {"$ifNull": ["$time_s", 0]}},
                "measured_s": {"$sum": _measured("$time_s")},
                "sessions": {"$sum": 1},
            }
        },
    ]


def completing_attempts_pipeline(filters: ReportFilters) -> list[Stage]:
    """Per enrollment, the number of the first attempt that completed it: passed, or completed and not
    failed (the enrollment status rule; a SCORM 1.2 "failed" attempt is completed but completes nothing)."""
    match = scope_match(filters, learner_field="learner_id", course_field="course_id", date_field=None)
    match["completed_at"] = {"$ne": None}
    match["$or"] = [
        {"success_status": "passed"},
        {"completion_status": "completed", "success_status": {"$ne": "failed"}},
    ]
    return [
        {"$match": match},
        {"$group": {"_id": "$enrollment_id", "number": {"$min": "$number"}}},
    ]


def _measured(value: str) -> dict[str, Any]:
    return {"$cond": [{"$eq": ["$time_source", "measured"]}, {"$ifNull": [value, 0]}, 0]}
