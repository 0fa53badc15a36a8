"""Fault injection for the commit service: a store that fails its Nth call, and the runs that compare a
failed-then-re-sent commit with a clean one.

`FaultyDatabase` wraps the shared test store (tests/support.py `make_database`) and fails call number
`fail_at` (counted from `arm()`), either before the call reaches the store (`mode="before"`: nothing
written) or after it did (`mode="after"`: written, but the reply is lost, as on a dropped connection).

`python -m tests.scorm.faults` prints the matrix (scenario x mode x failing call -> outcome of the
re-send) that tests/scorm/test_faults.py asserts on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lrs.auth import authority_agent
from lrs.errors import StorageUnavailable
from lrs.scorm.audit import Client
from lrs.scorm.ingest import Caller, ingest
from lrs.settings import Settings
from lrs.storage import Database
from lrs.storage.indexes import (
    ACTIVITIES,
    DOCUMENTS,
    SCORM_ATTEMPTS,
    SCORM_AUDIT,
    SCORM_COMMITS,
    SCORM_ENROLLMENTS,
    SCORM_SESSIONS,
    STATEMENTS,
    create_indexes,
)
from tests.scorm.helpers import commit
from tests.support import make_database, make_settings

FROZEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
STATE = (SCORM_ATTEMPTS, SCORM_ENROLLMENTS, SCORM_SESSIONS, SCORM_COMMITS, STATEMENTS, ACTIVITIES, DOCUMENTS)


class InjectedFault(StorageUnavailable):
    """The store "failed" (raised where a driver error would be)."""


class FaultyCollection:
    def __init__(self, inner: Any, db: FaultyDatabase) -> None:
        self._inner, self._db, self.name = inner, db, inner.name

    def __getattr__(self, attr: str) -> Callable[..., Any]:
        method = getattr(self._inner, attr)

        async def call(*args: Any, **kwargs: Any) -> Any:
            fail = self._db.count(f"{self.name}.{attr}")
            if fail and self._db.mode == "before":
                raise InjectedFault(f"injected fault before {self.name}.{attr}")
            result = await method(*args, **kwargs)
            if fail:
                raise InjectedFault(f"injected fault after {self.name}.{attr}")
            return result

        return call


class FaultyDatabase:
    """A Database whose call number `fail_at` (after arm()) fails; `calls` names every call made."""

    def __init__(self, inner: Database) -> None:
        self.inner, self.kind = inner, inner.kind
        self.fail_at: int | None = None
        self.mode = "before"
        self.calls: list[str] = []
        self.failed: str | None = None

    def arm(self, fail_at: int | None, mode: str = "before") -> None:
        self.fail_at, self.mode, self.calls, self.failed = fail_at, mode, [], None

    def count(self, name: str) -> bool:
        if self.fail_at is None:
            return False
        self.calls.append(name)
        if len(self.calls) == self.fail_at:
            self.failed = name
            return True
        return False

    def collection(self, name: str) -> Any:
        return FaultyCollection(self.inner.collection(name), self)

    async def ping(self) -> None:
        await self.inner.ping()

    async def drop(self) -> None:
        await self.inner.drop()

    async def close(self) -> None:
        await self.inner.close()


@contextlib.contextmanager
def frozen_clocks() -> Iterator[None]:
    """One server time everywhere a commit reads the clock, so two runs store identical records."""
    import lrs.scorm.ingest
    import lrs.xapi.documents
    import lrs.xapi.statements

    targets = [(lrs.scorm.ingest, "now_ms"), (lrs.xapi.statements, "now_ms"), (lrs.xapi.documents, "_now")]
    saved = [(module, name, getattr(module, name)) for module, name in targets]
    for module, name in targets:
        setattr(module, name, lambda: FROZEN)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def first_commits() -> list[dict[str, Any]]:
    return [commit("2004", "s1", 0, {"cmi.entry": "ab-initio", "cmi.location": "p1"}, "initialize")]


SCORED = {
    "cmi.location": "p2",
    "cmi.score.raw": "70",
    "cmi.score.scaled": "0.7",
    "cmi.session_time": "PT2M",
    "cmi.interactions.0.id": "q1",
    "cmi.interactions.0.type": "choice",
    "cmi.interactions.0.learner_response": "a",
    "cmi.interactions.0.result": "correct",
    "cmi.objectives.0.id": "o1",
    "cmi.objectives.0.success_status": "passed",
}
TERMINATE = {
    "cmi.completion_status": "completed",
    "cmi.success_status": "passed",
    "cmi.session_time": "PT3M",
    "cmi.exit": "normal",
}

# name -> (commits applied before, the request that fails and is sent again (a list = a batch))
SCENARIOS: dict[str, tuple[list[dict[str, Any]], Any]] = {
    "first commit of a session": ([], first_commits()[0]),
    "commit with score and interactions": (first_commits(), commit("2004", "s1", 1, SCORED)),
    "terminate": (
        [*first_commits(), commit("2004", "s1", 1, SCORED)],
        commit("2004", "s1", 2, TERMINATE, "terminate"),
    ),
    "first commit of a resumed session": (
        [*first_commits(), commit("2004", "s1", 1, {"cmi.exit": "suspend"}, "terminate")],
        commit("2004", "s2", 0, {"cmi.entry": "resume", "cmi.location": "p9"}, "initialize"),
    ),
    "batch": (
        first_commits(),
        [
            commit("2004", "s1", 2, {"cmi.location": "p3", "cmi.score.raw": "80"}),
            commit("2004", "s1", 1, SCORED),
            commit("2004", "s1", 3, TERMINATE, "terminate"),
        ],
    ),
}


def _caller(settings: Settings) -> Caller:
    return Caller(authority_agent("k", "launcher", settings.lms_homepage), "k", Client("10.0.0.1", "t"))


async def _send(db: Any, settings: Settings, request: Any) -> list[dict[str, Any]]:
    batch = isinstance(request, list)
    return await ingest(db, settings, request if batch else [request], batch, _caller(settings))


async def snapshot(db: Any) -> dict[str, Any]:
    """Every stored record of the commit's work, and the audit rows by outcome (ids of random rows
    left out: they differ between runs by design)."""
    state: dict[str, Any] = {}
    for name in STATE:
        state[name] = await db.inner.collection(name).find({}, sort=[("_id", 1)])
    audit = await db.inner.collection(SCORM_AUDIT).find({}, sort=[("_id", 1)])
    state["audit_applied"] = [r for r in audit if r["outcome"] in ("applied", "stale")]
    state["audit_other"] = Counter(r["outcome"] for r in audit if r["outcome"] not in ("applied", "stale"))
    return state


@dataclass
class Run:
    failed_call: str | None
    first: list[dict[str, Any]] | None  # the answers, when the faulty request succeeded
    resent: list[dict[str, Any]]
    state: dict[str, Any] = field(default_factory=dict)


async def run(name: str, fail_at: int | None, mode: str = "before", settings: Settings | None = None) -> Run:
    """Apply the scenario's earlier commits, send its request with call `fail_at` failing, send it again."""
    settings = settings or make_settings()
    earlier, request = SCENARIOS[name]
    db = FaultyDatabase(make_database(settings))
    try:
        await create_indexes(db)
        for body in earlier:
            await _send(db, settings, body)
        db.arm(fail_at, mode)
        first: list[dict[str, Any]] | None = None
        with contextlib.suppress(InjectedFault):
            first = await _send(db, settings, request)
        failed = db.failed
        if first is not None and failed is not None:  # a batch answers each commit's own error
            first = None
        db.arm(None)
        resent = await _send(db, settings, request)
        return Run(failed, first, resent, await snapshot(db))
    finally:
        await db.drop()
        await db.close()


def clean(name: str) -> Run:
    """The scenario without faults (its request sent once; `resent` is that answer)."""

    async def go() -> Run:
        settings = make_settings()
        earlier, request = SCENARIOS[name]
        db = FaultyDatabase(make_database(settings))
        try:
            await create_indexes(db)
            for body in [*earlier]:
                await _send(db, settings, body)
            answers = await _send(db, settings, request)
            return Run(None, answers, answers, await snapshot(db))
        finally:
            await db.drop()
            await db.close()

    with frozen_clocks():
        return asyncio.run(go())


def calls_of(name: str) -> list[str]:
    """The store calls the scenario's request makes when nothing fails."""

    async def go() -> list[str]:
        settings = make_settings()
        earlier, request = SCENARIOS[name]
        db = FaultyDatabase(make_database(settings))
        try:
            await create_indexes(db)
            for body in earlier:
                await _send(db, settings, body)
            db.arm(10**9)
            await _send(db, settings, request)
            return list(db.calls)
        finally:
            await db.drop()
            await db.close()

    with frozen_clocks():
        return asyncio.run(go())


def faulty(name: str, fail_at: int, mode: str) -> Run:
    with frozen_clocks():
        return asyncio.run(run(name, fail_at, mode))


def matrix() -> list[tuple[str, str, int, str, str]]:
    """(scenario, mode, N, the failing call, what the re-send did) for every call of every scenario."""
    rows = []
    for name in SCENARIOS:
        for mode in ("before", "after"):
            for n, call in enumerate(calls_of(name), start=1):
                result = faulty(name, n, mode)
                outcomes = ",".join(sorted({a.get("outcome", str(a.get("status"))) for a in result.resent}))
                rows.append((name, mode, n, call, outcomes))
    return rows


if __name__ == "__main__":
    for row in matrix():
        print("\t".join(str(x) for x in row))
