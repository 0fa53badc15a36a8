"""MongoDB through PyMongo's native async API (AsyncMongoClient), behind the Collection interface."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from pymongo import AsyncMongoClient, ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    PyMongoError,
    ServerSelectionTimeoutError,
)

from lrs.errors import DuplicateKey, StorageError, StorageUnavailable
from lrs.storage.collection import Document, Filter, Sort, UpdateResult
from lrs.storage.memory import _duplicate_indexes, _update

T = TypeVar("T")


@asynccontextmanager
async def _mapped(name: str) -> AsyncIterator[None]:
    """Map driver errors to the LrsError tree, once, here."""
    try:
        yield
    except DuplicateKeyError as exc:
        raise DuplicateKey(f"{name}: duplicate _id") from exc
    except (ConnectionFailure, ServerSelectionTimeoutError) as exc:
        raise StorageUnavailable(f"database unavailable: {exc}") from exc
    except PyMongoError as exc:
        raise StorageError(f"{name}: {exc}") from exc


class MongoCollection:
    """One AsyncCollection, answering like lrs.storage.collection.Collection."""

    def __init__(self, coll: AsyncCollection[Document]) -> None:
        self._c = coll
        self.name = coll.name

    async def _run(self, call: Callable[[], Awaitable[T]]) -> T:
        async with _mapped(self.name):
            return await call()

    async def insert_one(self, doc: Document) -> None:
        await self._run(lambda: self._c.insert_one(doc))

    async def insert_many(self, docs: Sequence[Document]) -> list[int]:
        if not docs:
            return []
        try:
            await self._run(lambda: self._c.insert_many(list(docs), ordered=False))
        except StorageError as exc:
            if isinstance(exc.__cause__, BulkWriteError):
                return _duplicate_indexes(exc.__cause__)
            raise
        return []

    async def find_one(
        self, filter: Filter, projection: Mapping[str, Any] | None = None, sort: Sort | None = None
    ) -> Document | None:
        return await self._run(
            lambda: self._c.find_one(dict(filter), projection, sort=list(sort) if sort else None)
        )

    async def find(
        self,
        filter: Filter,
        projection: Mapping[str, Any] | None = None,
        sort: Sort | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        async def run() -> list[Document]:
            cursor = self._c.find(dict(filter), projection, skip=skip, limit=limit)
            if sort:
                cursor = cursor.sort(list(sort))
            return await cursor.to_list(None)

        return await self._run(run)

    async def count(self, filter: Filter) -> int:
        return await self._run(lambda: self._c.count_documents(dict(filter)))

    async def update_one(
        self, filter: Filter, update: Mapping[str, Any] | Sequence[Mapping[str, Any]], upsert: bool = False
    ) -> UpdateResult:
        r = await self._run(lambda: self._c.update_one(dict(filter), _update(update), upsert=upsert))
        return UpdateResult(r.matched_count, r.modified_count, r.upserted_id)

    async def update_many(self, filter: Filter, update: Mapping[str, Any]) -> UpdateResult:
        r = await self._run(lambda: self._c.update_many(dict(filter), dict(update)))
        return UpdateResult(r.matched_count, r.modified_count, None)

    async def update_each(
        self, updates: Sequence[tuple[Filter, Mapping[str, Any]]], upsert: bool = False
    ) -> UpdateResult:
        if not updates:
            return UpdateResult(0, 0, None)
        ops = [UpdateOne(dict(f), dict(u), upsert=upsert) for f, u in updates]
        r = await self._run(lambda: self._c.bulk_write(ops, ordered=False))
        return UpdateResult(r.matched_count, r.modified_count, None)

    async def replace_one(self, filter: Filter, doc: Document, upsert: bool = False) -> UpdateResult:
        r = await self._run(lambda: self._c.replace_one(dict(filter), doc, upsert=upsert))
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
        return await self._run(
            lambda: self._c.find_one_and_update(
                dict(filter),
                _update(update),
                projection=projection,
                sort=list(sort) if sort else None,
                upsert=upsert,
                return_document=ReturnDocument.AFTER if return_new else ReturnDocument.BEFORE,
            )
        )

    async def delete_one(self, filter: Filter) -> int:
        r = await self._run(lambda: self._c.delete_one(dict(filter)))
        return int(r.deleted_count)

    async def delete_many(self, filter: Filter) -> int:
        r = await self._run(lambda: self._c.delete_many(dict(filter)))
        return int(r.deleted_count)

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> list[Document]:
        async def run() -> list[Document]:
            cursor = await self._c.aggregate([dict(s) for s in pipeline])
            return await cursor.to_list(None)

        return await self._run(run)

    async def create_index(self, keys: Sort, *, name: str, **options: Any) -> None:
        await self._run(lambda: self._c.create_index(list(keys), name=name, **options))


class MongoDatabase:
    """A MongoDB database reached through one AsyncMongoClient (bound to the running loop)."""

    kind = "mongodb"

    def __init__(self, url: str, name: str) -> None:
        self._client: AsyncMongoClient[Document] = AsyncMongoClient(
            url, tz_aware=True, serverSelectionTimeoutMS=5000, appname="lrs-bridge"
        )
        self._db = self._client[name]
        self._collections: dict[str, MongoCollection] = {}

    def collection(self, name: str) -> MongoCollection:
        if name not in self._collections:
            self._collections[name] = MongoCollection(self._db[name])
        return self._collections[name]

    async def ping(self) -> None:
        async with _mapped("ping"):
            await self._db.command("ping")

    async def drop(self) -> None:
        async with _mapped("drop"):
            await self._client.drop_database(self._db.name)
        self._collections.clear()

    async def close(self) -> None:
        await self._client.close()
