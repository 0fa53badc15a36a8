"""The documentation page in headless Chromium (Debian's, driven by Playwright) against a real uvicorn,
with every request off 127.0.0.1 refused: Swagger UI renders the OpenAPI 3.1 description offline."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.openapi import build_document
from lrs.routes import routes
from tests.support import make_settings, running_server

pytestmark = [pytest.mark.uvicorn, pytest.mark.browser]


def test_docs_page_renders_every_operation_offline(browser: Any) -> None:
    operations = sum(len(ops) for ops in build_document(routes)["paths"].values())
    with running_server(make_settings()) as url:
        page = browser.new_page()
        refused: list[str] = []

        def only_the_bridge(route: Any) -> None:
            if route.request.url.startswith(url):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort()

        page.route("**/*", only_the_bridge)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        title = page.inner_text(".info .title")
        shown = page.locator(".opblock").count()
        page.close()
    assert "lrs-bridge" in title and "OAS 3.1" in title
    assert shown == operations
    assert refused == [] and errors == []
