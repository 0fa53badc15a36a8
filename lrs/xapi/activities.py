"""Canonical activity definitions, merged from every stored statement (xAPI 1.0.3 Communication 2.5).

Language maps merge per language; every other definition property takes the newest value.
"""

from __future__ import annotations

import weakref
from typing import Any

import orjson

from lrs.errors import NotFound
from lrs.storage import Collection, Database
from lrs.storage.indexes import ACTIVITIES

_LANGUAGE_MAPS = ("name", "description")


def statement_activities(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Activity object in a statement: object, context activities, and in a SubStatement."""
    found: list[dict[str, Any]] = []
    obj = statement.get("object") or {}
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity" and "id" in obj:
        found.append(obj)
    elif object_type == "SubStatement":
        found.extend(statement_activities(obj))
    for group in ((statement.get("context") or {}).get("contextActivities") or {}).values():
        for activity in group if isinstance(group, list) else [group]:
            if isinstance(activity, dict) and "id" in activity:
                found.append(activity)
    return found


def definition_update(definitions: list[dict[str, Any]]) -> dict[str, Any]:
    """$set paths merging definitions in order: language maps per language, the rest replaced."""
    paths: dict[str, Any] = {}
    for definition in definitions:
        for key, value in definition.items():
            if key in _LANGUAGE_MAPS and isinstance(value, dict):
                for language, text in value.items():
                    paths[f"definition.{key}.{language}"] = text
            else:
                paths[f"definition.{key}"] = value
    return paths


# Per activities collection, each activity id this process last merged and the definitions it
# merged then: re-sending statements about activities whose definitions did not change costs no
# round trip. Only on the in-memory store, where this process is the only writer (and this function
# the only code writing activities) and nothing suspends between the check and the write, so an
# update skipped is exactly a no-op update: correctness never depends on the cache. It is bounded
# (cleared when full), filled only after a successful write, and kept per collection object (a
# dropped store gets new ones). On MongoDB other processes may have merged a different definition
# since, so every update is sent (one bulk write per batch).
_APPLIED: weakref.WeakKeyDictionary[Collection, dict[str, bytes]] = weakref.WeakKeyDictionary()
_APPLIED_MAX = 50_000


def _definitions_key(definitions: list[dict[str, Any]]) -> bytes | None:
    """The definitions as comparable bytes; None when orjson cannot encode them."""
    try:
        return orjson.dumps(definitions, option=orjson.OPT_SORT_KEYS) if definitions else b""
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: never skipped, never remembered
        return None


async def merge_activities(db: Database, statements: list[dict[str, Any]]) -> None:
    """Upsert every activity of the statements, merging their definitions into the canonical one,
    in one round trip (none when the in-memory store already holds every one of them unchanged)."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for statement in statements:
        for activity in statement_activities(statement):
            definitions = by_id.setdefault(activity["id"], [])
            definition = activity.get("definition")
            if isinstance(definition, dict) and definition:
                definitions.append(definition)
    if not by_id:
        return
    collection = db.collection(ACTIVITIES)
    applied = _APPLIED.setdefault(collection, {}) if db.kind == "memory" else None
    updates: list[tuple[dict[str, Any], dict[str, Any]]] = []
    remembered: dict[str, bytes] = {}
    for activity_id, definitions in by_id.items():
        if applied is not None:
            # the update is a function of the definitions, so equal definitions mean an equal update
            key = _definitions_key(definitions)
            if key is not None and (
                applied.get(activity_id) == key or (not definitions and activity_id in applied)
            ):
                continue
            if key is not None:
                remembered[activity_id] = key
        paths = definition_update(definitions)
        update: dict[str, Any] = {"$setOnInsert": {"objectType": "Activity"}}
        if paths:
            update["$set"] = paths
        updates.append(({"_id": activity_id}, update))
    if updates:
        await collection.update_each(updates, upsert=True)
    if applied is not None and remembered:  # only once written: a failed write is retried next time
        if len(applied) + len(remembered) > _APPLIED_MAX:
            applied.clear()
        applied.update(remembered)


async def get_activity(db: Database, activity_id: str, *, missing_ok: bool = False) -> dict[str, Any]:
    """The canonical Activity object for an id; NotFound when no statement mentioned it, unless
    `missing_ok` (xAPI 2.0.0: a bare Activity object)."""
    doc = await db.collection(ACTIVITIES).find_one({"_id": activity_id})
    if doc is None and missing_ok:
        return {"objectType": "Activity", "id": activity_id}
    if doc is None:
        raise NotFound(f"no activity with id {activity_id}", field="activityId")
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if doc.get("definition"):
        activity["definition"] = doc["definition"]
    return activity
