"""Concurrent commits of one session never lose an update (service with asyncio.gather, HTTP with threads).

The in-memory store runs each call inline, so on its own it never interleaves two requests; the
YieldingDatabase below (over the run's store, in-memory or MongoDB) yields to the event loop before and after every store call (a random number of
times), so concurrent commits interleave between their writes the way they do on MongoDB, while each
single-document write stays atomic, as MongoDB guarantees.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.auth import authority_agent
from lrs.scorm.audit import Client
from lrs.scorm.ingest import Caller, ingest
from lrs.settings import Settings
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_ENROLLMENTS, SCORM_SESSIONS, STATEMENTS, create_indexes
from tests.scorm.helpers import ENROLLMENT, attempt_of, commit
from tests.support import Store, basic_auth, make_settings

COMMITS = 40


class YieldingCollection:
    """A collection whose every call yields to the event loop before and after the (atomic) call."""

    def __init__(self, inner: Any, rng: random.Random) -> None:
        self._inner, self._rng, self.name = inner, rng, inner.name

    def __getattr__(self, attr: str) -> Callable[..., Any]:
        method = getattr(self._inner, attr)

        async def call(*args: Any, **kwargs: Any) -> Any:
            for _ in range(self._rng.randrange(4)):
                await asyncio.sleep(0)
            result = await method(*args, **kwargs)
            for _ in range(self._rng.randrange(4)):
                await asyncio.sleep(0)
            return result

        return call


class YieldingDatabase:
    """Any store (the run's: in-memory, or MongoDB), its collections yielding around every call."""

    def __init__(self, inner: Database, seed: int) -> None:
        self._inner, self.kind = inner, inner.kind
        self._rng = random.Random(seed)

    def collection(self, name: str) -> Any:
        return YieldingCollection(self._inner.collection(name), self._rng)

    def __getattr__(self, attr: str) -> Any:  # open, ping, drop, close
        return getattr(self._inner, attr)


def session_commits(version: str = "2004") -> list[dict[str, Any]]:
    """COMMITS commits of one session; each sets shared elements and one interaction of its own."""
    return [
        commit(
            version,
            "s",
            n,
            {
                "cmi.location": f"p{n}",
                "cmi.suspend_data": f"d{n}",
                "cmi.session_time": f"PT{n}S",
                f"cmi.interactions.{n}.id": f"q{n}",
                f"cmi.interactions.{n}.type": "other",
                f"cmi.interactions.{n}.learner_response": f"r{n}",
            },
            "initialize" if n == 0 else "commit",
        )
        for n in range(COMMITS)
    ]


async def check_nothing_lost(db: Any) -> None:
    attempts = await db.collection(SCORM_ATTEMPTS).find({})
    assert [a["_id"] for a in attempts] == [attempt_of(1)]  # racing first commits found one attempt
    attempt = attempts[0]
    last = COMMITS - 1
    assert attempt["commit_count"] == COMMITS
    assert (attempt["location"], attempt["suspend_data"], attempt["last_sequence"]) == (
        f"p{last}",
        f"d{last}",
        last,
    )
    ids = [
        v["v"] for k, v in attempt["cmi"].items() if k.startswith("cmi|interactions|") and k.endswith("|id")
    ]
    assert sorted(ids) == sorted(f"q{n}" for n in range(COMMITS))  # interactions live in the tree only
    assert "interactions" not in attempt and attempt["pending"] == {}
    assert attempt["total_time_s"] == float(last)  # the latest session_time, once
    session = await db.collection(SCORM_SESSIONS).find_one({"_id": "s"})
    assert session is not None and (session["time_s"], session["session_time_seq"]) == (float(last), last)
    enrollment = await db.collection(SCORM_ENROLLMENTS).find_one({"_id": ENROLLMENT})
    assert enrollment is not None and enrollment["total_time_s"] == float(last)
    responded = await db.collection(STATEMENTS).find({"verb": "http://adlnet.gov/expapi/verbs/responded"})
    # each interaction is set once, by one commit: exactly one responded statement each, whatever order
    # the commits arrived in (interactions are keyed by their cmi index, not their list position)
    assert sorted(s["statement"]["object"]["id"].rsplit("/", 1)[1] for s in responded) == sorted(
        f"q{n}" for n in range(COMMITS)
    )


@pytest.mark.parametrize("seed", [pytest.param(s, id=f"seed-{s}") for s in (1, 2, 3)])
def test_concurrent_commits_of_one_session_lose_nothing_in_the_service(store: Store, seed: int) -> None:
    settings = make_settings()

    async def run() -> None:
        db = YieldingDatabase(store.db, seed)
        await create_indexes(db)
        caller = Caller(authority_agent("k", "launcher", settings.lms_homepage), "k", Client("10.0.0.1", "t"))
        commits = session_commits()
        random.Random(seed).shuffle(commits)
        results = await asyncio.gather(*(ingest(db, settings, [c], False, caller) for c in commits))
        assert all(r[0]["outcome"] in ("applied", "stale") for r in results)
        await check_nothing_lost(db)

    store.run(run())


@pytest.fixture
def yielding_client(settings: Settings, database: Database) -> Iterator[tuple[TestClient, YieldingDatabase]]:
    yielding = YieldingDatabase(database, 7)
    app = create_app(settings, yielding)  # type: ignore[arg-type]
    with TestClient(app, headers={"Authorization": basic_auth()}) as client:
        yield client, yielding


def test_concurrent_commits_of_one_session_lose_nothing_over_http(
    yielding_client: tuple[TestClient, YieldingDatabase],
) -> None:
    client, database = yielding_client
    commits = session_commits("2004")
    random.Random(5).shuffle(commits)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda c: client.post("/scorm/commits", json=c).status_code, commits))
    assert statuses == [200] * COMMITS
    client.portal.call(check_nothing_lost, database)  # type: ignore[union-attr]
