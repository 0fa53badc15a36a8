"""`lrs-bridge serve`: the one command that runs here, starting the service with uvicorn."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click


@click.command()
@click.option("--host", default=None, help="address to bind (default LRS_HOST or 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default LRS_PORT or 8000)")
@click.option("--workers", type=int, default=None, help="worker processes (needs LRS_MONGODB_URL when > 1)")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the service here with uvicorn (settings from LRS_* variables and .env)."""
    import uvicorn

    from lrs.logs import logging_config
    from lrs.settings import Settings
    from lrs.startup_report import startup_lines

    settings = Settings()
    workers = workers or settings.workers
    if workers > 1 and settings.mongodb_url is None:
        raise click.UsageError(
            "--workers > 1 needs LRS_MONGODB_URL: each worker would hold its own in-memory store"
        )
    host, port = host or settings.host, port or settings.port
    click.echo("\n".join(startup_lines(settings, host, port, workers)))
    with metrics_directory(workers):
        uvicorn.run(
            "lrs.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            log_config=logging_config(settings.log_level),
            access_log=False,  # lrs.access writes one JSON line per request instead
            proxy_headers=False,  # X-Forwarded-For is honoured per LRS_TRUSTED_PROXIES, by the service
            server_header=False,
        )


@contextlib.contextmanager
def metrics_directory(workers: int) -> Iterator[None]:
    """Several workers share their metrics through files (prometheus-client multiprocess mode): a fresh
    PROMETHEUS_MULTIPROC_DIR (emptied when given) for this run, set before the workers start."""
    from lrs.metrics import MULTIPROC_ENV

    if workers <= 1:
        yield
        return
    given = os.environ.get(MULTIPROC_ENV)
    directory = Path(given) if given else Path(tempfile.mkdtemp(prefix="lrs-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)
    try:
        yield
    finally:
        if not given:
            os.environ.pop(MULTIPROC_ENV, None)
            shutil.rmtree(directory, ignore_errors=True)
