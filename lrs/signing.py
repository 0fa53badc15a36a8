"""Signed tokens: the one place that signs and verifies what leaves the server.

Every token names its kind; each kind has its own purpose string (mixed into the HMAC) and its own
lifetime, so a token of one kind is never accepted as another. Tokens are `v1.<payload>.<mac>`
(base64url JSON payload, HMAC-SHA256), verifiable by any instance that shares the key, with no
database read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import orjson

from lrs.errors import InvalidToken

VERSION = "v1"


@dataclass(frozen=True)
class Kind:
    """A kind of token: its purpose (part of what is signed) and default lifetime in seconds."""

    purpose: str
    ttl_s: float | None


# Every kind of token the service issues. A new kind gets a new purpose string; never reuse one.
KINDS: dict[str, Kind] = {
    "more": Kind("lrs-bridge/xapi-more", ttl_s=24 * 3600),
    "cursor": Kind("lrs-bridge/cursor", ttl_s=None),
    "launch": Kind("lrs-bridge/scorm-launch", ttl_s=4 * 3600),
    "postback": Kind("lrs-bridge/postback", ttl_s=None),
    "session": Kind("lrs-bridge/dashboard-session", ttl_s=8 * 3600),
    "csrf": Kind("lrs-bridge/dashboard-csrf", ttl_s=8 * 3600),
    "changes": Kind("lrs-bridge/report-changes", ttl_s=None),
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> str:
    """A fresh random signing key (for a store that has none configured)."""
    return secrets.token_urlsafe(48)


class Signer:
    """Signs and verifies tokens with one server key (LRS_SECRET_KEY, shared by every instance)."""

    def __init__(self, key: str | bytes, *, clock: Any = time.time) -> None:
        self._key = key.encode() if isinstance(key, str) else key
        self._clock = clock

    def _mac(self, kind: str, body: str) -> str:
        message = f"{VERSION}\n{KINDS[kind].purpose}\n{body}".encode()
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())

    def sign(self, kind: str, payload: dict[str, Any], *, ttl_s: float | None = None) -> str:
        """A token carrying `payload`; it expires after `ttl_s` (default: the kind's lifetime)."""
        lifetime = ttl_s if ttl_s is not None else KINDS[kind].ttl_s
        claims = dict(payload)
        if lifetime is not None:
            claims["exp"] = int(self._clock() + lifetime)
        body = _b64(orjson.dumps(claims))
        return f"{VERSION}.{body}.{self._mac(kind, body)}"

    def verify(self, kind: str, token: str) -> dict[str, Any]:
        """The payload of a token of this kind; InvalidToken when tampered, of another kind, or expired."""
        parts = token.split(".") if isinstance(token, str) else []
        if len(parts) != 3 or parts[0] != VERSION:
            raise InvalidToken(kind, "not a token issued by this server")
        _, body, mac = parts
        if not hmac.compare_digest(mac.encode(), self._mac(kind, body).encode()):
            raise InvalidToken(kind, "signature does not match (tampered, or of another kind)")
        try:
            claims = orjson.loads(_unb64(body))
        except (ValueError, orjson.JSONDecodeError):
            raise InvalidToken(kind, "payload is not readable") from None
        if not isinstance(claims, dict):
            raise InvalidToken(kind, "payload is not an object")
        exp = claims.pop("exp", None)
        if exp is not None and (not isinstance(exp, int) or exp < self._clock()):
            raise InvalidToken(kind, "expired")
        return claims


async def load_signer(db: Any, configured: str | None) -> Signer:
    """The configured key, else the one kept in the database (created once; every instance reads it)."""
    if configured:
        return Signer(configured)
    meta = db.collection("meta")
    await meta.update_one({"_id": "signing-key"}, {"$setOnInsert": {"key": new_key()}}, upsert=True)
    doc = await meta.find_one({"_id": "signing-key"})
    assert doc is not None
    return Signer(str(doc["key"]))
