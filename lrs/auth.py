"""HTTP Basic credentials -> the caller (a Principal: authority agent and scopes); scope checks.

Verifying a scrypt hash costs tens of milliseconds, so a verified (key, secret digest) is trusted
for `auth_cache_seconds` within one process; revocation and rotation take effect at once in the
process that made them and everywhere else within that time; expiry is checked on every request.
The cache holds no secret, only a SHA-256 digest of it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from lrs.credentials import Credential, find_credential_hash, verify_secret
from lrs.errors import Forbidden, Unauthorized
from lrs.metrics import FAILED_LOGINS

# scopes that grant a given scope, besides itself
_GRANTED_BY: dict[str, tuple[str, ...]] = {
    "statements/read": ("all", "all/read"),
    "statements/read/mine": ("all", "all/read", "statements/read"),
    "statements/write": ("all",),
    "state": ("all",),
    "state/read": ("all", "all/read", "state"),
    "profile": ("all",),
    "profile/read": ("all", "all/read", "profile"),
    "define": ("all",),
    "define/read": ("all", "all/read", "define", "statements/read"),
    "scorm/commit": ("all",),
    "scorm/launch": ("all",),
    "reports/read": ("all", "all/read"),
    "metrics": ("admin",),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the credential key, its authority agent and its scopes."""

    key: str
    name: str
    scopes: frozenset[str]
    authority: dict[str, Any]
    expires_at: datetime | None = None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or any(s in self.scopes for s in _GRANTED_BY.get(scope, ()))

    @property
    def reads_only_own_statements(self) -> bool:
        """statements/read/mine without a broader read scope: sees only statements it is authority of."""
        return not self.allows("statements/read") and self.allows("statements/read/mine")


def authority_agent(key: str, name: str, homepage: str) -> dict[str, Any]:
    """The agent stored as `authority` of statements sent with a credential."""
    return {"objectType": "Agent", "name": name, "account": {"homePage": homepage, "name": key}}


class Authenticator:
    """Turns an Authorization header into a Principal, with a short verification cache."""

    def __init__(self, db: Any, homepage: str, cache_seconds: float) -> None:
        self._db = db
        self._homepage = homepage
        self._ttl = cache_seconds
        self._cache: dict[tuple[str, str], tuple[float, Principal]] = {}

    async def authenticate(self, request: Request) -> Principal:
        header = request.headers.get("authorization")
        if not header:
            raise Unauthorized("missing Authorization header (HTTP Basic)")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise Unauthorized("only HTTP Basic authentication is supported")
        try:
            key, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("malformed Basic credentials") from None
        if not sep:
            raise Unauthorized("malformed Basic credentials")
        return await self._verify(key, secret)

    async def verify(self, key: str, secret: str) -> Principal:
        """The caller for a key and secret given another way than a header (the dashboard sign-in)."""
        return await self._verify(key, secret)

    def principal_of(self, credential: Credential) -> Principal:
        """The Principal a live credential stands for."""
        return Principal(
            credential.key,
            credential.name,
            frozenset(credential.scopes),
            authority_agent(credential.key, credential.name, self._homepage),
            credential.expires_at,
        )

    async def _verify(self, key: str, secret: str) -> Principal:
        cache_key = (key, hashlib.sha256(secret.encode()).hexdigest())
        cached = self._cache.get(cache_key)
        now = time.monotonic()
        if cached and cached[0] > now and not _expired(cached[1]):
            return cached[1]
        found = await find_credential_hash(self._db, key)
        if found is None or not verify_secret(secret, found[1]):
            self._cache.pop(cache_key, None)
            FAILED_LOGINS.inc()
            raise Unauthorized("unknown key or wrong secret")
        principal = self.principal_of(found[0])
        if self._ttl > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[cache_key] = (now + self._ttl, principal)
        return principal

    def forget(self, key: str) -> None:
        """Drop this process's cached verifications of a credential (after a revocation or rotation)."""
        for cache_key in [k for k in self._cache if k[0] == key]:
            del self._cache[cache_key]


def _expired(principal: Principal) -> bool:
    return principal.expires_at is not None and principal.expires_at <= datetime.now(UTC)


async def authenticate(request: Request) -> Principal:
    """The authenticated caller, whatever its scopes; 401 when unauthenticated."""
    principal: Principal = await request.app.state.authenticator.authenticate(request)
    return principal


async def require(request: Request, scope: str) -> Principal:
    """The authenticated caller, or 401/403 when unauthenticated or without `scope`."""
    principal = await authenticate(request)
    if not principal.allows(scope):
        raise Forbidden(f"credential {principal.key!r} lacks the {scope!r} scope", field="scope")
    return principal
