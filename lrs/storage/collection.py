"""The driver-neutral collection interface every service uses; memory.py and mongo.py implement it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pymongo.errors import BulkWriteError

from lrs.errors import StorageError

Document = dict[str, Any]
Filter = Mapping[str, Any]
Sort = Sequence[tuple[str, int]]


@dataclass(frozen=True)
class UpdateResult:
    matched: int
    modified: int
    upserted_id: Any = None


class Collection(Protocol):
    """The subset of PyMongo's async collection API lrs-bridge uses, with driver errors mapped
    to lrs.errors (DuplicateKey, StorageUnavailable, StorageError)."""

    name: str

    async def insert_one(self, doc: Document) -> None:
        """Insert; DuplicateKey when its `_id` exists."""

    async def insert_many(self, docs: Sequence[Document]) -> list[int]:
        """Insert unordered; return the indexes of the documents whose `_id` already existed."""

    async def find_one(
        self, filter: Filter, projection: Mapping[str, Any] | None = None, sort: Sort | None = None
    ) -> Document | None: ...

    async def find(
        self,
        filter: Filter,
        projection: Mapping[str, Any] | None = None,
        sort: Sort | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]: ...

    async def count(self, filter: Filter) -> int: ...

    async def update_one(
        self, filter: Filter, update: Mapping[str, Any] | Sequence[Mapping[str, Any]], upsert: bool = False
    ) -> UpdateResult: ...

    async def update_many(self, filter: Filter, update: Mapping[str, Any]) -> UpdateResult: ...

    async def update_each(
        self, updates: Sequence[tuple[Filter, Mapping[str, Any]]], upsert: bool = False
    ) -> UpdateResult:
        """One update_one per (filter, update) pair, unordered, in one round trip (a bulk write)."""

    async def replace_one(self, filter: Filter, doc: Document, upsert: bool = False) -> UpdateResult: ...

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        upsert: bool = False,
        return_new: bool = True,
        projection: Mapping[str, Any] | None = None,
        sort: Sort | None = None,
    ) -> Document | None: ...

    async def delete_one(self, filter: Filter) -> int: ...

    async def delete_many(self, filter: Filter) -> int: ...

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> list[Document]: ...

    async def create_index(self, keys: Sort, *, name: str, **options: Any) -> None: ...

    async def list_indexes(self) -> list[Document]:
        """Every index as {"name", "key": [(field, direction)], and its options}."""

    async def drop_index(self, name: str) -> None:
        """Drop the named index; nothing when it does not exist."""


def update_spec(update: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
    """An update document, or a pipeline-style update (a list of stages), as the drivers take it."""
    return dict(update) if isinstance(update, Mapping) else [dict(s) for s in update]


def duplicate_indexes(exc: BulkWriteError) -> list[int]:
    """The positions of an unordered insert_many refused as duplicate `_id`s; StorageError when any
    write failed for another reason."""
    errors = exc.details.get("writeErrors", [])
    if any(e.get("code") != 11000 for e in errors):
        raise StorageError(f"bulk insert failed: {errors[0].get('errmsg')}") from exc
    return [int(e["index"]) for e in errors]


def bulk_failure_message(collection: str, failures: Sequence[str]) -> str:
    """One message for the failed operations of an unordered bulk write (each `#<position>: why`)."""
    return f"{collection}: {len(failures)} of the bulk write's operations failed: " + "; ".join(failures)
