"""Enrollments report: a row per learner and course, from scorm_enrollments."""

from __future__ import annotations

from typing import Any

from lrs.reports.filters import ReportFilters
from lrs.reports.pipelines.common import Stage, page_stage, scope_match

# report field -> stored field (docs/architecture.md, scorm_enrollments)
ENROLLMENT_PROJECTION: dict[str, Any] = {
    "_id": 0,
    "enrollment_id": "$_id",
    "learner": "$learner_id",
    "learner_name": 1,
    "course": "$course_id",
    "course_title": 1,
    "status": 1,
    "attempts": {"$ifNull": ["$attempt_count", 0]},
    "best_score_raw": 1,
    "best_score_scaled": 1,
    "last_score_raw": 1,
    "last_score_scaled": 1,
    "first_access": 1,
    "last_access": 1,
    "completed_at": 1,
}


def enrollments_match(filters: ReportFilters) -> dict[str, Any]:
    """Learner, course, status and last_access range of the enrollments to report."""
    match = scope_match(
        filters, learner_field="learner_id", course_field="course_id", date_field="last_access"
    )
    if filters.statuses:
        match["status"] = {"$in": list(filters.statuses)}
    return match


def enrollments_pipeline(filters: ReportFilters) -> list[Stage]:
    """One page of enrollments (ordered by learner, course) and their total."""
    return [
        {"$match": enrollments_match(filters)},
        {"$sort": {"learner_id": 1, "course_id": 1, "_id": 1}},
        {"$project": ENROLLMENT_PROJECTION},
        page_stage(filters),
    ]
