"""The in-memory store's find fast paths (sort before projecting, plain sorts) answer exactly as
mongomock's own cursor does; they only change the cost (issue 5, "Then make it fast")."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lrs.storage.memory import MemoryDatabase

pytestmark = pytest.mark.memory_only(
    reason="compares the in-memory store's find shortcuts with mongomock's own cursor"
)

BASE = datetime(2026, 1, 1, tzinfo=UTC)
DOCS: list[dict[str, Any]] = [
    {
        "_id": f"s{i:03d}",
        "stored": BASE + timedelta(seconds=i % 7),
        "verb": f"v{i % 3}",
        "mixed": i if i % 4 else f"text{i}",
        "body": {"n": i, "when": BASE},
    }
    for i in range(60)
]


@pytest.mark.parametrize(
    ("filter", "projection", "sort", "skip", "limit"),
    [
        pytest.param({}, {"body": 1, "stored": 1}, [("stored", -1), ("_id", -1)], 0, 11, id="keyset-page"),
        pytest.param({"verb": "v1"}, None, [("stored", 1), ("_id", 1)], 3, 5, id="ascending-skip"),
        pytest.param(
            {"stored": {"$gt": BASE + timedelta(seconds=2)}},
            {"_id": 1},
            [("_id", -1)],
            0,
            0,
            id="since-no-limit",
        ),
        pytest.param({}, None, [("mixed", 1)], 0, 10, id="mixed-types-fall-back"),
        pytest.param({}, {"body.n": 1}, [("body.n", -1)], 0, 4, id="dotted-sort-falls-back"),
        pytest.param({"verb": {"$in": ["v0", "v2"]}}, None, None, 2, 6, id="no-sort"),
    ],
)
def test_memory_find_answers_like_mongomock_cursor(
    filter: dict[str, Any],
    projection: dict[str, Any] | None,
    sort: list[tuple[str, int]] | None,
    skip: int,
    limit: int,
) -> None:
    db = MemoryDatabase("find")
    collection = db.collection("statements")
    asyncio.run(collection.insert_many([dict(d) for d in DOCS]))
    cursor = collection._c.find(filter, projection)
    if sort:
        cursor = cursor.sort(sort)
    expected = list(cursor.skip(skip).limit(limit))
    found = asyncio.run(collection.find(filter, projection, sort=sort, skip=skip, limit=limit))
    assert found == expected
    assert all(d["stored"].tzinfo is not None for d in found if "stored" in d)


def test_memory_find_returns_copies() -> None:
    db = MemoryDatabase("find")
    collection = db.collection("statements")
    asyncio.run(collection.insert_many([dict(d) for d in DOCS[:3]]))
    first = asyncio.run(collection.find({}, None, sort=[("_id", 1)], limit=1))[0]
    first["body"]["n"] = -1
    again = asyncio.run(collection.find_one({"_id": first["_id"]}))
    assert again is not None and again["body"]["n"] == 0
