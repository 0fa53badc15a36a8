"""Activity checks: id, definition, interaction components (xAPI Data 2.4.4.1)."""

from __future__ import annotations

from typing import Any

from lrs.xapi.validation.primitives import (
    check_extensions,
    check_iri,
    check_keys,
    check_language_map,
    check_string,
    fail,
    join,
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


def check_activity(value: Any, path: str) -> None:
    """An Activity: objectType "Activity" (optional), id IRI, optional definition."""
    activity = require_object(value, path, "an Activity")
    if "objectType" in activity and activity["objectType"] != "Activity":
        fail(
            join(path, "objectType"),
            f'an Activity\'s objectType must be "Activity", got {activity["objectType"]!r}',
        )
    check_keys(activity, ("objectType", "id", "definition"), path, "an Activity")
    if "id" not in activity:
        fail(join(path, "id"), "an Activity requires 'id'")
    check_iri(activity["id"], join(path, "id"))
    if "definition" in activity:
        check_definition(activity["definition"], join(path, "definition"))


def check_definition(value: Any, path: str) -> None:
    """An Activity Definition and its interaction properties (Data 2.4.4.1, 2.4.4.1.1)."""
    definition = require_object(value, path, "an Activity definition")
    check_keys(definition, DEFINITION_KEYS, path, "an Activity definition")
    for key in ("name", "description"):
        if key in definition:
            check_language_map(definition[key], join(path, key))
    for key in ("type", "moreInfo"):
        if key in definition:
            check_iri(definition[key], join(path, key))
    if "extensions" in definition:
        check_extensions(definition["extensions"], join(path, "extensions"))
    interaction = definition.get("interactionType")
    if "interactionType" in definition and (
        not isinstance(interaction, str) or interaction not in INTERACTION_TYPES
    ):
        fail(
            join(path, "interactionType"),
            f"{interaction!r} is not one of {', '.join(sorted(INTERACTION_TYPES))}",
        )
    if "correctResponsesPattern" in definition:
        pattern_path = join(path, "correctResponsesPattern")
        if interaction is None:
            fail(pattern_path, "correctResponsesPattern requires an interactionType")
        patterns = require_array(
            definition["correctResponsesPattern"], pattern_path, "correctResponsesPattern"
        )
        for i, item in enumerate(patterns):
            check_string(item, join(pattern_path, i))
    allowed = COMPONENT_LISTS.get(interaction or "", frozenset())
    for key in ALL_COMPONENT_LISTS:
        if key not in definition:
            continue
        if key not in allowed:
            fail(join(path, key), f"{key!r} is not allowed for interactionType {interaction!r}")
        check_components(definition[key], join(path, key))


def check_components(value: Any, path: str) -> None:
    """A list of interaction components: each {id: string, description?: language map}, ids distinct."""
    seen: set[str] = set()
    for i, item in enumerate(require_array(value, path, "an interaction component list")):
        item_path = join(path, i)
        component = require_object(item, item_path, "an interaction component")
        check_keys(component, ("id", "description"), item_path, "an interaction component")
        if "id" not in component:
            fail(join(item_path, "id"), "an interaction component requires 'id'")
        component_id = check_string(component["id"], join(item_path, "id"))
        if component_id in seen:
            fail(join(item_path, "id"), f"interaction component id {component_id!r} is repeated")
        seen.add(component_id)
        if "description" in component:
            check_language_map(component["description"], join(item_path, "description"))
