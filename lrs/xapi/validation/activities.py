"""Activity checks: id, definition, interaction components (xAPI Data 2.4.4.1)."""

from __future__ import annotations

from typing import Any

from lrs.xapi.validation.primitives import (
    Path,
    check_extensions,
    check_iri,
    check_keys,
    check_language_map,
    check_string,
    fail,
    require_array,
    require_object,
)

INTERACTION_TYPES = frozenset(
    (
        "true-false",
        "choice",
        "fill-in",
        "long-fill-in",
        "matching",
        "performance",
        "sequencing",
        "likert",
        "numeric",
        "other",
    )
)
# Which interaction-component lists each interaction type may carry (Data 2.4.4.1.1 table).
COMPONENT_LISTS: dict[str, frozenset[str]] = {
    "choice": frozenset({"choices"}),
    "sequencing": frozenset({"choices"}),
    "likert": frozenset({"scale"}),
    "matching": frozenset({"source", "target"}),
    "performance": frozenset({"steps"}),
}
ALL_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
DEFINITION_KEYS = (
    "name",
    "description",
    "type",
    "moreInfo",
    "extensions",
    "interactionType",
    "correctResponsesPattern",
    *ALL_COMPONENT_LISTS,
)

# property sets for check_keys (frozensets: one subset test when every property is known)
_ACTIVITY_KEYS = frozenset(("objectType", "id", "definition"))
_DEFINITION_KEYS = frozenset(DEFINITION_KEYS)
_COMPONENT_KEYS = frozenset(("id", "description"))


def check_activity(value: Any, path: Path) -> None:
    """An Activity: objectType "Activity" (optional), id IRI, optional definition."""
    activity = require_object(value, path, "an Activity")
    if "objectType" in activity and activity["objectType"] != "Activity":
        fail(
            (path, "objectType"),
            f'an Activity\'s objectType must be "Activity", got {activity["objectType"]!r}',
        )
    check_keys(activity, _ACTIVITY_KEYS, path, "an Activity")
    if "id" not in activity:
        fail((path, "id"), "an Activity requires 'id'")
    check_iri(activity["id"], (path, "id"))
    if "definition" in activity:
        check_definition(activity["definition"], (path, "definition"))


def check_definition(value: Any, path: Path) -> None:
    """An Activity Definition and its interaction properties (Data 2.4.4.1, 2.4.4.1.1)."""
    definition = require_object(value, path, "an Activity definition")
    check_keys(definition, _DEFINITION_KEYS, path, "an Activity definition")
    for key in ("name", "description"):
        if key in definition:
            check_language_map(definition[key], (path, key))
    for key in ("type", "moreInfo"):
        if key in definition:
            check_iri(definition[key], (path, key))
    if "extensions" in definition:
        check_extensions(definition["extensions"], (path, "extensions"))
    interaction = definition.get("interactionType")
    if "interactionType" in definition and (
        not isinstance(interaction, str) or interaction not in INTERACTION_TYPES
    ):
        fail(
            (path, "interactionType"),
            f"{interaction!r} is not one of {', '.join(sorted(INTERACTION_TYPES))}",
        )
    if "correctResponsesPattern" in definition:
        pattern_path = (path, "correctResponsesPattern")
        if interaction is None:
            fail(pattern_path, "correctResponsesPattern requires an interactionType")
        patterns = require_array(
            definition["correctResponsesPattern"], pattern_path, "correctResponsesPattern"
        )
        for i, item in enumerate(patterns):
            check_string(item, (pattern_path, i))
    allowed = COMPONENT_LISTS.get(interaction or "", frozenset())
    for key in ALL_COMPONENT_LISTS:
        if key not in definition:
            continue
        if key not in allowed:
            fail((path, key), f"{key!r} is not allowed for interactionType {interaction!r}")
        check_components(definition[key], (path, key))


def check_components(value: Any, path: Path) -> None:
    """A list of interaction components: each {id: string, description?: language map}, ids distinct."""
    seen: set[str] = set()
    for i, item in enumerate(require_array(value, path, "an interaction component list")):
        item_path = (path, i)
        component = require_object(item, item_path, "an interaction component")
        check_keys(component, _COMPONENT_KEYS, item_path, "an interaction component")
        if "id" not in component:
            fail((item_path, "id"), "an interaction component requires 'id'")
        component_id = check_string(component["id"], (item_path, "id"))
        if component_id in seen:
            fail((item_path, "id"), f"interaction component id {component_id!r} is repeated")
        seen.add(component_id)
        if "description" in component:
            check_language_map(component["description"], (item_path, "description"))
