"""Context checks: registration, instructor, team, contextActivities, contextAgents/Groups (Data 2.4.6)."""

from __future__ import annotations

from typing import Any

from lrs.xapi.validation.activities import check_activity
from lrs.xapi.validation.agents import check_actor, check_agent, check_group
from lrs.xapi.validation.primitives import (
    Path,
    check_extensions,
    check_iri,
    check_keys,
    check_string,
    check_uuid,
    fail,
    is_valid_language_tag,
    require_array,
    require_object,
)

CONTEXT_KEYS = (
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
)
CONTEXT_KEYS_2 = (*CONTEXT_KEYS, "contextAgents", "contextGroups")
CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")

# property sets for check_keys (frozensets: one subset test when every property is known)
_REF_KEYS = frozenset(("objectType", "id"))
_CONTEXT_KEYS = frozenset(CONTEXT_KEYS)
_CONTEXT_KEYS_2 = frozenset(CONTEXT_KEYS_2)
_CONTEXT_ACTIVITY_KEYS = frozenset(CONTEXT_ACTIVITY_KEYS)


def check_statement_ref(value: Any, path: Path) -> None:
    """A StatementRef: objectType "StatementRef" and a UUID id (Data 2.4.4.3)."""
    ref = require_object(value, path, "a StatementRef")
    if ref.get("objectType") != "StatementRef":
        fail((path, "objectType"), 'a StatementRef must have objectType "StatementRef"')
    check_keys(ref, _REF_KEYS, path, "a StatementRef")
    if "id" not in ref:
        fail((path, "id"), "a StatementRef requires 'id'")
    check_uuid(ref["id"], (path, "id"))


def check_context(value: Any, path: Path, version: str, *, object_is_activity: bool) -> None:
    """A Context (Data 2.4.6); contextAgents/contextGroups only in 2.0 (9274.1.1 Data 2.2.2.5)."""
    context = require_object(value, path, "a context")
    check_keys(context, _CONTEXT_KEYS_2 if version.startswith("2.") else _CONTEXT_KEYS, path, "a context")
    if "registration" in context:
        check_uuid(context["registration"], (path, "registration"))
    if "instructor" in context:
        check_actor(context["instructor"], (path, "instructor"))
    if "team" in context:
        team = context["team"]
        if not isinstance(team, dict) or team.get("objectType") != "Group":
            fail((path, "team"), 'context team must be a Group (objectType "Group")')
        check_group(team, (path, "team"))
    if "contextActivities" in context:
        check_context_activities(context["contextActivities"], (path, "contextActivities"))
    for key in ("revision", "platform"):
        if key in context:
            check_string(context[key], (path, key))
            if not object_is_activity:
                fail((path, key), f"context {key!r} is only allowed when the object is an Activity")
    if "language" in context and not is_valid_language_tag(context["language"]):
        fail((path, "language"), f"{context['language']!r} is not an RFC 5646 language tag")
    if "statement" in context:
        check_statement_ref(context["statement"], (path, "statement"))
    if "extensions" in context:
        check_extensions(context["extensions"], (path, "extensions"))
    if "contextAgents" in context:
        check_context_actors(context["contextAgents"], (path, "contextAgents"), "contextAgent", "agent")
    if "contextGroups" in context:
        check_context_actors(context["contextGroups"], (path, "contextGroups"), "contextGroup", "group")


def check_context_activities(value: Any, path: Path) -> None:
    """contextActivities: parent/grouping/category/other, each an Activity or an array of them."""
    activities = require_object(value, path, "contextActivities")
    check_keys(activities, _CONTEXT_ACTIVITY_KEYS, path, "contextActivities")
    for key, item in activities.items():
        if isinstance(item, list):
            for i, activity in enumerate(item):
                check_activity(activity, ((path, key), i))
        else:
            check_activity(item, (path, key))


def check_context_actors(value: Any, path: Path, object_type: str, member: str) -> None:
    """contextAgents / contextGroups: arrays of {objectType, agent|group, relevantTypes?} (2.0.0)."""
    for i, item in enumerate(require_array(value, path, f"{object_type}s")):
        item_path = (path, i)
        entry = require_object(item, item_path, f"a {object_type}")
        check_keys(entry, ("objectType", member, "relevantTypes"), item_path, f"a {object_type}")
        if entry.get("objectType") != object_type:
            fail((item_path, "objectType"), f"objectType must be {object_type!r}")
        if member not in entry:
            fail((item_path, member), f"a {object_type} requires {member!r}")
        if member == "agent":
            check_agent(entry["agent"], (item_path, "agent"))
        else:
            check_group(entry["group"], (item_path, "group"))
        if "relevantTypes" in entry:
            types_path = (item_path, "relevantTypes")
            for j, iri in enumerate(
                require_array(entry["relevantTypes"], types_path, "relevantTypes", non_empty=True)
            ):
                check_iri(iri, (types_path, j))
