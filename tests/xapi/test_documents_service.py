"""The document service on the store: the state functions the SCORM ingest calls, and conditional writes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from lrs.errors import DocumentConflict, InvalidDocument, PreconditionFailed
from lrs.storage import Database
from lrs.storage.indexes import DOCUMENTS
from lrs.xapi.documents import (
    STATE,
    Body,
    Concurrency,
    DocumentSet,
    Preconditions,
    compute_etag,
    get_document,
    post_document,
    put_document,
    read_state_document,
    save_state_document,
)
from tests.support import Store

AGENT = {"objectType": "Agent", "mbox": "mailto:learner@example.com"}
ACTIVITY = "https://lms.example.com/xapi/courses/c1"
REGISTRATION = "a1b2c3d4-0000-4000-8000-000000000001"


def state_key(**overrides: Any) -> dict[str, Any]:
    key: dict[str, Any] = {
        "activity_id": ACTIVITY,
        "agent": AGENT,
        "registration": REGISTRATION,
        "state_id": "cmi",
    }
    key.update(overrides)
    return key


def test_save_state_document_round_trips_and_replaces(store: Store) -> None:
    async def work(db: Database) -> None:
        await save_state_document(db, **state_key(), document={"a": 1, "b": 2})
        assert await read_state_document(db, **state_key()) == {"a": 1, "b": 2}
        await save_state_document(db, **state_key(), document={"c": 3})
        assert await read_state_document(db, **state_key()) == {"c": 3}

    store.run(work(store.db))


def test_save_state_document_stores_documented_fields(store: Store) -> None:
    async def work(db: Database) -> dict[str, Any] | None:
        await save_state_document(db, **state_key(), document={"a": 1})
        return await db.collection(DOCUMENTS).find_one({})

    raw = store.run(work(store.db))
    assert raw is not None
    assert raw["kind"] == STATE and raw["activity_id"] == ACTIVITY and raw["doc_id"] == "cmi"
    assert raw["agent"] == "mbox:mailto:learner@example.com" and raw["registration"] == REGISTRATION
    assert raw["content_type"] == "application/json" and orjson.loads(raw["content"]) == {"a": 1}
    assert raw["etag"] == compute_etag(bytes(raw["content"])) and len(raw["etag"]) == 42
    assert len(raw["_id"]) == 64 and raw["updated"].microsecond % 1000 == 0


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"registration": None}, id="no-registration"),
        pytest.param({"registration": "a1b2c3d4-0000-4000-8000-000000000002"}, id="other-registration"),
        pytest.param({"agent": {"mbox": "mailto:other@example.com"}}, id="other-agent"),
        pytest.param({"activity_id": ACTIVITY + "/x"}, id="other-activity"),
        pytest.param({"state_id": "other"}, id="other-state-id"),
    ],
)
def test_read_state_document_is_keyed_by_every_part(store: Store, other: dict[str, Any]) -> None:
    async def work(db: Database) -> dict[str, Any] | None:
        await save_state_document(db, **state_key(), document={"a": 1})
        return await read_state_document(db, **state_key(**other))

    assert store.run(work(store.db)) is None


def test_read_state_document_identifies_agent_by_ifi_not_name(store: Store) -> None:
    async def work(db: Database) -> dict[str, Any] | None:
        await save_state_document(db, **state_key(), document={"a": 1})
        return await read_state_document(db, **state_key(agent={**AGENT, "name": "Someone"}))

    assert store.run(work(store.db)) == {"a": 1}


DOCS = DocumentSet("activity_profile", activity_id=ACTIVITY)
JSON = "application/json"


def test_put_document_same_if_match_twice_one_wins(store: Store) -> None:
    async def work(db: Database) -> list[str]:
        await put_document(
            db, DOCS, "p", Body(b'{"v": 0}', JSON), Preconditions(), rule=Concurrency.ON_OVERWRITE
        )
        etag = (await get_document(db, DOCS, "p")).etag
        outcomes = []
        for n in (1, 2):
            try:
                await put_document(
                    db,
                    DOCS,
                    "p",
                    Body(b'{"v": %d}' % n, JSON),
                    Preconditions((etag,)),
                    rule=Concurrency.ON_OVERWRITE,
                )
                outcomes.append("ok")
            except PreconditionFailed:
                outcomes.append("412")
        assert orjson.loads((await get_document(db, DOCS, "p")).content) == {"v": 1}
        return outcomes

    assert store.run(work(store.db)) == ["ok", "412"]


def test_put_document_overwrite_without_precondition_conflicts_when_required(store: Store) -> None:
    async def work(db: Database) -> None:
        await put_document(db, DOCS, "p", Body(b"{}", JSON), Preconditions(), rule=Concurrency.ON_OVERWRITE)
        with pytest.raises(DocumentConflict):
            await put_document(
                db, DOCS, "p", Body(b"{}", JSON), Preconditions(), rule=Concurrency.ON_OVERWRITE
            )

    store.run(work(store.db))


def test_post_document_merges_top_level_keys(store: Store) -> None:
    async def work(db: Database) -> Any:
        await post_document(db, DOCS, "p", Body(b'{"a": 1, "b": {"x": 1}}', JSON), Preconditions())
        await post_document(db, DOCS, "p", Body(b'{"b": {"y": 2}, "c": 3}', JSON), Preconditions())
        return orjson.loads((await get_document(db, DOCS, "p")).content)

    assert store.run(work(store.db)) == {"a": 1, "b": {"y": 2}, "c": 3}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(Body(b'{"a": 1}', JSON), Body(b"abc", "text/plain"), id="new-not-json"),
        pytest.param(Body(b"abc", "application/octet-stream"), Body(b'{"a": 1}', JSON), id="stored-not-json"),
        pytest.param(Body(b'{"a": 1}', JSON), Body(b"[1]", JSON), id="new-json-array"),
        pytest.param(Body(b'{"a": 1}', JSON), Body(b'{"a": ', JSON), id="new-invalid-json"),
    ],
)
def test_post_document_refuses_non_object_merge(store: Store, first: Body, second: Body) -> None:
    async def work(db: Database) -> bytes:
        await put_document(db, DOCS, "p", first, Preconditions(), rule=Concurrency.NONE)
        with pytest.raises(InvalidDocument):
            await post_document(db, DOCS, "p", second, Preconditions())
        return (await get_document(db, DOCS, "p")).content

    assert store.run(work(store.db)) == first.content
