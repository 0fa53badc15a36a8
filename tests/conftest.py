"""Shared fixtures: a store (in-memory, or real MongoDB when LRS_TEST_MONGODB_URL is set), an app
on it with an all-scopes credential, and an HTTP client that speaks xAPI 1.0.3 by default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.settings import Settings
from tests.support import MONGODB_URL, basic_auth, make_database, make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """An authenticated client on a fresh store, sending X-Experience-API-Version 1.0.3."""
    database = make_database(settings)
    app = create_app(settings, database)
    with TestClient(
        app,
        base_url="http://testserver",
        headers={"Authorization": basic_auth(), "X-Experience-API-Version": "1.0.3"},
    ) as test_client:
        yield test_client
        if MONGODB_URL:
            test_client.portal.call(database.drop)  # type: ignore[union-attr]
