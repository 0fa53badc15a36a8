"""A real lrs-bridge on uvicorn (127.0.0.1, a free port, a thread) for the CLI tests."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette

from lrs.app import create_app
from lrs.settings import Settings
from lrs.storage import Database
from tests.support import API_KEY, API_SECRET, make_database, make_settings

# the default credential of the test settings: every scope, `admin` included
ADMIN_KEY, ADMIN_SECRET = API_KEY, API_SECRET


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    app: Starlette
    settings: Settings
    loop: asyncio.AbstractEventLoop

    def env(self) -> dict[str, str]:
        """The environment a CLI user sets to reach this server as admin."""
        return {"LRS_URL": self.url, "LRS_ADMIN_KEY": ADMIN_KEY, "LRS_ADMIN_SECRET": ADMIN_SECRET}

    def run(self, work: Callable[[Database], Awaitable[Any]]) -> Any:
        """`work(db)` run on the server's event loop (where its store lives); its result."""
        return asyncio.run_coroutine_threadsafe(_call(work, self.app.state.db), self.loop).result(timeout=60)


async def _call(work: Callable[[Database], Awaitable[Any]], db: Database) -> Any:
    return await work(db)


@contextmanager
def running_server(**overrides: Any) -> Iterator[Server]:
    """A server on its own store (MongoDB when LRS_TEST_MONGODB_URL is set); stopped at the end
    (the app closes its store then, dropping a MongoDB test database)."""
    settings = make_settings(**overrides)
    app = create_app(settings, make_database(settings))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=10)
            loop.close()
            raise AssertionError("uvicorn did not start (see its log above)")
        time.sleep(0.02)
    handle = Server(f"http://127.0.0.1:{port}", app, settings, loop)
    try:
        yield handle
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        loop.close()
