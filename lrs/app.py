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

from lrs.access import AccessMiddleware
from lrs.auth import Authenticator
from lrs.errors import (
    LrsError,
    handle_client_disconnect,
    handle_http_error,
    handle_lrs_error,
    handle_unexpected_error,
)
from lrs.headers import SecurityHeadersMiddleware
from lrs.limits import BodyLimitMiddleware
from lrs.metrics import StorageMetrics
from lrs.routes import routes
from lrs.scorm.postbacks import postback_worker
from lrs.settings import Settings
from lrs.startup import Startup
from lrs.startup_report import example_value_warnings
from lrs.storage import Database, open_database
from lrs.storage.instrumented import InstrumentedDatabase
from lrs.xapi.middleware import XapiMiddleware

log = logging.getLogger("lrs")

EXPOSED_HEADERS = [
    "ETag",
    "Last-Modified",
    "Location",
    "X-Experience-API-Version",
    "X-Experience-API-Consistent-Through",
    "X-Total-Count",  # report and export totals, for browser clients (the dashboard)
    "X-Request-ID",
]


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    """The service for one process; `database` lets tests share or inspect a store. The app owns the
    store it serves: it is closed when the app shuts down."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = database or open_database(settings)
        # --- ops: storage calls measured for /metrics; example settings warned about ---
        db = InstrumentedDatabase(db, StorageMetrics())
        for warning in example_value_warnings(settings):
            log.warning(warning)
        # --- end ops ---
        app.state.settings = settings
        app.state.db = db
        app.state.authenticator = Authenticator(db, settings)
        app.state.startup = startup = Startup(app.state, db, settings)
        app.state.postbacks = postback_worker(db, lambda: app.state.signer, settings, lambda: startup.ready)
        try:
            await startup.start()
            yield
        finally:
            await app.state.postbacks.stop()
            await startup.stop()
            app.state.authenticator.close()
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
        # ops: outermost, so every answer gets a request id, an access log line and its metrics
        Middleware(
            AccessMiddleware,
            routes=routes,
            hash_agents=settings.log_hash_agents,
            max_id_length=settings.request_id_max_length,
        ),
        Middleware(SecurityHeadersMiddleware),
        *(cors if settings.cors_origins else []),
        Middleware(XapiMiddleware),
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
    ]
    return Starlette(
        routes=[r for r in routes if settings.dashboard_enabled or getattr(r, "path", "") != "/dashboard"],
        middleware=middleware,
        exception_handlers={
            LrsError: handle_lrs_error,
            HTTPException: handle_http_error,
            ClientDisconnect: handle_client_disconnect,
            Exception: handle_unexpected_error,
        },
        lifespan=lifespan,
    )
