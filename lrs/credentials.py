"""API credentials: created, listed, revoked and rotated (admin API); secrets kept as slow salted hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lrs.errors import BadRequest, Conflict, NotFound
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
