"""Fields derived from a statement at write time that the reports query (placeholder until built)."""

from __future__ import annotations

from typing import Any


def report_fields(statement: dict[str, Any], activity_iri_base: str, lms_homepage: str) -> dict[str, Any]:
    """Report query fields of one stored statement (learner, courses, durations)."""
    return {}
