"""Startup work that needs the database (server check, indexes, default credential, signing key),
retried in the background while the database cannot be reached, so the process starts anyway and
becomes ready when the database does (/health/ready answers 503 until then)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from lrs.credentials import ensure_default_credential
from lrs.errors import StorageUnavailable
from lrs.scorm.audit import ensure_retention as ensure_audit_retention
from lrs.settings import Settings
from lrs.signing import Signer, load_signer
from lrs.storage import Database
from lrs.storage.indexes import create_indexes

log = logging.getLogger("lrs")

# seconds between attempts while the database cannot be reached: doubling from the first to the last
FIRST_RETRY_S = 0.5
LAST_RETRY_S = 30.0


class PendingSigner:
    """Stands in for the Signer until its key is read from the database: every use is a 503."""

    def _unavailable(self, *args: Any, **kwargs: Any) -> Any:
        raise StorageUnavailable("the signing key is not loaded yet: the database has not been reached")

    sign = verify = _unavailable


class Startup:
    """Runs `prepare` once, at startup if the database answers, else again and again until it does."""

    def __init__(self, state: Any, db: Database, settings: Settings) -> None:
        self._state, self._db, self._settings = state, db, settings
        self.ready = False
        self.problem: str | None = "starting"
        self._task: asyncio.Task[None] | None = None
        secret = settings.secret_key.get_secret_value() if settings.secret_key else None
        state.signer = Signer(secret) if secret else PendingSigner()

    async def prepare(self) -> None:
        """Everything the service needs from the database before it is ready."""
        settings = self._settings
        await self._db.open()  # MongoDB: reachable, and recent enough (UnsupportedServer otherwise)
        await create_indexes(self._db)
        await ensure_audit_retention(self._db, settings.audit_retention_days)
        if settings.default_api_key and settings.default_api_secret:
            outcome = await ensure_default_credential(
                self._db, settings.default_api_key, settings.default_api_secret.get_secret_value()
            )
            if outcome == "revoked":
                log.warning(
                    "default credential %r (LRS_DEFAULT_API_KEY) is revoked and stays revoked",
                    settings.default_api_key,
                )
            else:
                log.info("default credential %r: %s (every scope)", settings.default_api_key, outcome)
        if not settings.secret_key:
            self._state.signer = await load_signer(self._db, None)
        self.ready, self.problem = True, None

    async def start(self) -> None:
        """Prepare now; when the database cannot be reached, keep trying in the background.
        Any other failure (a server too old, a bug) stops the startup."""
        try:
            await self.prepare()
        except StorageUnavailable as exc:
            self.problem = f"waiting for the database: {exc.message}"
            log.warning("%s (%s); retrying in the background", self.problem, exc.__cause__ or exc)
            self._task = asyncio.create_task(self._retry())

    async def _retry(self) -> None:
        delay = FIRST_RETRY_S
        while True:
            await asyncio.sleep(delay)
            try:
                await self.prepare()
            except StorageUnavailable as exc:
                self.problem = f"waiting for the database: {exc.message}"
                delay = min(delay * 2, LAST_RETRY_S)
                continue
            except Exception as exc:  # no request waits on this task: say why the service stays unready
                self.problem = f"startup failed: {exc}"
                log.exception("startup failed; the service stays unready")
                return
            log.info("database reached: the service is ready")
            return

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
