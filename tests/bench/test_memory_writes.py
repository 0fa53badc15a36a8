"""The in-memory store's plain insert and `$set` paths leave the store exactly as mongomock's own
insert and update do, and fall back to mongomock for everything else (issue 5, "Then make it fast")."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import bson
import pytest

from lrs.errors import DuplicateKey
from lrs.storage.memory import MemoryDatabase

pytestmark = pytest.mark.memory_only(
    reason="compares the in-memory store's insert and $set shortcuts with mongomock's own writes"
)

WHEN = datetime(2026, 5, 1, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
EXISTING = {"_id": "a", "definition": {"name": {"en-US": "A"}, "type": "t"}, "n": 1, "text": "x"}


def _both(update: dict[str, Any], upsert: bool, key: str = "a") -> tuple[Any, Any, Any, Any]:
    """(result, stored document) through MemoryCollection and through mongomock directly."""
    fast = MemoryDatabase("fast").collection("activities")
    slow = MemoryDatabase("slow").collection("activities")
    asyncio.run(fast.insert_one(dict(EXISTING)))
    slow._c.insert_one(dict(EXISTING))
    result = asyncio.run(fast.update_one({"_id": key}, update, upsert=upsert))
    expected = slow._c.update_one({"_id": key}, update, upsert=upsert)
    return (
        (result.matched, result.modified, result.upserted_id),
        (expected.matched_count, expected.modified_count, expected.upserted_id),
        fast._c._store._documents.get(key),
        slow._c._store._documents.get(key),
    )


@pytest.mark.parametrize(
    ("update", "upsert", "key"),
    [
        pytest.param({"$set": {"definition.name.fr": "Un"}}, False, "a", id="set-language"),
        pytest.param({"$set": {"definition.name.en-US": "A"}}, False, "a", id="set-unchanged"),
        pytest.param({"$set": {"n": 1.0}}, False, "a", id="int-to-float-is-a-change"),
        pytest.param({"$set": {"n": True}}, False, "a", id="int-to-bool-is-a-change"),
        pytest.param(
            {"$set": {"definition": {"type": "t", "name": {"en-US": "A"}}}}, False, "a", id="reordered-object"
        ),
        pytest.param({"$set": {"new.deep.path": [1, {"b": WHEN}]}}, False, "a", id="create-path-with-date"),
        pytest.param(
            {"$setOnInsert": {"objectType": "Activity"}, "$set": {"definition.type": "u"}},
            True,
            "a",
            id="upsert-existing",
        ),
        pytest.param(
            {"$setOnInsert": {"objectType": "Activity"}, "$set": {"definition.name.en": "B"}},
            True,
            "b",
            id="upsert-new",
        ),
        pytest.param({"$set": {"x": 1}}, False, "missing", id="no-match"),
        pytest.param({"$set": {"text.inner": 1}}, False, "a", id="through-a-string-falls-back"),
        pytest.param({"$set": {"n": 2}, "$inc": {"m": 1}}, False, "a", id="other-operator-falls-back"),
    ],
)
def test_memory_set_leaves_the_store_as_mongomock_does(
    update: dict[str, Any], upsert: bool, key: str
) -> None:
    try:
        result, expected, stored, expected_stored = _both(update, upsert, key)
    except Exception as exc:  # both paths must refuse the same updates
        assert type(exc).__name__ in {"WriteError", "OperationFailure"}
        return
    assert result == expected
    # as BSON: types and field order count (1.0 is not 1: MongoDB stores the double, and so must we)
    assert typed(stored) == typed(expected_stored)


def typed(doc: dict[str, Any] | None) -> bytes | None:
    return None if doc is None else bson.encode(doc)


def test_memory_insert_stores_copies_with_mongodb_dates() -> None:
    fast = MemoryDatabase("fast").collection("statements")
    slow = MemoryDatabase("slow").collection("statements")
    doc = {"_id": "s1", "stored": WHEN, "statement": {"context": {"extensions": {"k": [1, "v"]}}}}
    assert asyncio.run(fast.insert_many([doc, {"_id": "s1"}, {"_id": "s2"}])) == [1]
    slow._c.insert_many([dict(doc), {"_id": "s2"}])
    doc["statement"]["context"]["extensions"]["k"].append("mutated after insert")
    assert fast._c._store._documents["s1"] == slow._c._store._documents["s1"]
    assert asyncio.run(fast.find_one({"_id": "s1"}))["stored"] == WHEN.astimezone(UTC).replace(
        microsecond=123000
    )
    with pytest.raises(DuplicateKey):
        asyncio.run(fast.insert_one({"_id": "s2"}))


def test_memory_insert_refuses_what_bson_cannot_encode() -> None:
    collection = MemoryDatabase("fast").collection("statements")
    with pytest.raises(Exception, match="cannot encode"):
        asyncio.run(collection.insert_one({"_id": "s1", "bad": {1, 2}}))
    assert asyncio.run(collection.count({})) == 0


def test_memory_insert_stores_tuples_as_lists() -> None:
    collection = MemoryDatabase("fast").collection("scorm_attempts")
    asyncio.run(collection.insert_one({"_id": "t", "objective_ids": ("o1", "o2")}))
    assert asyncio.run(collection.find_one({"_id": "t"})) == {"_id": "t", "objective_ids": ["o1", "o2"]}
