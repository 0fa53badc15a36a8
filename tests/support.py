"""Helpers shared by the tests: settings, stores and credentials that never read the environment."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from lrs.settings import Settings
from lrs.storage import Database
from lrs.storage.memory import MemoryDatabase
from lrs.storage.mongo import MongoDatabase

T = TypeVar("T")

# the browser tests' Chromium: Debian's, with what it needs on a machine with no outside network
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

API_KEY = "test-key"
API_SECRET = "test-secret"
MONGODB_URL = os.environ.get("LRS_TEST_MONGODB_URL") or None
STORE = "mongodb" if MONGODB_URL else "memory"  # what the storage tests of this run are on


def basic_auth(key: str = API_KEY, secret: str = API_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def make_settings(**overrides: Any) -> Settings:
    """Settings for tests: never read from the environment or a .env file."""
    values: dict[str, Any] = {
        "default_api_key": API_KEY,
        "default_api_secret": API_SECRET,
        "mongodb_url": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class _OwnMongoDatabase(MongoDatabase):
    """A test's own MongoDB database: closing it drops it first (each test leaves nothing behind)."""

    async def close(self) -> None:
        try:
            await self.drop()
        finally:
            await super().close()


def make_database(settings: Settings | None = None) -> Database:
    """A fresh store: a uniquely named database on LRS_TEST_MONGODB_URL, or a new in-memory one.

    The MongoDB client binds to the event loop it first runs on: use the store on one loop (the app's
    lifespan loop when handed to create_app, which closes it; else Store.run), and close it there.
    Closing a MongoDB test database drops it.
    """
    if MONGODB_URL:
        return _OwnMongoDatabase(MONGODB_URL, f"lrs_test_{uuid.uuid4().hex[:12]}")
    return MemoryDatabase((settings or make_settings()).mongodb_database)


def same_store(database: Database) -> Database:
    """Another process's handle on the same store: on MongoDB its own client to the same database
    (closing it drops nothing: the first handle's owner does); in memory, the store itself."""
    if isinstance(database, _OwnMongoDatabase):
        return MongoDatabase(MONGODB_URL or "", database.name)
    return database


class Store:
    """A fresh database for a test, and the one event loop its calls run on (`run`)."""

    def __init__(self, db: Database, runner: asyncio.Runner) -> None:
        self.db, self.kind, self._runner = db, db.kind, runner

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(work)


@contextmanager
def open_store() -> Iterator[Store]:
    """A Store, closed (and on MongoDB dropped) afterwards, with its client, on its own loop."""
    with asyncio.Runner() as runner:
        db = make_database()
        try:
            yield Store(db, runner)
        finally:
            # a test that failed inside asyncio.gather leaves its other tasks running: end them
            # first, or they write again after the drop and leave the database behind
            runner.run(_cancel_leftover_tasks())
            runner.run(db.close())


async def _cancel_leftover_tasks() -> None:
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


@contextmanager
def running_server(settings: Settings, database: Database | None = None) -> Iterator[str]:
    """The app served by a real uvicorn on a free 127.0.0.1 port (its base URL), stopped afterwards."""
    import socket
    import threading
    import time

    import uvicorn

    from lrs.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    app = create_app(settings, database if database is not None else make_database(settings))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
