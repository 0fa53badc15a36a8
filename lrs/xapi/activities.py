"""Canonical activity definitions, merged from every stored statement (xAPI 1.0.3 Communication 2.5).

Language maps merge per language; every other definition property takes the newest value.
"""

from __future__ import annotations

from typing import Any

from lrs.errors import NotFound
from lrs.storage import Database
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


async def merge_activities(db: Database, statements: list[dict[str, Any]]) -> None:
    """Upsert every activity of the statements, merging their definitions into the canonical one."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for statement in statements:
        for activity in statement_activities(statement):
            definitions = by_id.setdefault(activity["id"], [])
            if isinstance(activity.get("definition"), dict) and activity["definition"]:
                definitions.append(activity["definition"])
    collection = db.collection(ACTIVITIES)
    for activity_id, definitions in by_id.items():
        update: dict[str, Any] = {"$setOnInsert": {"objectType": "Activity"}}
        paths = definition_update(definitions)
        if paths:
            update["$set"] = paths
        await collection.update_one({"_id": activity_id}, update, upsert=True)


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
