"""API credentials: created, listed, revoked and rotated (admin API); secrets kept as slow salted hashes."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lrs.errors import BadRequest, Conflict, DuplicateKey, NotFound, ServiceBusy
from lrs.storage import Database
from lrs.storage.indexes import CREDENTIALS

# Scopes of xAPI 1.0.3 (Communication 4.2) plus the bridge's own.
XAPI_SCOPES = (
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "state",
    "define",
    "profile",
    "all/read",
    "all",
)
# `admin` (the /admin API) is granted by no other scope, `all` included.
BRIDGE_SCOPES = ("scorm/commit", "reports/read", "scorm/launch", "admin", "metrics")
ALL_SCOPES = XAPI_SCOPES + BRIDGE_SCOPES

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def hash_secret(secret: str) -> str:
    """A salted scrypt hash of a secret, as stored."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str) -> bool:
    """Whether a secret matches a stored hash (constant-time comparison)."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


@functools.cache
def _dummy_hash() -> str:
    """A hash no secret is known to match: unknown, revoked and expired keys are checked against it."""
    return hash_secret(secrets.token_urlsafe(24))


class SecretChecker:
    """Checks secrets against stored hashes on a bounded thread pool, never on the event loop
    (hashlib.scrypt releases the GIL). A missing hash (unknown key) is checked against a dummy
    one, so it costs the same as a wrong secret for a real key. More than `queue` checks waiting
    for a thread are refused with ServiceBusy (503) rather than queued without bound."""

    def __init__(self, threads: int, queue: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="lrs-scrypt")
        self._limit = max(1, threads) + max(0, queue)
        self._in_flight = 0

    async def check(self, secret: str, stored: str | None) -> bool:
        """Whether `secret` matches `stored`; always False, after the same work, when `stored` is None."""
        if self._in_flight >= self._limit:
            raise ServiceBusy("too many credential checks in progress; retry shortly")
        self._in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            if stored is None:
                await loop.run_in_executor(self._pool, verify_secret, secret, await self._dummy(loop))
                return False
            return await loop.run_in_executor(self._pool, verify_secret, secret, stored)
        finally:
            self._in_flight -= 1

    async def _dummy(self, loop: asyncio.AbstractEventLoop) -> str:
        return await loop.run_in_executor(self._pool, _dummy_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class Credential:
    key: str
    label: str
    scopes: tuple[str, ...]
    created: datetime
    revoked: bool
    expires_at: datetime | None = None

    @property
    def name(self) -> str:
        """The label (the name of the authority agent of statements stored with this credential)."""
        return self.label

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def _from_doc(doc: dict[str, Any]) -> Credential:
    # credentials stored before labels existed kept the label as `name`
    label = doc.get("label", doc.get("name", ""))
    return Credential(
        doc["_id"], label, tuple(doc["scopes"]), doc["created"], doc["revoked"], doc.get("expires_at")
    )


def check_scopes(scopes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The scopes (duplicates dropped, order kept), or BadRequest naming the unknown one."""
    for scope in scopes:
        if scope not in ALL_SCOPES:
            raise BadRequest(f"unknown scope {scope!r}; known: {', '.join(ALL_SCOPES)}", field="scopes")
    return tuple(dict.fromkeys(scopes))


def _stored_time(value: datetime) -> datetime:
    """A date as the store keeps it (UTC, millisecond precision), so answers match later reads."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def new_secret() -> str:
    return secrets.token_urlsafe(24)


async def create_credential(
    db: Database,
    name: str,
    scopes: list[str] | tuple[str, ...],
    key: str | None = None,
    secret: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[Credential, str]:
    """Create (or, when `key` exists, update and un-revoke) a credential; returns it with its clear secret."""
    scopes = check_scopes(scopes)
    key = key or secrets.token_hex(12)
    secret = secret or new_secret()
    now = _stored_time(datetime.now(UTC))
    await db.collection(CREDENTIALS).update_one(
        {"_id": key},
        {
            "$set": {
                "label": name,
                "scopes": list(scopes),
                "secret_hash": hash_secret(secret),
                "revoked": False,
                "expires_at": _stored_time(expires_at) if expires_at else None,
            },
            "$setOnInsert": {"created": now},
        },
        upsert=True,
    )
    doc = await db.collection(CREDENTIALS).find_one({"_id": key})
    assert doc is not None
    return _from_doc(doc), secret


async def ensure_default_credential(db: Database, key: str, secret: str) -> str:
    """Apply LRS_DEFAULT_API_KEY/SECRET at start-up; answers what was done (`created`, `secret
    updated`, `unchanged`, or `revoked` when it is revoked and so left alone).

    The rule: created once, with every scope, when absent. When present it gets every scope
    (scopes added since are granted) and is never un-revoked, nor does its expiry change. Its secret
    is replaced only when the environment's secret changed since it was last applied
    (`env_secret_hash`), so a rotation through the admin API stays in force across restarts until
    the operator sets a new LRS_DEFAULT_API_SECRET.
    """
    coll = db.collection(CREDENTIALS)
    doc = await coll.find_one({"_id": key})
    if doc is None:
        hashed = hash_secret(secret)
        try:
            await coll.insert_one(
                {
                    "_id": key,
                    "label": "default",
                    "scopes": list(ALL_SCOPES),
                    "secret_hash": hashed,
                    "env_secret_hash": hashed,
                    "revoked": False,
                    "expires_at": None,
                    "created": _stored_time(datetime.now(UTC)),
                }
            )
            return "created"
        except DuplicateKey:  # another worker starting at the same time created it
            doc = await coll.find_one({"_id": key})
            assert doc is not None
    if doc.get("revoked"):
        return "revoked"
    updates: dict[str, Any] = {"scopes": list(ALL_SCOPES)}
    applied = doc.get("env_secret_hash")
    outcome = "unchanged"
    if not verify_secret(secret, applied or doc["secret_hash"]):
        updates["secret_hash"] = updates["env_secret_hash"] = hash_secret(secret)
        outcome = "secret updated"
    elif applied is None:  # stored before this rule: the stored secret is the one applied
        updates["env_secret_hash"] = doc["secret_hash"]
    await coll.update_one({"_id": key, "revoked": False}, {"$set": updates})
    return outcome


async def issue_credential(
    db: Database, label: str, scopes: list[str] | tuple[str, ...], expires_at: datetime | None
) -> tuple[Credential, str]:
    """A new credential with a random key and secret; the clear secret is returned only here."""
    scopes = check_scopes(scopes)
    secret = new_secret()
    credential = Credential(
        secrets.token_hex(12),
        label,
        scopes,
        _stored_time(datetime.now(UTC)),
        False,
        _stored_time(expires_at) if expires_at else None,
    )
    await db.collection(CREDENTIALS).insert_one(
        {
            "_id": credential.key,
            "label": credential.label,
            "scopes": list(credential.scopes),
            "secret_hash": hash_secret(secret),
            "revoked": False,
            "expires_at": credential.expires_at,
            "created": credential.created,
        }
    )
    return credential, secret


async def list_credentials(db: Database) -> list[Credential]:
    """Every credential, revoked and expired ones included, without secrets (oldest first)."""
    docs = await db.collection(CREDENTIALS).find({}, sort=[("created", 1), ("_id", 1)])
    return [_from_doc(d) for d in docs]


async def revoke_credential(db: Database, key: str) -> None:
    """Revoke a credential (again: no change); NotFound when there is none with that key."""
    result = await db.collection(CREDENTIALS).update_one({"_id": key}, {"$set": {"revoked": True}})
    if not result.matched:
        raise NotFound(f"no credential with key {key!r}", field="key")


async def rotate_credential(db: Database, key: str) -> str:
    """Give a live credential a new random secret (the old one stops working); returns it in clear.

    NotFound for an unknown key; Conflict for a revoked one (revocation is final)."""
    secret = new_secret()
    result = await db.collection(CREDENTIALS).update_one(
        {"_id": key, "revoked": False}, {"$set": {"secret_hash": hash_secret(secret)}}
    )
    if not result.matched:
        if await db.collection(CREDENTIALS).find_one({"_id": key}, {"_id": 1}) is None:
            raise NotFound(f"no credential with key {key!r}", field="key")
        raise Conflict(f"credential {key!r} is revoked; create a new one instead", field="key")
    return secret


async def find_credential_hash(db: Database, key: str) -> tuple[Credential, str] | None:
    """A live credential and its stored hash, or None when unknown, revoked or expired."""
    doc = await db.collection(CREDENTIALS).find_one({"_id": key})
    if doc is None or doc.get("revoked"):
        return None
    credential = _from_doc(doc)
    if credential.expired(datetime.now(UTC)):
        return None
    return credential, doc["secret_hash"]
