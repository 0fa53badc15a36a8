"""The columns of each report, in order: the keys of every JSON item and the CSV header."""

from __future__ import annotations

from typing import Any

from lrs.reports.pipelines.attempts import ATTEMPT_PROJECTION

ENROLLMENTS = (
    "enrollment_id",
    "learner",
    "learner_name",
    "course",
    "course_title",
    "status",
    "attempts",
    "best_score_raw",
    "best_score_scaled",
    "last_score_raw",
    "last_score_scaled",
    "first_access",
    "last_access",
    "completed_at",
    "time_spent_s",
    "time_measured",
)
ATTEMPTS = (
    "attempt_id",
    "enrollment_id",
    "learner",
    "learner_name",
    "course",
    "course_title",
    "sco_id",
    "version",
    "number",
    "started_at",
    "last_commit_at",
    "completed_at",
    "completion_status",
    "success_status",
    "score_raw",
    "score_min",
    "score_max",
    "score_scaled",
    "time_s",
    "time_measured",
    "sessions",
    "commit_count",
)
ABANDONED = (*ATTEMPTS, "idle_s")
TIME_SPENT = (
    "learner",
    "course",
    "time_spent_s",
    "scorm_s",
    "measured_s",
    "time_measured",
    "statement_duration_s",
    "video_s",
)
TIME_SPENT_BY_DAY = (*TIME_SPENT[:2], "day", *TIME_SPENT[2:])
ATTEMPT_COUNTS = (
    "learner",
    "learner_name",
    "course",
    "course_title",
    "attempts",
    "completed_attempts",
    "passed_attempts",
    "failed_attempts",
    "first_started_at",
    "last_started_at",
)
LEARNER_COURSES = (
    "course",
    "course_title",
    "status",
    "best_score_raw",
    "best_score_scaled",
    "last_score_raw",
    "attempts",
    "time_spent_s",
    "time_measured",
    "first_access",
    "last_access",
    "completed_at",
)
COURSES = (
    "course",
    "course_title",
    "learners",
    "not_attempted",
    "in_progress",
    "completed",
    "passed",
    "failed",
    "completion_rate",
    "pass_rate",
    "average_score",
    "average_score_scaled",
    "average_attempts",
    "average_time_to_completion_s",
    # time spent in the course (SCORM and other xAPI time) per learner who spent any
    "average_time_s",
    # attempts never completed whose last commit is older than `idle` (default 24h)
    "abandoned_attempts",
)
# the attempt detail: the attempts row plus these, then sessions, cmi, interactions, objectives, comments
ATTEMPT_DETAIL_EXTRA = (
    "sco_title",
    "progress_measure",
    "location",
    "suspend_data",
    "entry",
    "exit",
    "finished",
    "last_sequence",
    "total_time_reported_s",
)
# CSV of the attempt detail: one row per CMI element
CMI = ("element", "value")


def attempt_sources() -> dict[str, Any]:
    """Attempt detail field -> stored field ("$name") for the attempt row and the detail extras."""
    sources: dict[str, Any] = {}
    for name in (*ATTEMPTS, *ATTEMPT_DETAIL_EXTRA):
        source = ATTEMPT_PROJECTION.get(name, 1)
        sources[name] = source if isinstance(source, str) else f"${name}"
    return sources
