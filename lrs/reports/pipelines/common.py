"""Stages shared by the report pipelines: date ranges, paging, flattening a group key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lrs.reports.filters import ReportFilters

Stage = dict[str, Any]


def date_range(since: datetime | None, until: datetime | None) -> dict[str, Any] | None:
    """A query condition since <= value < until, or None when neither bound is set."""
    condition: dict[str, Any] = {}
    if since is not None:
        condition["$gte"] = since
    if until is not None:
        condition["$lt"] = until
    return condition or None


def scope_match(
    filters: ReportFilters, *, learner_field: str, course_field: str, date_field: str | None
) -> dict[str, Any]:
    """The $match condition for the learner, course and date range of `filters`."""
    match: dict[str, Any] = {}
    if filters.learner is not None:
        match[learner_field] = filters.learner
    if filters.course is not None:
        match[course_field] = filters.course
    dates = date_range(filters.since, filters.until) if date_field else None
    if dates is not None and date_field is not None:
        match[date_field] = dates
    return match


def page_stage(filters: ReportFilters) -> Stage:
    """One page and the total count in a single $facet ({"items": [...], "total": [{"n": ...}]})."""
    return {
        "$facet": {
            "items": [{"$skip": filters.offset}, {"$limit": filters.limit}],
            "total": [{"$count": "n"}],
        }
    }


def day_of(date_expression: Any) -> dict[str, Any]:
    """The UTC day (YYYY-MM-DD) of a date expression."""
    return {"$dateToString": {"format": "%Y-%m-%d", "date": date_expression}}


def flatten_id(keys: list[str], values: list[str]) -> Stage:
    """A $project lifting the group key's parts to top-level fields next to the accumulated values."""
    projection: dict[str, Any] = {"_id": 0}
    projection.update({key: f"$_id.{key}" for key in keys})
    projection.update({value: 1 for value in values})
    return {"$project": projection}
