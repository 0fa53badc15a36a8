"""API credentials: created, listed and revoked by the CLI; secrets kept as slow salted hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lrs.errors import BadRequest, NotFound
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
BRIDGE_SCOPES = ("scorm/commit", "reports/read", "scorm/launch")
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


@dataclass(frozen=True)
class Credential:
    key: str
    name: str
    scopes: tuple[str, ...]
    created: datetime
    revoked: bool


def _from_doc(doc: dict[str, Any]) -> Credential:
    return Credential(doc["_id"], doc["name"], tuple(doc["scopes"]), doc["created"], doc["revoked"])


def check_scopes(scopes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The scopes, or BadRequest naming the unknown one."""
    for scope in scopes:
        if scope not in ALL_SCOPES:
            raise BadRequest(f"unknown scope {scope!r}; known: {', '.join(ALL_SCOPES)}", field="scopes")
    return tuple(scopes)


async def create_credential(
    db: Database,
    name: str,
    scopes: list[str] | tuple[str, ...],
    key: str | None = None,
    secret: str | None = None,
) -> tuple[Credential, str]:
    """Create (or, when `key` exists, update) a credential; returns it with its clear secret."""
    scopes = check_scopes(scopes)
    key = key or secrets.token_hex(12)
    secret = secret or secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    await db.collection(CREDENTIALS).update_one(
        {"_id": key},
        {
            "$set": {
                "name": name,
                "scopes": list(scopes),
                "secret_hash": hash_secret(secret),
                "revoked": False,
            },
            "$setOnInsert": {"created": now},
        },
        upsert=True,
    )
    doc = await db.collection(CREDENTIALS).find_one({"_id": key})
    assert doc is not None
    return _from_doc(doc), secret


async def list_credentials(db: Database) -> list[Credential]:
    """Every credential, revoked ones included, without secrets."""
    return [_from_doc(d) for d in await db.collection(CREDENTIALS).find({}, sort=[("created", 1)])]


async def revoke_credential(db: Database, key: str) -> None:
    """Revoke a credential; NotFound when there is none with that key."""
    result = await db.collection(CREDENTIALS).update_one({"_id": key}, {"$set": {"revoked": True}})
    if not result.matched:
        raise NotFound(f"no credential with key {key!r}", field="key")


async def find_credential_hash(db: Database, key: str) -> tuple[Credential, str] | None:
    """A live credential and its stored hash, or None when unknown or revoked."""
    doc = await db.collection(CREDENTIALS).find_one({"_id": key})
    if doc is None or doc.get("revoked"):
        return None
    return _from_doc(doc), doc["secret_hash"]
