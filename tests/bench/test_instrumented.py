"""lrs/storage/instrumented.py: every storage call is passed through, counted and timed."""

from __future__ import annotations

import pytest

from lrs.storage.instrumented import InstrumentedDatabase
from tests.support import Store


def test_instrumented_counts_each_call_as_one_round_trip(store: Store) -> None:
    db = InstrumentedDatabase(store.db)

    async def work() -> tuple[object, int]:
        statements = db.collection("statements")
        await statements.insert_many([{"_id": "a"}, {"_id": "b"}])
        found = await statements.find_one({"_id": "a"})
        return found, await statements.count({})

    found, count = store.run(work())
    snapshot = db.meter.snapshot()
    assert found == {"_id": "a"}
    assert count == 2
    assert snapshot["round_trips"] == 3
    assert snapshot["by_call"]["statements.insert_many"]["calls"] == 1
    assert snapshot["cpu_seconds"] >= 0 and snapshot["seconds"] > 0


def test_instrumented_reset_starts_a_new_window(store: Store) -> None:
    db = InstrumentedDatabase(store.db)
    store.run(db.collection("documents").insert_one({"_id": "x"}))
    db.meter.reset()
    assert db.meter.snapshot()["round_trips"] == 0


def test_instrumented_keeps_driver_errors_mapped(store: Store) -> None:
    from lrs.errors import DuplicateKey

    db = InstrumentedDatabase(store.db)

    async def twice() -> None:
        await db.collection("documents").insert_one({"_id": "x"})
        await db.collection("documents").insert_one({"_id": "x"})

    with pytest.raises(DuplicateKey):
        store.run(twice())
    assert db.meter.snapshot()["by_call"]["documents.insert_one"]["calls"] == 2
