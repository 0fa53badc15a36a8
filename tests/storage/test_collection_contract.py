"""The Collection contract: the same tests on the in-memory store and (LRS_TEST_MONGODB_URL) MongoDB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lrs.errors import DuplicateKey, StorageError
from lrs.storage import Database
from lrs.storage.indexes import INDEXES, STATEMENTS, create_indexes, same_definition
from tests.support import Store


def test_collection_insert_one_refuses_duplicate_id(store: Store) -> None:
    async def work(db: Database) -> None:
        c = db.collection("things")
        await c.insert_one({"_id": "a", "n": 1})
        with pytest.raises(DuplicateKey):
            await c.insert_one({"_id": "a", "n": 2})
        assert await c.find_one({"_id": "a"}) == {"_id": "a", "n": 1}

    store.run(work(store.db))


def test_collection_insert_many_reports_duplicates_and_inserts_the_rest(store: Store) -> None:
    async def work(db: Database) -> None:
        c = db.collection("things")
        await c.insert_one({"_id": "b"})
        duplicates = await c.insert_many([{"_id": "a"}, {"_id": "b"}, {"_id": "c"}])
        assert duplicates == [1]
        assert [d["_id"] for d in await c.find({}, sort=[("_id", 1)])] == ["a", "b", "c"]

    store.run(work(store.db))


def test_collection_find_sorts_skips_limits_and_projects(store: Store) -> None:
    async def work(db: Database) -> list[Any]:
        c = db.collection("things")
        await c.insert_many([{"_id": i, "k": i % 3, "x": "y"} for i in range(10)])
        return await c.find({"k": {"$gte": 1}}, {"x": 0}, sort=[("k", -1), ("_id", 1)], skip=1, limit=3)

    assert store.run(work(store.db)) == [{"_id": 5, "k": 2}, {"_id": 8, "k": 2}, {"_id": 1, "k": 1}]


def test_collection_dates_round_trip_as_aware_utc_to_the_millisecond(store: Store) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)

    async def work(db: Database) -> Any:
        await db.collection("things").insert_one({"_id": 1, "at": when})
        return await db.collection("things").find_one({"at": {"$gte": when.replace(microsecond=678000)}})

    doc = store.run(work(store.db))
    assert doc["at"] == when.replace(microsecond=678000)
    assert doc["at"].utcoffset().total_seconds() == 0


def test_collection_upsert_and_find_one_and_update_return_before_or_after(store: Store) -> None:
    async def work(db: Database) -> tuple[Any, Any, Any]:
        c = db.collection("counters")
        result = await c.update_one(
            {"_id": "x"}, {"$inc": {"n": 1}, "$setOnInsert": {"first": True}}, upsert=True
        )
        before = await c.find_one_and_update({"_id": "x"}, {"$inc": {"n": 5}}, return_new=False)
        after = await c.find_one_and_update({"_id": "x"}, {"$max": {"n": 3}})
        return result, before, after

    result, before, after = store.run(work(store.db))
    assert result.upserted_id == "x"
    assert before == {"_id": "x", "n": 1, "first": True}
    assert after == {"_id": "x", "n": 6, "first": True}


def test_collection_pipeline_update_applies_only_newer_values(store: Store) -> None:
    """The conditional-per-field update the ingest relies on: an older sequence never overwrites."""

    def newer(field: str, value: Any, seq: int) -> dict[str, Any]:
        return {
            "$set": {
                field: {
                    "$cond": [
                        {"$gt": [seq, {"$ifNull": [f"${field}.s", -1]}]},
                        {"v": value, "s": seq},
                        f"${field}",
                    ]
                }
            }
        }

    async def work(db: Database) -> Any:
        c = db.collection("cmi")
        await c.update_one({"_id": 1}, [newer("score", "80", 5)], upsert=True)
        await c.update_one({"_id": 1}, [newer("score", "60", 3)])
        return await c.find_one({"_id": 1})

    assert store.run(work(store.db)) == {"_id": 1, "score": {"v": "80", "s": 5}}


def test_collection_aggregate_groups_and_sorts(store: Store) -> None:
    async def work(db: Database) -> list[Any]:
        c = db.collection("sessions")
        await c.insert_many(
            [
                {"_id": 1, "learner": "a", "s": 10.5},
                {"_id": 2, "learner": "a", "s": 20},
                {"_id": 3, "learner": "b", "s": 7},
            ]
        )
        return await c.aggregate(
            [
                {"$group": {"_id": "$learner", "total": {"$sum": "$s"}, "n": {"$sum": 1}}},
                {"$sort": {"_id": 1}},
            ]
        )

    assert store.run(work(store.db)) == [
        {"_id": "a", "total": 30.5, "n": 2},
        {"_id": "b", "total": 7, "n": 1},
    ]


def test_collection_delete_and_count(store: Store) -> None:
    async def work(db: Database) -> tuple[int, int, int, int]:
        c = db.collection("things")
        await c.insert_many([{"_id": i, "even": i % 2 == 0} for i in range(6)])
        one = await c.delete_one({"_id": 0})
        many = await c.delete_many({"even": True})
        missing = await c.delete_one({"_id": 0})
        return one, many, missing, await c.count({})

    assert store.run(work(store.db)) == (1, 2, 0, 3)


def test_collection_create_index_is_idempotent(store: Store) -> None:
    async def work(db: Database) -> int:
        c = db.collection("things")
        await c.create_index([("a", 1), ("b", -1)], name="a_b")
        await c.create_index([("a", 1), ("b", -1)], name="a_b")
        await c.insert_one({"_id": 1, "a": 1, "b": 2})
        return await c.count({"a": 1})

    assert store.run(work(store.db)) == 1


def test_collection_indexed_equality_follows_updates_deletes_and_upserts(store: Store) -> None:
    """Queries on indexed fields see every write (the in-memory store narrows them by index)."""

    async def work(db: Database) -> dict[str, Any]:
        c = db.collection("attempts")
        await c.create_index([("session_ids", 1), ("n", 1)], name="by_session")
        await c.create_index([("who.name", 1)], name="by_name")
        await c.insert_many(
            [
                {"_id": "a", "session_ids": ["s1"], "who": [{"name": "ann"}], "n": 1},
                {"_id": "b", "session_ids": ["s2"], "who": [{"name": "bob"}], "n": 2},
            ]
        )
        await c.update_one({"_id": "a"}, {"$push": {"session_ids": "s3"}})
        await c.update_many({"n": {"$gte": 2}}, {"$set": {"who": [{"name": "ann"}]}})
        await c.update_one({"session_ids": "s9"}, {"$set": {"n": 9}}, upsert=True)
        upserted = await c.find_one_and_update({"session_ids": "s8"}, {"$set": {"n": 8}}, upsert=True)
        await c.delete_one({"_id": "b"})
        return {
            "s3": [d["_id"] for d in await c.find({"session_ids": "s3"})],
            "in": sorted(str(d["_id"]) for d in await c.find({"session_ids": {"$in": ["s1", "s2", "s9"]}})),
            "ann": [d["_id"] for d in await c.find({"who.name": "ann"})],
            "s9": (await c.find_one({"session_ids": "s9"}) or {}).get("n"),
            "s8": upserted is not None and (await c.count({"session_ids": "s8"})),
            "and": await c.count({"$and": [{"_id": "a"}, {"n": 1}]}),
            "miss": await c.count({"_id": "zzz"}),
        }

    result = store.run(work(store.db))
    assert result["s3"] == ["a"]
    assert len(result["in"]) == 2 and "a" in result["in"]  # b was deleted, the s9 upsert counts
    assert result["ann"] == ["a"]
    assert result["s9"] == 9
    assert result["s8"] == 1
    assert result["and"] == 1
    assert result["miss"] == 0


def test_collection_aggregate_with_leading_match_sees_updated_values(store: Store) -> None:
    async def work(db: Database) -> list[Any]:
        c = db.collection("sessions")
        await c.create_index([("course", 1)], name="by_course")
        await c.insert_many([{"_id": i, "course": "c1" if i < 3 else "c2", "s": i} for i in range(5)])
        await c.update_one({"_id": 4}, {"$set": {"course": "c1"}})
        return await c.aggregate(
            [
                {"$match": {"course": "c1"}},
                {"$group": {"_id": "$course", "total": {"$sum": "$s"}, "n": {"$sum": 1}}},
            ]
        )

    assert store.run(work(store.db)) == [{"_id": "c1", "total": 0 + 1 + 2 + 4, "n": 4}]


def test_collection_in_query_returns_each_document_once(store: Store) -> None:
    async def work(db: Database) -> list[Any]:
        c = db.collection("attempts")
        await c.create_index([("session_ids", 1)], name="by_session")
        await c.insert_many([{"_id": "a", "session_ids": ["s1", "s2"]}, {"_id": "b", "session_ids": ["s3"]}])
        by_id = await c.find({"_id": {"$in": ["a", "a", "zz"]}})
        by_field = await c.find({"session_ids": {"$in": ["s1", "s2", "s3"]}}, sort=[("_id", 1)])
        return [[d["_id"] for d in by_id], [d["_id"] for d in by_field]]

    assert store.run(work(store.db)) == [["a"], ["a", "b"]]


def test_collection_update_each_applies_one_update_per_filter_with_upserts(store: Store) -> None:
    async def work(db: Database) -> tuple[Any, list[Any]]:
        c = db.collection("activities")
        await c.insert_one({"_id": "a", "definition": {"name": {"en": "A"}}})
        result = await c.update_each(
            [
                ({"_id": "a"}, {"$set": {"definition.name.fr": "Le A"}, "$setOnInsert": {"kind": "x"}}),
                ({"_id": "b"}, {"$set": {"definition.type": "http://t"}, "$setOnInsert": {"kind": "x"}}),
                ({"_id": "a"}, {"$set": {"definition.name.fr": "Le A"}}),
            ],
            upsert=True,
        )
        return (result.matched, result.modified), await c.find({}, sort=[("_id", 1)])

    counts, docs = store.run(work(store.db))
    assert counts == (2, 1)  # the second update of a matches and changes nothing; b is upserted
    assert docs == [
        {"_id": "a", "definition": {"name": {"en": "A", "fr": "Le A"}}},
        {"_id": "b", "definition": {"type": "http://t"}, "kind": "x"},
    ]


def test_collection_update_each_is_unordered_every_update_runs_and_every_failure_is_reported(
    store: Store,
) -> None:
    """As MongoDB's unordered bulk write: a failed update does not stop the ones after it."""

    async def work(db: Database) -> tuple[str, list[Any]]:
        c = db.collection("counters")
        await c.insert_many([{"_id": "a", "n": 1}, {"_id": "b", "n": "text"}, {"_id": "c", "n": 1}])
        with pytest.raises(StorageError) as failed:
            await c.update_each(
                [
                    ({"_id": "a"}, {"$inc": {"n": 1}}),
                    ({"_id": "b", "n": 999}, {"$inc": {"n": 1}}),  # no match: the upsert's _id exists
                    ({"_id": "c"}, {"$inc": {"n": 1}}),
                    ({"_id": "b", "n": 998}, {"$inc": {"n": 1}}),  # refused too
                ],
                upsert=True,
            )
        return failed.value.message, await c.find({}, sort=[("_id", 1)])

    message, docs = store.run(work(store.db))
    assert docs == [{"_id": "a", "n": 2}, {"_id": "b", "n": "text"}, {"_id": "c", "n": 2}]
    assert "2 of the bulk write's operations failed" in message
    assert "#1: " in message and "#3: " in message


def test_collection_set_of_an_equal_value_of_another_type_stores_the_new_type(store: Store) -> None:
    async def work(db: Database) -> Any:
        c = db.collection("things")
        await c.insert_one({"_id": "a", "n": 1, "f": 1})
        await c.update_one({"_id": "a"}, {"$set": {"n": 1.0, "f": True}})
        return await c.find_one({"_id": "a"})

    doc = store.run(work(store.db))
    assert (type(doc["n"]), type(doc["f"])) == (float, bool)


def test_create_indexes_rebuilds_an_index_whose_definition_changed(store: Store) -> None:
    """Startup after a release changed an index: no IndexOptionsConflict, the new definition wins."""
    declared = next(i for i in INDEXES if i.name == "statements_verb")

    async def work(db: Database) -> tuple[list[str], list[str], Any]:
        statements = db.collection(STATEMENTS)
        await statements.create_index([("verb", 1)], name="statements_verb")  # an older definition
        await statements.create_index([("x", 1)], name="operators_own")
        rebuilt = await create_indexes(db)
        again = await create_indexes(db)
        found = {i["name"]: i for i in await statements.list_indexes()}
        return rebuilt, again, found

    rebuilt, again, found = store.run(work(store.db))
    assert rebuilt == ["statements_verb"] and again == []
    assert same_definition(declared, found["statements_verb"])
    assert "operators_own" in found  # indexes not declared by lrs-bridge are left alone


def test_collection_update_one_matches_a_revision_and_unsets_paths(store: Store) -> None:
    async def work(db: Database) -> list[Any]:
        c = db.collection("things")
        await c.insert_one({"_id": "a", "rev": 1, "pending": {"k1": {"x": 1}, "k2": {"x": 2}}})
        stale = await c.update_one({"_id": "a", "rev": 0}, {"$set": {"n": 1, "rev": 1}})
        fresh = await c.update_one({"_id": "a", "rev": 1}, {"$set": {"n": 2, "rev": 2}})
        gone = await c.update_one(
            {"_id": "a", "pending.k1": {"$exists": True}}, {"$unset": {"pending.k1": ""}}
        )
        again = await c.update_one(
            {"_id": "a", "pending.k1": {"$exists": True}}, {"$unset": {"pending.k1": ""}}
        )
        missing = await c.update_one({"_id": "b", "rev": {"$exists": False}}, {"$set": {"n": 1}})
        return [(r.matched, r.modified) for r in (stale, fresh, gone, again, missing)] + [
            await c.find_one({"_id": "a"}),
            await c.count({"_id": "b"}),
        ]

    assert store.run(work(store.db)) == [
        (0, 0),
        (1, 1),
        (1, 1),
        (0, 0),
        (0, 0),
        {"_id": "a", "rev": 2, "pending": {"k2": {"x": 2}}, "n": 2},
        0,
    ]
