"""Storage: the only package that talks to a database driver (PyMongo async or mongomock)."""

from __future__ import annotations

import logging
from typing import Protocol

from lrs.settings import Settings
from lrs.storage.collection import Collection, Document, UpdateResult

__all__ = ["Collection", "Database", "Document", "UpdateResult", "open_database"]

log = logging.getLogger("lrs.storage")

MEMORY_WARNING = (
    "LRS_MONGODB_URL is not set: running on the embedded IN-MEMORY store. "
    "Every statement, document, commit and report lives only as long as this process. "
    "Set LRS_MONGODB_URL for anything but a trial."
)


class Database(Protocol):
    kind: str

    def collection(self, name: str) -> Collection: ...

    async def open(self) -> None:
        """Reach the store and check it can serve us (MongoDB: its version, from buildInfo);
        StorageUnavailable while it cannot be reached, UnsupportedServer when it is too old."""

    async def ping(self) -> None: ...

    async def drop(self) -> None: ...

    async def close(self) -> None: ...


def open_database(settings: Settings) -> Database:
    """MongoDB when LRS_MONGODB_URL is set, else the in-memory store (with a loud warning)."""
    if settings.mongodb_url is not None:
        from lrs.storage.mongo import MongoDatabase

        return MongoDatabase(
            settings.mongodb_url.get_secret_value(),
            settings.mongodb_database,
            write_concern=settings.mongodb_write_concern,
            read_concern=settings.mongodb_read_concern,
            read_preference=settings.mongodb_read_preference,
            server_selection_timeout_ms=settings.mongodb_server_selection_timeout_ms,
        )
    from lrs.storage.memory import MemoryDatabase

    log.warning("%s\n%s\n%s", "!" * 78, MEMORY_WARNING, "!" * 78)
    return MemoryDatabase(settings.mongodb_database)
