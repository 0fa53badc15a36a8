"""The statements service: completion, all-or-nothing batches, duplicates, voiding, activity merge."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.errors import BadRequest, InvalidStatement, PayloadTooLarge, StatementConflict
from lrs.signing import Signer
from lrs.storage.indexes import ACTIVITIES, STATEMENTS
from lrs.storage.instrumented import InstrumentedDatabase
from lrs.xapi.query import StatementQuery
from lrs.xapi.statements import VOIDED_VERB, query_statements, statements_match, store_statements
from tests.support import Store, make_settings, open_store

AUTHORITY = {
    "objectType": "Agent",
    "name": "t",
    "account": {"homePage": "https://lms.example.com", "name": "k"},
}


def statement(
    sid: str | None = None,
    verb: str = "http://adlnet.gov/expapi/verbs/attempted",
    activity: str = "http://example.com/a",
    **extra: Any,
) -> dict[str, Any]:
    s: dict[str, Any] = {
        "actor": {"mbox": "mailto:learner@example.com"},
        "verb": {"id": verb},
        "object": {"id": activity},
        **extra,
    }
    if sid:
        s["id"] = sid
    return s


def run(store: Store, statements: list[dict[str, Any]], **kw: Any) -> list[str]:
    return store.run(
        store_statements(store.db, make_settings(max_batch_statements=5), statements, AUTHORITY, **kw)
    )


def stored(store: Store, sid: str) -> dict[str, Any] | None:
    return store.run(store.db.collection(STATEMENTS).find_one({"_id": sid}))


ID1 = "11111111-1111-4111-8111-111111111111"
ID2 = "22222222-2222-4222-8222-222222222222"


def test_store_statements_completes_id_stored_timestamp_authority_version(store: Store) -> None:
    [sid] = run(store, [statement()], authority_key="k")
    doc = stored(store, sid)
    assert doc is not None
    s = doc["statement"]
    assert s["id"] == sid and s["authority"] == AUTHORITY and s["version"] == "1.0.0"
    assert s["timestamp"] == s["stored"] and s["stored"].endswith("Z")
    assert doc["verb"] == "http://adlnet.gov/expapi/verbs/attempted"
    assert doc["agent"] == ["mbox:mailto:learner@example.com"]
    assert doc["activity"] == "http://example.com/a" and doc["authority_key"] == "k"


def test_store_statements_same_id_same_statement_is_accepted_twice(store: Store) -> None:
    run(store, [statement(ID1)])
    assert run(store, [statement(ID1)]) == [ID1]


def test_store_statements_conflict_leaves_nothing_of_the_batch(store: Store) -> None:
    run(store, [statement(ID1)])
    with pytest.raises(StatementConflict):
        run(store, [statement(ID2), statement(ID1, activity="http://example.com/other")])
    assert stored(store, ID2) is None


def test_store_statements_ignore_existing_skips_conflicts(store: Store) -> None:
    run(store, [statement(ID1)])
    assert run(store, [statement(ID1, activity="http://example.com/b")], ignore_existing=True) == [ID1]


def test_store_statements_invalid_statement_stores_nothing(store: Store) -> None:
    with pytest.raises(InvalidStatement):
        run(store, [statement(ID1), {"verb": {"id": "x"}}])
    assert stored(store, ID1) is None


def test_store_statements_duplicate_ids_in_batch_refused(store: Store) -> None:
    with pytest.raises(BadRequest):
        run(store, [statement(ID1), statement(ID1)])


def test_store_statements_batch_over_limit_refused(store: Store) -> None:
    with pytest.raises(PayloadTooLarge, match="limit of 5"):
        run(store, [statement() for _ in range(6)])


def test_store_statements_voiding_marks_target_and_not_a_voiding_target(store: Store) -> None:
    run(store, [statement(ID1)])
    [voiding] = run(store, [statement(verb=VOIDED_VERB, object={"objectType": "StatementRef", "id": ID1})])
    assert stored(store, ID1)["voided"] is True  # type: ignore[index]
    with pytest.raises(InvalidStatement):
        run(store, [statement(verb=VOIDED_VERB, object={"objectType": "StatementRef", "id": voiding})])
    assert stored(store, voiding)["voided"] is False  # type: ignore[index]


def test_store_statements_merges_activity_definitions(store: Store) -> None:
    run(store, [statement(object={"id": "http://example.com/a", "definition": {"name": {"en-US": "A"}}})])
    run(
        store,
        [
            statement(
                object={
                    "id": "http://example.com/a",
                    "definition": {"name": {"fr": "Le A"}, "type": "http://t"},
                }
            )
        ],
    )
    doc = store.run(store.db.collection(ACTIVITIES).find_one({"_id": "http://example.com/a"}))
    assert doc is not None
    assert doc["definition"] == {"name": {"en-US": "A", "fr": "Le A"}, "type": "http://t"}


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        pytest.param({"timestamp": "2020-01-01T00:00:00Z"}, {}, True, id="timestamp-set-by-lrs"),
        pytest.param(
            {"object": {"id": "http://example.com/a", "definition": {"type": "http://t"}}},
            {},
            True,
            id="activity-definition-ignored",
        ),
        pytest.param({"authority": {"mbox": "mailto:a@b"}}, {}, True, id="authority-ignored"),
        pytest.param(
            {"result": {"success": True}}, {"result": {"success": False}}, False, id="result-differs"
        ),
        pytest.param(
            {"result": {"duration": "PT1.1237S"}},
            {"result": {"duration": "PT1.12S"}},
            True,
            id="duration-beyond-hundredths-ignored",
        ),
        pytest.param(
            {"result": {"duration": "PT1.13S"}},
            {"result": {"duration": "PT1.12S"}},
            False,
            id="duration-hundredths-differ",
        ),
    ],
)
def test_statements_match_follows_comparison_rules(a: dict[str, Any], b: dict[str, Any], same: bool) -> None:
    assert statements_match({**statement(ID1), **a}, {**statement(ID1), **b}) is same


def _activity_writes(db: InstrumentedDatabase) -> int:
    return sum(n for (coll, _), (n, _, _) in db.meter.calls.items() if coll == ACTIVITIES)


def test_store_statements_merges_activities_in_one_round_trip_per_batch(store: Store) -> None:
    db = InstrumentedDatabase(store.db)
    batch = [
        statement(
            activity=f"http://example.com/{i}",
            context={"contextActivities": {"parent": [{"id": "http://example.com/p"}]}},
        )
        for i in range(4)
    ]
    store.run(store_statements(db, make_settings(), batch, AUTHORITY))
    assert _activity_writes(db) == 1
    assert store.run(db.collection(ACTIVITIES).count({})) == 5


def test_store_statements_unchanged_definitions_cost_no_round_trip_and_newest_still_wins(
    store: Store,
) -> None:
    db = InstrumentedDatabase(store.db)
    first = {"id": "http://example.com/a", "definition": {"name": {"en-US": "A"}}}
    second = {"id": "http://example.com/a", "definition": {"name": {"en-US": "B"}}}
    # the in-memory store remembers what it merged and skips an unchanged definition; MongoDB merges
    # every time (lrs/xapi/activities.py): the round trips differ by store, the result does not
    writes_per_store = {"memory": (1, 1, 2, 3, 3), "mongodb": (1, 2, 3, 4, 5)}[store.kind]
    objects = (first, first, second, first, {"id": "http://example.com/a"})
    for obj, writes in zip(objects, writes_per_store, strict=True):
        store.run(store_statements(db, make_settings(), [statement(object=obj)], AUTHORITY))
        assert _activity_writes(db) == writes
    doc = store.run(db.collection(ACTIVITIES).find_one({"_id": "http://example.com/a"}))
    assert doc is not None and doc["definition"] == {"name": {"en-US": "A"}}


def test_store_statements_activity_merge_memory_is_per_store(store: Store) -> None:
    obj = {"id": "http://example.com/a", "definition": {"name": {"en-US": "A"}}}
    with open_store() as second:
        for each in (store, second):
            run(each, [statement(object=obj)])
            doc = each.run(each.db.collection(ACTIVITIES).find_one({"_id": "http://example.com/a"}))
            assert doc is not None and doc["definition"] == {"name": {"en-US": "A"}}


def test_query_statements_sends_no_list_that_grows_with_the_store(store: Store) -> None:
    """The StatementRef rule is one indexed condition, whatever the number of targeting statements."""
    for _ in range(30):
        [target] = run(store, [statement(verb="http://example.com/v")])
        run(store, [statement(object={"objectType": "StatementRef", "id": target})])
    sent: list[Any] = []
    spy = InstrumentedDatabase(store.db)
    real_find = spy.collection(STATEMENTS).find

    async def find(filter: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(filter)
        return await real_find(filter, *args, **kwargs)

    spy.collection(STATEMENTS).find = find  # type: ignore[method-assign]
    query = StatementQuery(verb="http://example.com/v", limit=100)
    page = store.run(query_statements(spy, query, signer=Signer("k")))
    assert len(page.docs) == 60
    assert len(sent) == 1 and "$in" not in repr(sent[0])
