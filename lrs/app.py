"""create_app: the Starlette application (middleware, routes, lifespan) for one process."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect

from lrs.auth import Authenticator
from lrs.credentials import ALL_SCOPES, create_credential
from lrs.errors import (
    LrsError,
    handle_client_disconnect,
    handle_http_error,
    handle_lrs_error,
    handle_unexpected_error,
)
from lrs.headers import SecurityHeadersMiddleware
from lrs.limits import BodyLimitMiddleware
from lrs.routes import routes
from lrs.settings import Settings
from lrs.signing import load_signer
from lrs.storage import Database, open_database
from lrs.storage.indexes import create_indexes
from lrs.storage.memory import relax_garbage_collector
from lrs.xapi.middleware import XapiMiddleware

log = logging.getLogger("lrs")

EXPOSED_HEADERS = [
    "ETag",
    "Last-Modified",
    "Location",
    "X-Experience-API-Version",
    "X-Experience-API-Consistent-Through",
]


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    """The service for one process; `database` lets tests share or inspect a store."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = database or open_database(settings)
        if db.kind == "memory":
            relax_garbage_collector()
        await create_indexes(db)
        if settings.default_api_key and settings.default_api_secret:
            await create_credential(
                db,
                "default",
                ALL_SCOPES,
                key=settings.default_api_key,
                secret=settings.default_api_secret.get_secret_value(),
            )
        app.state.settings = settings
        app.state.db = db
        secret = settings.secret_key.get_secret_value() if settings.secret_key else None
        app.state.signer = await load_signer(db, secret)
        app.state.authenticator = Authenticator(db, settings.lms_homepage, settings.auth_cache_seconds)
        try:
            yield
        finally:
            if database is None:
                await db.close()

    # cross-origin access only for the origins allowed (none by default: no CORS headers at all)
    cors = [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )
    ]
    middleware = [
        Middleware(SecurityHeadersMiddleware),
        *(cors if settings.cors_origins else []),
        Middleware(XapiMiddleware),
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            LrsError: handle_lrs_error,
            HTTPException: handle_http_error,
            ClientDisconnect: handle_client_disconnect,
            Exception: handle_unexpected_error,
        },
        lifespan=lifespan,
    )
