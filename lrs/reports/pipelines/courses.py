"""Course analytics: learners, completion and pass rates and scores per course (scorm_enrollments);
the completed enrollments that the completion averages are computed over."""

from __future__ import annotations

from typing import Any

from lrs.reports.filters import ReportFilters
from lrs.reports.pipelines.common import Stage, scope_match
from lrs.storage.indexes import SCORM_SESSIONS

COMPLETE_STATUSES = ["completed", "passed"]


def courses_match(filters: ReportFilters) -> dict[str, Any]:
    """Course, learner and first_access range (the cohort) of the enrollments a course row covers."""
    return scope_match(
        filters, learner_field="learner_id", course_field="course_id", date_field="first_access"
    )


def courses_pipeline(filters: ReportFilters) -> list[Stage]:
    """Per course: learners, completed and passed enrollments, average best score (raw and scaled)."""
    return [
        {"$match": courses_match(filters)},
        {
            "$group": {
                "_id": "$course_id",
                "course_title": {"$max": "$course_title"},
                "learners": {"$sum": 1},
                "completed": {"$sum": {"$cond": [{"$in": ["$status", COMPLETE_STATUSES]}, 1, 0]}},
                "passed": {"$sum": {"$cond": [{"$eq": ["$status", "passed"]}, 1, 0]}},
                "failed": {"$sum": {"$cond": [{"$eq": ["$status", "failed"]}, 1, 0]}},
                "in_progress": {"$sum": {"$cond": [{"$eq": ["$status", "in progress"]}, 1, 0]}},
                "not_attempted": {"$sum": {"$cond": [{"$eq": ["$status", "not attempted"]}, 1, 0]}},
                "average_score": {"$avg": "$best_score_raw"},
                "average_score_scaled": {"$avg": "$best_score_scaled"},
            }
        },
        {"$sort": {"_id": 1}},
    ]


def completed_enrollments_pipeline(filters: ReportFilters) -> list[Stage]:
    """The completed (or passed) enrollments of the cohort: id, learner, course, completion date and
    their sessions' start and time, joined in the database ($lookup on the sessions' enrollment_id,
    index reports_sessions_enrollment_started), so no list of the cohort's ids is ever sent."""
    match = courses_match(filters)
    match["completed_at"] = {"$ne": None}
    session = {"at": "$$s.started_at", "s": {"$ifNull": ["$$s.time_s", 0]}}
    return [
        {"$match": match},
        {
            "$lookup": {
                "from": SCORM_SESSIONS,
                "localField": "_id",
                "foreignField": "enrollment_id",
                "as": "sessions",
            }
        },
        {
            "$project": {
                "learner": "$learner_id",
                "course": "$course_id",
                "completed_at": 1,
                "sessions": {"$map": {"input": "$sessions", "as": "s", "in": session}},
            }
        },
    ]
