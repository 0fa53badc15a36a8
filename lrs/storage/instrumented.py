"""A Database wrapper that counts storage calls (database round trips) and the time spent in them.

The service wraps its store with the Prometheus meter (lrs.metrics.StorageMetrics); the benchmark's
server process (bench/server.py) with a StorageMeter that keeps totals per call. Every
Collection call is one round trip on MongoDB, so calls per commit is the round-trip figure. On the
in-memory store the time is CPU time on the event loop; on MongoDB it is wall time and overlaps
between concurrent requests. Both are kept: `seconds` (wall, perf_counter) and `cpu_seconds`
(the event-loop thread's CPU time, thread_time), which on the in-memory store is exactly the CPU the
storage layer used, unaffected by other processes taking the core.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from lrs.storage import Collection, Database

METHODS = (
    "insert_one",
    "insert_many",
    "find_one",
    "find",
    "count",
    "update_one",
    "update_many",
    "update_each",
    "replace_one",
    "find_one_and_update",
    "delete_one",
    "delete_many",
    "aggregate",
    "create_index",
    "list_indexes",
    "drop_index",
)


class Meter(Protocol):
    def record(self, collection: str, method: str, seconds: float, cpu_seconds: float) -> None: ...


class StorageMeter:
    """Round trips and seconds per (collection, method) since the last reset."""

    def __init__(self) -> None:
        self.calls: dict[tuple[str, str], list[float]] = {}

    def record(self, collection: str, method: str, seconds: float, cpu_seconds: float) -> None:
        entry = self.calls.get((collection, method))
        if entry is None:
            self.calls[(collection, method)] = [1, seconds, cpu_seconds]
        else:
            entry[0] += 1
            entry[1] += seconds
            entry[2] += cpu_seconds

    def reset(self) -> None:
        self.calls = {}

    def snapshot(self) -> dict[str, Any]:
        """Totals and a per-call breakdown, JSON-ready."""
        return {
            "round_trips": int(sum(c for c, _, _ in self.calls.values())),
            "seconds": sum(s for _, s, _ in self.calls.values()),
            "cpu_seconds": sum(cpu for _, _, cpu in self.calls.values()),
            "by_call": {
                f"{coll}.{method}": {"calls": int(c), "seconds": round(s, 6), "cpu_seconds": round(cpu, 6)}
                for (coll, method), (c, s, cpu) in sorted(self.calls.items())
            },
        }


def _metered(method: str) -> Callable[..., Awaitable[Any]]:
    async def call(self: InstrumentedCollection, *args: Any, **kwargs: Any) -> Any:
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            return await getattr(self._inner, method)(*args, **kwargs)
        finally:
            self._meter.record(self.name, method, time.perf_counter() - start, time.thread_time() - start_cpu)

    call.__name__ = method
    return call


class InstrumentedCollection:
    """A Collection whose every call is counted and timed."""

    def __init__(self, inner: Collection, meter: Meter) -> None:
        self._inner = inner
        self._meter = meter
        self.name = inner.name

    insert_one = _metered("insert_one")
    insert_many = _metered("insert_many")
    find_one = _metered("find_one")
    find = _metered("find")
    count = _metered("count")
    update_one = _metered("update_one")
    update_many = _metered("update_many")
    update_each = _metered("update_each")
    replace_one = _metered("replace_one")
    find_one_and_update = _metered("find_one_and_update")
    delete_one = _metered("delete_one")
    delete_many = _metered("delete_many")
    aggregate = _metered("aggregate")
    create_index = _metered("create_index")
    list_indexes = _metered("list_indexes")
    drop_index = _metered("drop_index")


class InstrumentedDatabase:
    """Wraps a Database; `meter` holds what its collections did."""

    def __init__(self, inner: Database, meter: Meter | None = None) -> None:
        self.inner = inner
        self.meter: Meter = meter or StorageMeter()
        self.kind = inner.kind
        self._collections: dict[str, InstrumentedCollection] = {}

    def collection(self, name: str) -> Collection:
        wrapped = self._collections.get(name)
        if wrapped is None:
            wrapped = self._collections[name] = InstrumentedCollection(
                self.inner.collection(name), self.meter
            )
        return wrapped  # type: ignore[return-value]

    async def open(self) -> None:
        await self.inner.open()

    async def ping(self) -> None:
        await self.inner.ping()

    async def drop(self) -> None:
        await self.inner.drop()
        self._collections.clear()

    async def close(self) -> None:
        await self.inner.close()

    def __getattr__(self, name: str) -> Any:
        """Anything else a store offers (not a Collection call) is the inner store's."""
        return getattr(self.inner, name)
