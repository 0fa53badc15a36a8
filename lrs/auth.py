"""HTTP Basic credentials -> the caller (a Principal: authority agent and scopes); scope checks.

Verifying a scrypt hash costs tens of milliseconds, so it runs on a bounded thread pool (never on
the event loop), and a verified (key, secret digest) is trusted for `auth_cache_seconds` within one
process; revocation and rotation take effect at once in the process that made them and everywhere
else within that time; expiry is checked on every request. The cache holds no secret, only a
SHA-256 digest of it. Unknown keys cost the same work as wrong secrets (no enumeration by timing),
and failed logins are limited per key and per client address (lrs/login_limits.py).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from lrs.credentials import Credential, SecretChecker, find_credential_hash
from lrs.errors import Forbidden, Unauthorized
from lrs.login_limits import LoginLimiter, LoginLimits
from lrs.metrics import FAILED_LOGINS
from lrs.scorm.audit import client_ip, parse_networks
from lrs.settings import Settings
from lrs.storage import Database

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

    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._homepage = settings.lms_homepage
        self._ttl = settings.auth_cache_seconds
        self._cache: dict[tuple[str, str], tuple[float, Principal]] = {}
        self._pending: dict[tuple[str, str], asyncio.Future[Principal]] = {}
        self._trusted = parse_networks(settings.trusted_proxies)
        self._checker = SecretChecker(settings.auth_hash_threads, settings.auth_hash_queue)
        self._limiter = LoginLimiter(
            db,
            LoginLimits(
                settings.auth_max_failures_per_key,
                settings.auth_max_failures_per_address,
                settings.auth_failure_window_seconds,
                settings.auth_known_client_seconds,
            ),
        )

    def close(self) -> None:
        self._checker.close()

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
        return await self._verify(key, secret, self.client_address(request))

    def client_address(self, request: Request) -> str | None:
        """The client's address for the failed-login limits (X-Forwarded-For only from trusted proxies)."""
        peer = request.client.host if request.client else None
        return client_ip(peer, request.headers.get("x-forwarded-for"), self._trusted)

    async def verify(self, key: str, secret: str, address: str | None = None) -> Principal:
        """The caller for a key and secret given another way than a header (the dashboard sign-in);
        `address` (client_address) is whom the failed-login limits count against."""
        return await self._verify(key, secret, address)

    def principal_of(self, credential: Credential) -> Principal:
        """The Principal a live credential stands for."""
        return Principal(
            credential.key,
            credential.name,
            frozenset(credential.scopes),
            authority_agent(credential.key, credential.name, self._homepage),
            credential.expires_at,
        )

    async def _verify(self, key: str, secret: str, address: str | None) -> Principal:
        cache_key = (key, hashlib.sha256(secret.encode()).hexdigest())
        cached = self._cache.get(cache_key)
        if cached and cached[0] > time.monotonic() and not _expired(cached[1]):
            return cached[1]
        # one check per (key, secret) at a time: concurrent requests with the same credential (a
        # client opening many connections at once) wait for it instead of each hashing again
        pending = self._pending.get(cache_key)
        if pending is None:
            check = self._check(cache_key, key, secret, address)
            pending = self._pending[cache_key] = asyncio.ensure_future(check)
            pending.add_done_callback(lambda done: self._settled(cache_key, done))
        return await asyncio.shield(pending)

    def _settled(self, cache_key: tuple[str, str], done: asyncio.Future[Principal]) -> None:
        if self._pending.get(cache_key) is done:
            del self._pending[cache_key]
        if not done.cancelled():
            done.exception()  # retrieved here too, so a check nobody awaits any more is not reported

    async def _check(
        self, cache_key: tuple[str, str], key: str, secret: str, address: str | None
    ) -> Principal:
        await self._limiter.check(key, address)
        found = await find_credential_hash(self._db, key)
        # an unknown key is checked too (against a dummy hash): the same work as a wrong secret
        if not await self._checker.check(secret, found[1] if found else None) or found is None:
            self._cache.pop(cache_key, None)
            await self._limiter.record_failure(key, address)
            FAILED_LOGINS.inc()
            raise Unauthorized("unknown key or wrong secret")
        await self._limiter.record_success(key, address)
        principal = self.principal_of(found[0])
        if self._ttl > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[cache_key] = (time.monotonic() + self._ttl, principal)
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
