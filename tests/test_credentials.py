"""Credentials: the default credential's start-up rule, and secret checks off the event loop."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from lrs import credentials
from lrs.app import create_app
from lrs.credentials import SecretChecker, ensure_default_credential, hash_secret
from lrs.errors import ServiceBusy, Unauthorized
from lrs.storage.indexes import CREDENTIALS
from lrs.storage.memory import MemoryDatabase
from tests.support import API_KEY, API_SECRET, basic_auth, make_settings


def whoami(db: MemoryDatabase, secret: str = API_SECRET, **settings: str) -> int:
    """Start the app on `db` (a restart), call whoami with the default key, stop it."""
    with TestClient(create_app(make_settings(**settings), db)) as client:
        return client.get("/admin/whoami", headers={"Authorization": basic_auth(API_KEY, secret)}).status_code


def test_credentials_default_revocation_survives_a_restart() -> None:
    db = MemoryDatabase()
    with TestClient(create_app(make_settings(), db), headers={"Authorization": basic_auth()}) as client:
        assert client.delete(f"/admin/credentials/{API_KEY}").status_code == 200
    assert whoami(db) == 401
    assert whoami(db, "a-new-secret", default_api_secret="a-new-secret") == 401  # not even a new secret


def test_credentials_default_rotation_survives_a_restart_until_the_environment_changes() -> None:
    db = MemoryDatabase()
    with TestClient(create_app(make_settings(), db), headers={"Authorization": basic_auth()}) as client:
        rotated = client.post(f"/admin/credentials/{API_KEY}/rotate").json()["secret"]
    assert whoami(db) == 401
    assert whoami(db, rotated) == 200
    assert whoami(db, "changed", default_api_secret="changed") == 200
    assert whoami(db, rotated) == 401


def test_credentials_default_gets_every_scope_and_keeps_its_label() -> None:
    async def run() -> tuple[list[str], str, dict[str, object]]:
        db = MemoryDatabase()
        await db.collection(CREDENTIALS).insert_one(
            {
                "_id": "lms",
                "name": "old label",
                "scopes": ["all"],
                "secret_hash": hash_secret("s"),
                "revoked": False,
                "created": datetime.now(UTC),
            }
        )
        first = await ensure_default_credential(db, "lms", "s")
        second = await ensure_default_credential(db, "lms", "s")
        doc = await db.collection(CREDENTIALS).find_one({"_id": "lms"})
        assert doc is not None
        return [first, second], doc["secret_hash"], doc

    outcomes, secret_hash, doc = asyncio.run(run())
    assert outcomes == ["unchanged", "unchanged"]
    assert doc["scopes"] == list(credentials.ALL_SCOPES) and doc["name"] == "old label"
    assert doc["env_secret_hash"] == secret_hash


def test_credentials_default_outcomes() -> None:
    async def run() -> list[str]:
        db = MemoryDatabase()
        done = [await ensure_default_credential(db, "lms", "one")]
        done.append(await ensure_default_credential(db, "lms", "one"))
        done.append(await ensure_default_credential(db, "lms", "two"))
        await credentials.revoke_credential(db, "lms")
        done.append(await ensure_default_credential(db, "lms", "three"))
        return done

    assert asyncio.run(run()) == ["created", "unchanged", "secret updated", "revoked"]


def test_credentials_checks_run_on_the_pool_not_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    real = credentials.verify_secret

    def recording(secret: str, stored: str) -> bool:
        threads.append(threading.current_thread().name)
        return real(secret, stored)

    monkeypatch.setattr(credentials, "verify_secret", recording)

    async def run() -> list[bool]:
        checker = SecretChecker(threads=2, queue=4)
        stored = hash_secret("right")
        try:
            return [await checker.check("right", stored), await checker.check("wrong", stored)]
        finally:
            checker.close()

    assert asyncio.run(run()) == [True, False]
    assert len(threads) == 2 and all(name.startswith("lrs-scrypt") for name in threads)


def test_credentials_unknown_key_is_checked_against_a_dummy_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Equal work: an unknown key runs the same scrypt check as a wrong secret for a real key."""
    checked: list[str] = []
    real = credentials.verify_secret

    def recording(secret: str, stored: str) -> bool:
        checked.append(stored)
        return real(secret, stored)

    monkeypatch.setattr(credentials, "verify_secret", recording)
    with TestClient(create_app(make_settings(auth_cache_seconds=0), MemoryDatabase())) as client:
        unknown = client.get("/admin/whoami", headers={"Authorization": basic_auth("nobody", API_SECRET)})
        known = client.get("/admin/whoami", headers={"Authorization": basic_auth(API_KEY, "wrong")})
    assert unknown.status_code == known.status_code == 401
    assert unknown.json() == known.json()
    assert len(checked) == 2 and all(h.startswith("scrypt$16384$8$1$") for h in checked)
    assert checked[0] != checked[1]  # the dummy hash, then the real key's


def test_credentials_checks_beyond_the_queue_are_refused_busy() -> None:
    async def run() -> list[object]:
        checker = SecretChecker(threads=1, queue=1)
        stored = hash_secret("x")
        try:
            return await asyncio.gather(
                *(checker.check("x", stored) for _ in range(3)), return_exceptions=True
            )
        finally:
            checker.close()

    results = asyncio.run(run())
    assert results[:2] == [True, True]
    assert isinstance(results[2], ServiceBusy) and results[2].headers["Retry-After"] == "1"


def test_credentials_concurrent_requests_with_one_credential_hash_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Many connections opened at once by one client: one scrypt check, not one per request."""
    from starlette.requests import Request

    from lrs.auth import Authenticator

    checks: list[str] = []
    real = credentials.verify_secret

    def recording(secret: str, stored: str) -> bool:
        checks.append(secret)
        return real(secret, stored)

    monkeypatch.setattr(credentials, "verify_secret", recording)

    def request(secret: str) -> Request:
        header = basic_auth(API_KEY, secret).encode()
        return Request({"type": "http", "headers": [(b"authorization", header)], "client": ("10.0.0.1", 1)})

    async def run() -> tuple[list[object], list[object]]:
        db = MemoryDatabase()
        await ensure_default_credential(db, API_KEY, API_SECRET)
        authenticator = Authenticator(db, make_settings())
        try:
            right = [authenticator.authenticate(request(API_SECRET)) for _ in range(5)]
            wrong = [authenticator.authenticate(request("wrong")) for _ in range(5)]
            return (
                await asyncio.gather(*right, return_exceptions=True),
                await asyncio.gather(*wrong, return_exceptions=True),
            )
        finally:
            authenticator.close()

    right, wrong = asyncio.run(run())
    assert [getattr(p, "key", None) for p in right] == [API_KEY] * 5
    assert all(isinstance(e, Unauthorized) for e in wrong)
    assert sorted(checks) == [API_SECRET, "wrong"]
