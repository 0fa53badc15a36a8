"""Statement output formats: exact, ids and canonical (xAPI 1.0.3 Communication 2.1.3 `format`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_INTERACTION_COMPONENTS = ("choices", "scale", "source", "target", "steps")


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges of an Accept-Language header, most preferred first ("*" dropped)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > 0:
            ranked.append((-q, i, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def pick_language(language_map: dict[str, Any], preferred: list[str]) -> dict[str, Any]:
    """One entry of a language map: the best match for the preferences, else the first entry."""
    if not language_map:
        return language_map
    lowered = {k.lower(): k for k in language_map}
    for tag in preferred:
        if tag in lowered:
            return {lowered[tag]: language_map[lowered[tag]]}
        prefix = tag.split("-")[0]
        for key_lower, key in lowered.items():
            if key_lower.split("-")[0] == prefix:
                return {key: language_map[key]}
    key = next(iter(language_map))
    return {key: language_map[key]}


def ids_format(statement: dict[str, Any]) -> dict[str, Any]:
    """Only identifiers for agents, groups (and anonymous groups' members), activities and verbs."""
    out = dict(statement)
    out["actor"] = _ids_actor(statement["actor"])
    out["verb"] = {"id": statement["verb"]["id"]}
    out["object"] = _ids_object(statement["object"])
    if "authority" in statement:
        out["authority"] = _ids_actor(statement["authority"])
    if isinstance(statement.get("context"), dict):
        out["context"] = _ids_context(statement["context"])
    return out


def _ids_actor(actor: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: actor[k] for k in ("objectType", *_IFIS) if k in actor}
    if actor.get("objectType") == "Group" and not any(k in actor for k in _IFIS):
        out["member"] = [_ids_actor(m) for m in actor.get("member") or []]
    return out


def _ids_object(obj: dict[str, Any]) -> dict[str, Any]:
    object_type = obj.get("objectType", "Activity")
    if object_type in ("Agent", "Group"):
        return _ids_actor(obj)
    if object_type == "SubStatement":
        sub = ids_format(obj)
        return sub
    if object_type == "StatementRef":
        return dict(obj)
    return {"id": obj["id"]}


def _ids_context(context: dict[str, Any]) -> dict[str, Any]:
    out = dict(context)
    for key in ("instructor", "team"):
        if isinstance(context.get(key), dict):
            out[key] = _ids_actor(context[key])
    if isinstance(context.get("contextActivities"), dict):
        out["contextActivities"] = {
            k: [_ids_object(a) for a in (v if isinstance(v, list) else [v])]
            for k, v in context["contextActivities"].items()
        }
    return out


def activity_ids(statement: dict[str, Any]) -> set[str]:
    """Ids of every activity in a statement (object, context activities, in a SubStatement)."""
    found: set[str] = set()

    def collect(activity: dict[str, Any]) -> dict[str, Any]:
        found.add(activity["id"])
        return activity

    _walk_activities(statement, collect)
    return found


def canonical_format(
    statement: dict[str, Any], definitions: dict[str, dict[str, Any]], preferred: list[str]
) -> dict[str, Any]:
    """Canonical activity definitions and one language per language map (Communication 2.1.3)."""
    out = dict(statement)
    out["verb"] = _one_language_verb(statement["verb"], preferred)
    obj = statement.get("object")
    if (
        isinstance(obj, dict)
        and obj.get("objectType") == "SubStatement"
        and isinstance(obj.get("verb"), dict)
    ):
        out["object"] = {**obj, "verb": _one_language_verb(obj["verb"], preferred)}

    def canonical(activity: dict[str, Any]) -> dict[str, Any]:
        result = dict(activity)
        definition = definitions.get(activity["id"], activity.get("definition"))
        if definition:
            result["definition"] = _one_language_definition(definition, preferred)
        return result

    return _walk_activities(out, canonical)


def _one_language_verb(verb: dict[str, Any], preferred: list[str]) -> dict[str, Any]:
    if isinstance(verb.get("display"), dict):
        return {**verb, "display": pick_language(verb["display"], preferred)}
    return verb


def _one_language_definition(definition: dict[str, Any], preferred: list[str]) -> dict[str, Any]:
    out = dict(definition)
    for key in ("name", "description"):
        if isinstance(out.get(key), dict):
            out[key] = pick_language(out[key], preferred)
    for key in _INTERACTION_COMPONENTS:
        if isinstance(out.get(key), list):
            out[key] = [
                {**c, "description": pick_language(c["description"], preferred)}
                if isinstance(c, dict) and isinstance(c.get("description"), dict)
                else c
                for c in out[key]
            ]
    return out


def _walk_activities(
    statement: dict[str, Any], visit: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """A copy of the statement with `visit` applied to every Activity object."""
    out = dict(statement)
    obj = statement.get("object")
    if isinstance(obj, dict):
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity" and "id" in obj:
            out["object"] = visit(obj)
        elif object_type == "SubStatement":
            out["object"] = _walk_activities(obj, visit)
    context = statement.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        out["context"] = {
            **context,
            "contextActivities": {
                k: [
                    visit(a) for a in (v if isinstance(v, list) else [v]) if isinstance(a, dict) and "id" in a
                ]
                for k, v in context["contextActivities"].items()
            },
        }
    return out
