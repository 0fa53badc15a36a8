"""The embedded in-memory store: mongomock behind the same async Collection interface.

mongomock is synchronous and in-process, so every call runs inline on the event loop; that is
also what makes a read-modify-write on this store atomic between awaits of one process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import mongomock
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from lrs.errors import DuplicateKey, StorageError
from lrs.storage.collection import Document, Filter, Sort, UpdateResult


def _duplicate_indexes(exc: BulkWriteError) -> list[int]:
    errors = exc.details.get("writeErrors", [])
    if any(e.get("code") != 11000 for e in errors):
        raise StorageError(f"bulk insert failed: {errors[0].get('errmsg')}") from exc
    return [int(e["index"]) for e in errors]


class MemoryCollection:
    """One mongomock collection, answering like lrs.storage.collection.Collection."""

    def __init__(self, coll: Any) -> None:
        self._c = coll
        self.name = coll.name

    async def insert_one(self, doc: Document) -> None:
        try:
            self._c.insert_one(doc)
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"{self.name}: duplicate _id") from exc

    async def insert_many(self, docs: Sequence[Document]) -> list[int]:
        if not docs:
            return []
        try:
            self._c.insert_many(list(docs), ordered=False)
        except BulkWriteError as exc:
            return _duplicate_indexes(exc)
        return []

    async def find_one(
        self, filter: Filter, projection: Mapping[str, Any] | None = None, sort: Sort | None = None
    ) -> Document | None:
        found: Document | None = self._c.find_one(dict(filter), projection, sort=list(sort) if sort else None)
        return found

    async def find(
        self,
        filter: Filter,
        projection: Mapping[str, Any] | None = None,
        sort: Sort | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        cursor = self._c.find(dict(filter), projection)
        if sort:
            cursor = cursor.sort(list(sort))
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return list(cursor)

    async def count(self, filter: Filter) -> int:
        return int(self._c.count_documents(dict(filter)))

    async def update_one(
        self, filter: Filter, update: Mapping[str, Any] | Sequence[Mapping[str, Any]], upsert: bool = False
    ) -> UpdateResult:
        try:
            r = self._c.update_one(dict(filter), _update(update), upsert=upsert)
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"{self.name}: duplicate _id") from exc
        return UpdateResult(r.matched_count, r.modified_count, r.upserted_id)

    async def update_many(self, filter: Filter, update: Mapping[str, Any]) -> UpdateResult:
        r = self._c.update_many(dict(filter), dict(update))
        return UpdateResult(r.matched_count, r.modified_count, None)

    async def replace_one(self, filter: Filter, doc: Document, upsert: bool = False) -> UpdateResult:
        try:
            r = self._c.replace_one(dict(filter), doc, upsert=upsert)
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"{self.name}: duplicate _id") from exc
        return UpdateResult(r.matched_count, r.modified_count, r.upserted_id)

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        upsert: bool = False,
        return_new: bool = True,
        projection: Mapping[str, Any] | None = None,
        sort: Sort | None = None,
    ) -> Document | None:
        try:
            return self._c.find_one_and_update(  # type: ignore[no-any-return,unused-ignore]
                dict(filter),
                _update(update),
                projection=projection,
                sort=list(sort) if sort else None,
                upsert=upsert,
                return_document=ReturnDocument.AFTER if return_new else ReturnDocument.BEFORE,
            )
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"{self.name}: duplicate _id") from exc

    async def delete_one(self, filter: Filter) -> int:
        return int(self._c.delete_one(dict(filter)).deleted_count)

    async def delete_many(self, filter: Filter) -> int:
        return int(self._c.delete_many(dict(filter)).deleted_count)

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> list[Document]:
        try:
            return list(self._c.aggregate([dict(s) for s in pipeline]))
        except (PyMongoError, NotImplementedError) as exc:
            raise StorageError(f"{self.name}: aggregation failed: {exc}") from exc

    async def create_index(self, keys: Sort, *, name: str, **options: Any) -> None:
        self._c.create_index(list(keys), name=name, **options)


def _update(update: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
    return dict(update) if isinstance(update, Mapping) else [dict(s) for s in update]


class MemoryDatabase:
    """A mongomock database; lives exactly as long as the process."""

    kind = "memory"

    def __init__(self, name: str = "lrs") -> None:
        self._db: Any = mongomock.MongoClient(tz_aware=True)[name]
        self._collections: dict[str, MemoryCollection] = {}

    def collection(self, name: str) -> MemoryCollection:
        if name not in self._collections:
            self._collections[name] = MemoryCollection(self._db[name])
        return self._collections[name]

    async def ping(self) -> None:
        return None

    async def drop(self) -> None:
        for name in self._db.list_collection_names():
            self._db.drop_collection(name)
        self._collections.clear()

    async def close(self) -> None:
        return None
