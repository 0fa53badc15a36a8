"""Fields derived from a statement at write time that the reports query (docs/architecture.md).

They are computed once, when a statement is stored, so report pipelines never parse strings:
`learner`, `courses`, `duration_s`, `video_session`, `video_played_s` and `occurred` (the
statement's timestamp as a real UTC date, the date time-spent groups by). Nothing here raises: a
value the reports cannot read becomes null and the statement is still stored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from translators.durations import MAX_DURATION_S, parse_iso_duration
from translators.iris import course_id_from_iri

# xAPI video profile (https://w3id.org/xapi/video): context and result extensions.
VIDEO_SESSION_EXTENSION = "https://w3id.org/xapi/video/extensions/session-id"
VIDEO_PLAYED_SEGMENTS_EXTENSION = "https://w3id.org/xapi/video/extensions/played-segments"

_WEEKS = re.compile(r"P(\d+(?:\.\d+)?)W")
_CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")


def report_fields(
    statement: dict[str, Any],
    activity_iri_base: str,
    lms_homepage: str,
    max_duration_s: float = MAX_DURATION_S,
) -> dict[str, Any]:
    """Report query fields of one stored statement (learner, courses, durations, video time)."""
    context = _object(statement.get("context"))
    result = _object(statement.get("result"))
    extensions = _object(context.get("extensions"))
    result_extensions = _object(result.get("extensions"))
    session = extensions.get(VIDEO_SESSION_EXTENSION)
    segments = result_extensions.get(VIDEO_PLAYED_SEGMENTS_EXTENSION)
    duration = result.get("duration")
    return {
        "learner": learner_id(statement.get("actor"), lms_homepage),
        "courses": course_ids(statement, activity_iri_base),
        "duration_s": duration_seconds(duration) if isinstance(duration, str) else None,
        "video_session": session if isinstance(session, str) and session else None,
        "video_played_s": played_seconds(segments, max_duration_s) if isinstance(segments, str) else None,
        "occurred": occurred_at(statement),
    }


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def learner_id(actor: Any, lms_homepage: str) -> str | None:
    """The LMS user id for an account under the LMS home page, else the agent's identifier string."""
    if not isinstance(actor, dict):
        return None
    account = actor.get("account")
    if isinstance(account, dict):
        home, name = account.get("homePage"), account.get("name")
        if not isinstance(home, str) or not isinstance(name, str):
            return None
        if home.rstrip("/") == lms_homepage.rstrip("/"):
            return name
        return f"account:{home} {name}"
    for key in ("mbox", "mbox_sha1sum", "openid"):
        value = actor.get(key)
        if isinstance(value, str):
            return f"{key}:{value}"
    return None


def related_activity_ids(statement: dict[str, Any]) -> list[str]:
    """Ids of the object activity, every context activity, and those of a sub-statement."""
    ids: list[str] = []
    obj = statement.get("object")
    if isinstance(obj, dict):
        if obj.get("objectType", "Activity") == "Activity" and isinstance(obj.get("id"), str):
            ids.append(obj["id"])
        elif obj.get("objectType") == "SubStatement":
            ids.extend(related_activity_ids(obj))
    context = statement.get("context")
    activities = context.get("contextActivities") if isinstance(context, dict) else None
    if isinstance(activities, dict):
        for kind in _CONTEXT_ACTIVITY_KINDS:
            value = activities.get(kind)
            for activity in value if isinstance(value, list) else [value]:
                if isinstance(activity, dict) and isinstance(activity.get("id"), str):
                    ids.append(activity["id"])
    return ids


def course_ids(statement: dict[str, Any], activity_iri_base: str) -> list[str]:
    """Course ids of every related activity IRI under {activity_iri_base}/courses/, unquoted, once each."""
    found: list[str] = []
    for iri in related_activity_ids(statement):
        course = course_id_from_iri(activity_iri_base, iri)
        if course is not None and course not in found:
            found.append(course)
    return found


def duration_seconds(value: str) -> float | None:
    """Seconds in an xAPI result.duration (ISO 8601, weeks allowed); None when unreadable."""
    weeks = _WEEKS.fullmatch(value)
    if weeks:
        return float(weeks.group(1)) * 7 * 86400
    try:
        return parse_iso_duration(value)
    except ValueError:
        return None


def played_seconds(segments: str, max_s: float = MAX_DURATION_S) -> float | None:
    """Seconds covered by the union of video played-segments ("0[.]5.5[,]10[.]20"); None when unreadable
    (a bound that is not a number from 0 to max_s)."""
    if not segments:
        return 0.0
    spans: list[tuple[float, float]] = []
    for part in segments.split("[,]"):
        start, sep, end = part.partition("[.]")
        try:
            a, b = float(start), float(end)
        except ValueError:
            return None
        if not sep or not (0 <= a <= max_s and 0 <= b <= max_s):
            return None
        spans.append((min(a, b), max(a, b)))
    spans.sort()
    covered, reach = 0.0, float("-inf")
    for a, b in spans:
        if b <= reach:
            continue
        covered += b - max(a, reach)
        reach = b
    return round(covered, 3)


def occurred_at(statement: dict[str, Any]) -> datetime | None:
    """The statement's timestamp (else stored) as a UTC date with ms precision; None when absent."""
    for key in ("timestamp", "stored"):
        value = statement.get(key)
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.replace("z", "Z"))
            except ValueError:
                continue
        else:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed = parsed.astimezone(UTC)
        return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)
    return None
