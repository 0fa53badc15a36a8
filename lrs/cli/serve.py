"""`lrs-bridge serve`: the one command that runs here, starting the service with uvicorn."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default=None, help="address to bind (default LRS_HOST or 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default LRS_PORT or 8000)")
@click.option("--workers", type=int, default=None, help="worker processes (needs LRS_MONGODB_URL when > 1)")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the service here with uvicorn (settings from LRS_* variables and .env)."""
    import uvicorn

    from lrs.settings import Settings

    settings = Settings()
    workers = workers or settings.workers
    if workers > 1 and settings.mongodb_url is None:
        raise click.UsageError(
            "--workers > 1 needs LRS_MONGODB_URL: each worker would hold its own in-memory store"
        )
    uvicorn.run(
        "lrs.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=False,  # X-Forwarded-For is honoured per LRS_TRUSTED_PROXIES, by the service
        server_header=False,
    )
