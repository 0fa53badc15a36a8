"""Helpers shared by the tests: settings, stores and credentials that never read the environment."""

from __future__ import annotations

import base64
import os
import uuid
from typing import Any

from lrs.settings import Settings
from lrs.storage import Database
from lrs.storage.memory import MemoryDatabase

API_KEY = "test-key"
API_SECRET = "test-secret"
MONGODB_URL = os.environ.get("LRS_TEST_MONGODB_URL")


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


def make_database(settings: Settings) -> Database:
    """A fresh store: a uniquely named database on LRS_TEST_MONGODB_URL, or a new in-memory one.

    The MongoDB client is created lazily by the app's lifespan loop (see storage/mongo.py), so this
    must be called where that loop runs: tests hand it to create_app, which opens it inside lifespan.
    """
    if MONGODB_URL:
        from lrs.storage.mongo import MongoDatabase

        return MongoDatabase(MONGODB_URL, f"lrs_test_{uuid.uuid4().hex[:12]}")
    return MemoryDatabase(settings.mongodb_database)
