"""Every query shape the code issues is served by a declared index (lrs/storage/query_shapes.py).

Checked from the declarations on every run; on MongoDB (LRS_TEST_MONGODB_URL) the same test also
asks the server's `explain` for each shape: an index scan, and no in-memory sort of unbounded size.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lrs.storage.indexes import INDEXES, create_indexes
from lrs.storage.query_shapes import SHAPES, QueryShape, index_of, serves
from tests.support import Store

SAMPLE: dict[str, Any] = {"completed_at": None}  # equality values other than a string
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def shape_query(shape: QueryShape) -> tuple[dict[str, Any], dict[str, int]]:
    """A concrete filter and sort of this shape (what `explain` is asked about)."""
    query: dict[str, Any] = {field: SAMPLE.get(field, "x") for field in shape.equality}
    for field in shape.range:
        query.setdefault(field, {"$gte": SINCE})
    query.update(shape.conditions)
    return query, dict(shape.sort)


def plan_stages(plan: Any) -> list[dict[str, Any]]:
    """Every stage of an explain plan (the classic and the slot-based engine's formats)."""
    if isinstance(plan, list):
        return [s for p in plan for s in plan_stages(p)]
    if not isinstance(plan, dict):
        return []
    found = [plan] if "stage" in plan else []
    for value in plan.values():
        found += plan_stages(value)
    return found


@pytest.mark.parametrize("shape", [pytest.param(s, id=s.name) for s in SHAPES])
def test_query_shape_is_served_by_a_declared_index(store: Store, shape: QueryShape) -> None:
    if shape.index is None:
        assert not shape.equality and not shape.sort and shape.where, "a scan must say why it reads all"
    elif shape.index == "_id_":
        assert shape.equality == ("_id",)
    else:
        index = index_of(shape)
        assert index is not None, f"{shape.index} is not declared on {shape.collection}"
        assert serves(index, shape) is None, f"{index.name} {serves(index, shape)}"
    if store.kind != "mongodb" or shape.index is None:
        return

    async def explain() -> dict[str, Any]:
        await create_indexes(store.db)
        query, sort = shape_query(shape)
        command: dict[str, Any] = {"find": shape.collection, "filter": query}
        if sort:
            command["sort"] = sort
        raw: Any = store.db._db  # type: ignore[attr-defined]  # the MongoDatabase's own database
        result: dict[str, Any] = await raw.command("explain", command, verbosity="queryPlanner")
        return result

    plan = store.run(explain())["queryPlanner"]["winningPlan"]
    stages = plan_stages(plan)
    names = {s["stage"] for s in stages}
    assert names & {"IXSCAN", "IDHACK", "EXPRESS_IXSCAN", "EXPRESS_CLUSTERED_IXSCAN"}, plan
    assert not [s for s in stages if s["stage"] == "SORT" and "limitAmount" not in s], plan


def test_every_declared_index_serves_a_query_shape() -> None:
    used = {(s.collection, s.index) for s in SHAPES}
    unused = [i.name for i in INDEXES if (i.collection, i.name) not in used]
    assert unused == []


@pytest.mark.parametrize(
    ("keys", "shape", "why"),
    [
        pytest.param(
            [("verb", 1), ("stored", -1)],
            QueryShape("x", "statements", "i", ("verb",), (("stored", -1), ("_id", -1))),
            "after the equality fields",
            id="sort-without-its-id",
        ),
        pytest.param(
            [("stored", -1), ("_id", -1)],
            QueryShape("x", "statements", "i", ("verb",), (("stored", -1), ("_id", -1))),
            "none of the equality fields",
            id="equality-not-first",
        ),
        pytest.param(
            [("a", 1), ("b", 1), ("c", -1)],
            QueryShape("x", "c", "i", ("a",), (("b", 1), ("c", 1))),
            "mixes directions",
            id="mixed-directions",
        ),
        pytest.param(
            [("a", 1), ("b", -1), ("c", -1)],
            QueryShape("x", "c", "i", ("a",), (("a", 1), ("b", 1), ("c", 1))),
            None,
            id="reversed-with-equality-in-the-sort",
        ),
    ],
)
def test_serves_requires_equality_then_the_whole_sort(
    keys: list[tuple[str, int]], shape: QueryShape, why: str | None
) -> None:
    from lrs.storage.indexes import Index

    found = serves(Index("c", keys, "i", "test"), shape)
    assert (found is None) if why is None else (why in (found or ""))
