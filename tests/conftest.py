"""Shared fixtures: a store (in-memory, or real MongoDB when LRS_TEST_MONGODB_URL is set), an app
on it with an all-scopes credential, and an HTTP client that speaks xAPI 1.0.3 by default.

Every test that touches storage takes one of STORE_FIXTURES, directly or through `client`, so it
runs on MongoDB when LRS_TEST_MONGODB_URL is set (each test its own database, dropped after). Tests
of the in-memory store itself are marked `memory_only` with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.settings import Settings
from lrs.storage import Database
from tests.conformance import check_response
from tests.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MONGODB_URL,
    STORE,
    Store,
    basic_auth,
    make_database,
    make_settings,
    open_store,
)

# and the fixtures that serve an app on make_database() themselves: the CLI tests' `server`, the
# browser tests' `dashboard_url`, the fuzz suite's module-wide `fuzz_client`
STORE_FIXTURES = {
    "store",
    "module_store",
    "database",
    "second_database",
    "server",
    "dashboard_url",
    "bridge",
    "fuzz_client",
}


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def database(settings: Settings) -> Database:
    """A fresh store for an app under test: create_app closes it at shutdown (dropping it on MongoDB)."""
    return make_database(settings)


@pytest.fixture
def second_database(settings: Settings) -> Database:
    """Another fresh store, for a second app in the same test (a MongoDB client serves one loop:
    two apps never share a store)."""
    return make_database(settings)


@pytest.fixture
def store() -> Iterator[Store]:
    """A fresh store for service-level tests: `store.run(coro)` runs on the loop its client uses."""
    with open_store() as opened:
        yield opened


@pytest.fixture(scope="module")
def module_store() -> Iterator[Store]:
    """One store shared by a module's read-only tests (seeded once)."""
    with open_store() as opened:
        yield opened


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium (never a downloaded browser) driven by Playwright, one per test module:
    Playwright's sync API keeps an event loop running in this thread while it is open, which the
    store fixtures' own loops cannot run beside. Skipped where Chromium is not installed, except in
    CI, where `make test` installs it."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium as root")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    """An authenticated client on a fresh store, sending X-Experience-API-Version 1.0.3."""
    app = create_app(settings, database)
    with TestClient(
        app,
        base_url="http://testserver",
        headers={"Authorization": basic_auth(), "X-Experience-API-Version": "1.0.3"},
    ) as test_client:
        test_client.event_hooks["response"].append(check_response)  # ops: responses match /openapi.json
        yield test_client


# --- which store this run's storage tests are on (printed by `make test`) ---------------------


def pytest_report_header(config: pytest.Config) -> str:
    if MONGODB_URL:
        return "store: mongodb (LRS_TEST_MONGODB_URL; each storage test on its own database, dropped after)"
    return "store: memory (mongomock; set LRS_TEST_MONGODB_URL to run the storage tests on MongoDB)"


_COUNTS = pytest.StashKey[dict[str, int]]()


def pytest_collection_finish(session: pytest.Session) -> None:
    counts = {"store": 0, "memory_only": 0, "none": 0}
    for item in session.items:  # what runs, after -k / -m deselection
        if item.get_closest_marker("memory_only"):
            counts["memory_only"] += 1
        elif STORE_FIXTURES & set(getattr(item, "fixturenames", ())):
            counts["store"] += 1
        else:
            counts["none"] += 1
    session.config.stash[_COUNTS] = counts


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    counts = config.stash.get(_COUNTS, None)
    if counts:
        terminalreporter.write_line(
            f"store: {STORE}: {counts['store']} storage tests ran on it (they follow "
            f"LRS_TEST_MONGODB_URL), {counts['memory_only']} memory-only, {counts['none']} without a store"
        )
