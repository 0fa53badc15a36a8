"""Browser fixtures: a real uvicorn on 127.0.0.1 with the demo on, and Debian's Chromium driven by
Playwright (system browser only: nothing is downloaded). Screenshots go to tests/artifacts/browser/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.support import CHROMIUM, basic_auth, make_settings, running_server

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(
        f"{CHROMIUM} is missing (Debian's chromium package; `make test` installs it as root)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, BrowserContext, Page  # noqa: E402


@dataclass
class Bridge:
    """The running bridge: its base URL and an HTTP client with the test credential."""

    base: str
    http: httpx.Client

    def report(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def audit(self, session_id: str) -> list[dict[str, Any]]:
        return list(self.report("/scorm/commits", session_id=session_id)["commits"])


@pytest.fixture(scope="module")
def bridge() -> Iterator[Bridge]:
    with (
        running_server(make_settings(demo=True)) as base,
        httpx.Client(base_url=base, headers={"Authorization": basic_auth()}, timeout=10) as http,
    ):
        yield Bridge(base, http)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (its own localStorage) for one test."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        yield ctx
    finally:
        ctx.close()


def keep_screenshot(tab: Page, name: str) -> None:
    """Keep what a page shows as a test artifact (tests/artifacts/browser/<name>.png, gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page of the test's profile; its last state is kept as a screenshot."""
    tab = context.new_page()
    try:
        yield tab
    finally:
        if not tab.is_closed():
            keep_screenshot(tab, request.node.name)
