"""MongoDB through PyMongo's native async API (AsyncMongoClient), behind the Collection interface."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from bson.errors import InvalidDocument
from pymongo import AsyncMongoClient, ReadPreference, ReturnDocument, UpdateOne, WriteConcern
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DocumentTooLarge,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
)
from pymongo.read_concern import ReadConcern

from lrs.errors import (
    DuplicateKey,
    InvalidRequest,
    PayloadTooLarge,
    StorageError,
    StorageUnavailable,
    UnsupportedServer,
)
from lrs.storage.collection import (
    Document,
    Filter,
    Sort,
    UpdateResult,
    bulk_failure_message,
    duplicate_indexes,
    update_spec,
)

T = TypeVar("T")

INDEX_NOT_FOUND = 27

# The oldest MongoDB lrs-bridge runs on, and why (README "MongoDB"): PyMongo 4.20's own floor is
# 4.4 (wire version 9); the code needs 4.2 for pipeline-style updates (find_one_and_update and
# update_one with a list of stages: the attempt merge and the enrollment roll-up) and the `$set`
# aggregation stage. Checked at startup with buildInfo.
MIN_SERVER_VERSION = (4, 4)

# Server error codes for a document, or the result of an update, over the BSON size limit.
TOO_LARGE_CODES = frozenset({10334, 17419, 17420})
TOO_LARGE = "the document would exceed MongoDB's 16 MB limit"


@asynccontextmanager
async def _mapped(name: str) -> AsyncIterator[None]:
    """Map driver errors to the LrsError tree, once, here."""
    try:
        yield
    except DuplicateKeyError as exc:
        raise DuplicateKey(f"{name}: duplicate _id") from exc
    except ConnectionFailure as exc:  # includes server selection timeouts and a lost primary
        # the driver's text names hosts and ports: it goes to the log (lrs.startup), not to clients
        raise StorageUnavailable(f"database unavailable ({type(exc).__name__}): retry later") from exc
    except OperationFailure as exc:
        if exc.code in TOO_LARGE_CODES:  # the server refused a document (or an update's result) > 16 MB
            raise PayloadTooLarge(f"{name}: {TOO_LARGE}", field="body") from exc
        raise StorageError(f"{name}: {_first_line(exc)}") from exc
    except PyMongoError as exc:
        raise StorageError(f"{name}: {_first_line(exc)}") from exc
    # encoding errors of the driver (not PyMongoError): what was sent cannot be stored as it is
    except DocumentTooLarge as exc:
        raise PayloadTooLarge(f"{name}: {TOO_LARGE}", field="body") from exc
    except InvalidDocument as exc:
        raise InvalidRequest(f"{name}: a value cannot be stored: {_first_line(exc)}", field="body") from exc


def _first_line(exc: Exception) -> str:
    """The error without the driver's topology description (a page of text on a timeout)."""
    return str(exc).split(", Timeout:", 1)[0].splitlines()[0][:500] if str(exc) else type(exc).__name__


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
                return duplicate_indexes(exc.__cause__)
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
        r = await self._run(lambda: self._c.update_one(dict(filter), update_spec(update), upsert=upsert))
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
        try:
            r = await self._run(lambda: self._c.bulk_write(ops, ordered=False))
        except StorageError as exc:
            if isinstance(exc.__cause__, BulkWriteError):
                failures = [f"#{e['index']}: {e.get('errmsg')}" for e in exc.__cause__.details["writeErrors"]]
                raise StorageError(bulk_failure_message(self.name, failures)) from exc.__cause__
            raise
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
                update_spec(update),
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

    async def list_indexes(self) -> list[Document]:
        async def run() -> list[Document]:
            cursor = await self._c.list_indexes()
            return [{**index, "key": list(index["key"].items())} async for index in cursor]

        return await self._run(run)

    async def drop_index(self, name: str) -> None:
        try:
            await self._c.drop_index(name)
        except OperationFailure as exc:
            if exc.code != INDEX_NOT_FOUND:  # another instance dropped it first
                async with _mapped(self.name):
                    raise


class MongoDatabase:
    """A MongoDB database reached through one AsyncMongoClient (bound to the running loop)."""

    kind = "mongodb"

    def __init__(
        self,
        url: str,
        name: str,
        *,
        write_concern: str | int = "majority",
        read_concern: str = "majority",
        read_preference: str = "primary",
        server_selection_timeout_ms: int = 5000,
    ) -> None:
        self._client: AsyncMongoClient[Document] = AsyncMongoClient(
            url, tz_aware=True, serverSelectionTimeoutMS=server_selection_timeout_ms, appname="lrs-bridge"
        )
        self.name = name
        self._db = self._client.get_database(
            name,
            # "never lost" on a replica set: a write is acknowledged once a majority (journaled) has
            # it, so no failover rolls it back; reads see only majority-committed data
            write_concern=WriteConcern(w=_w(write_concern), j=True),
            read_concern=ReadConcern(read_concern),
            read_preference=_read_preference(read_preference),
        )
        self._collections: dict[str, MongoCollection] = {}

    def collection(self, name: str) -> MongoCollection:
        if name not in self._collections:
            self._collections[name] = MongoCollection(self._db[name])
        return self._collections[name]

    async def open(self) -> None:
        """Reach the server and check its version (StorageUnavailable while it cannot be reached)."""
        async with _mapped("buildInfo"):
            info = await self._db.command("buildInfo")
        check_server_version(info)

    async def ping(self) -> None:
        async with _mapped("ping"):
            await self._db.command("ping")

    async def drop(self) -> None:
        async with _mapped("drop"):
            await self._client.drop_database(self._db.name)
        self._collections.clear()

    async def close(self) -> None:
        await self._client.close()


def check_server_version(build_info: Mapping[str, Any]) -> None:
    """UnsupportedServer when buildInfo names a MongoDB older than MIN_SERVER_VERSION."""
    parts = build_info.get("versionArray") or str(build_info.get("version", "0.0")).split(".")
    version = tuple(int(str(part).split("-")[0] or 0) for part in list(parts)[:2])
    if version < MIN_SERVER_VERSION:
        wanted = ".".join(map(str, MIN_SERVER_VERSION))
        raise UnsupportedServer(
            f"MongoDB {build_info.get('version', '?')} is older than {wanted}, the oldest lrs-bridge runs on"
        )


def _w(write_concern: str | int) -> str | int:
    return int(write_concern) if isinstance(write_concern, str) and write_concern.isdigit() else write_concern


def _read_preference(name: str) -> Any:
    modes = {
        "primary": ReadPreference.PRIMARY,
        "primaryPreferred": ReadPreference.PRIMARY_PREFERRED,
        "secondary": ReadPreference.SECONDARY,
        "secondaryPreferred": ReadPreference.SECONDARY_PREFERRED,
        "nearest": ReadPreference.NEAREST,
    }
    return modes[name]
