"""The benchmark's server process: uvicorn (uvloop, httptools, one worker) on 127.0.0.1 serving either
lrs-bridge (`lrs.app:create_app`, storage instrumented) or the bare ceiling app, plus /__bench/ control
endpoints (storage meter, collection sizes, CPU time, profiler), and the launcher that starts it.

The server stops itself when its parent (the benchmark) goes away or after --max-seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import os
import pstats
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

API_KEY = "bench"
API_SECRET = "bench-secret"
ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS = (
    "statements",
    "activities",
    "documents",
    "attachments",
    "scorm_commits",
    "scorm_audit",
    "scorm_sessions",
    "scorm_attempts",
    "scorm_enrollments",
)


class BenchControl:
    """Wraps the served app: counts requests, answers /__bench/* (stats, reset, profile, drop)."""

    def __init__(self, app: ASGIApp, meter: Any = None) -> None:
        self.app = app
        self.meter = meter
        self.requests = 0
        self.profiler: cProfile.Profile | None = None
        self.since = (time.process_time(), time.perf_counter())
        self.gc_seconds = 0.0
        self.gc_collections = [0, 0, 0]
        self._gc_started = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        """Time the cyclic garbage collector: it walks every object, the in-memory store included."""
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_seconds += time.perf_counter() - self._gc_started
            self.gc_collections[info["generation"]] += 1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["path"].startswith("/__bench/"):
                await self._control(scope, send)
                return
            self.requests += 1
        await self.app(scope, receive, send)

    async def _control(self, scope: Scope, send: Send) -> None:
        action = scope["path"].removeprefix("/__bench/")
        answer: dict[str, Any] = {}
        if action == "stats":
            answer = {
                "requests": self.requests,
                "cpu_s": round(time.process_time() - self.since[0], 3),
                "wall_s": round(time.perf_counter() - self.since[1], 3),
                "gc_s": round(self.gc_seconds, 3),
                "gc_collections_by_generation": self.gc_collections,
            }
            if self.meter is not None:
                answer["storage"] = self.meter.snapshot()
                answer["collections"] = await self._sizes()
        elif action == "reset":
            self.requests = 0
            self.since = (time.process_time(), time.perf_counter())
            self.gc_seconds, self.gc_collections = 0.0, [0, 0, 0]
            if self.meter is not None:
                self.meter.reset()
        elif action == "profile/start":
            self.profiler = cProfile.Profile()
            self.profiler.enable()
        elif action == "profile/stop" and self.profiler is not None:
            self.profiler.disable()
            answer = _top(self.profiler)
            self.profiler = None
        elif action == "drop":
            await self.app.state.db.inner.drop()  # type: ignore[attr-defined]
        body = orjson.dumps(answer)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _sizes(self) -> dict[str, int]:
        db = self.app.state.db.inner  # type: ignore[attr-defined]
        sizes = {name: await db.collection(name).count({}) for name in COLLECTIONS}
        return {name: n for name, n in sizes.items() if n}


def _top(profiler: cProfile.Profile, n: int = 20) -> dict[str, Any]:
    """The functions that cost most, by own time (tottime), with their cumulative time."""
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = sum(tt for (_, _, tt, _, _) in stats.stats.values()) or 1.0  # type: ignore[attr-defined]
    rows = []
    for (file, line, name), (_, calls, tt, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(file)}:{line}({name})",
                "calls": calls,
                "own_s": round(tt, 4),
                "own_share": round(tt / total, 4),
                "cumulative_s": round(ct, 4),
            }
        )
    rows.sort(key=lambda r: r["own_s"], reverse=True)
    packages: dict[str, float] = {}
    for row in rows:
        package = _package(row["function"])
        packages[package] = packages.get(package, 0.0) + row["own_s"]
    by_package = {k: round(v / total, 3) for k, v in sorted(packages.items(), key=lambda kv: -kv[1])}
    return {"total_s": round(total, 3), "own_time_by_package": by_package, "top_by_own_time": rows[:n]}


def _package(function: str) -> str:
    """Top-level package of a profiled function ("lrs/xapi/..." -> "lrs.xapi", builtins -> "builtins")."""
    path = function.split(":", 1)[0]
    if path.startswith("~") or path.startswith("<"):
        return "builtins/C"
    parts = path.split("/")
    if parts[0] in ("lrs", "translators") and len(parts) > 2:
        return f"{parts[0]}.{parts[1]}"
    if "/lib/python3" in path or path.startswith("/"):
        return "stdlib:" + parts[-1].removesuffix(".py")
    return parts[0].removesuffix(".py")


def _short(file: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def build_app(kind: str) -> ASGIApp:
    """The app the server process serves: `lrs` (instrumented storage) or `ceiling`."""
    if kind == "ceiling":
        from bench.ceiling import create_ceiling_app

        return BenchControl(create_ceiling_app())
    import lrs.app
    from lrs.settings import Settings
    from lrs.storage import Database, open_database
    from lrs.storage.instrumented import InstrumentedDatabase, StorageMeter

    meter = StorageMeter()

    def instrumented(settings: Settings) -> Database:
        return InstrumentedDatabase(open_database(settings), meter)

    lrs.app.open_database = instrumented  # type: ignore[attr-defined]  # bench process only
    if os.environ.get("LRS_BENCH_OBSERVABILITY") == "off":  # bench/observability.py's baseline
        _observability_off(lrs.app)
    url = os.environ.get("LRS_BENCH_MONGODB_URL") or None
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        mongodb_url=url,
        mongodb_database=os.environ.get("LRS_BENCH_DATABASE", "lrs_bench"),
        default_api_key=API_KEY,
        default_api_secret=API_SECRET,
        log_level="warning",
    )
    return BenchControl(lrs.app.create_app(settings), meter)


class _PassThrough:
    """Stands in for lrs.access.AccessMiddleware when the benchmark measures the service without it."""

    def __init__(self, app: ASGIApp, **options: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def _observability_off(app_module: Any) -> None:
    """No request id, access log line or request metric, and no storage metrics (bench process only)."""
    app_module.AccessMiddleware = _PassThrough
    app_module.InstrumentedDatabase = lambda db, meter: db


def _log_to_file(path: str) -> None:
    """The service's logging (JSON lines, lrs.access at INFO) written to a file instead of stderr."""
    import logging.config

    from lrs.logs import logging_config

    config = logging_config("info")
    config["handlers"]["stderr"] = {"class": "logging.FileHandler", "filename": path, "formatter": "json"}
    logging.config.dictConfig(config)


async def _watch_parent(parent: int, max_seconds: float) -> None:
    deadline = time.monotonic() + max_seconds
    while os.getppid() == parent and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def serve(kind: str, port: int, max_seconds: float) -> None:
    """Run uvicorn in this process until SIGTERM, the parent's exit, or max_seconds."""
    import logging

    import uvicorn

    logging.getLogger("lrs").setLevel(logging.ERROR)
    logging.getLogger("lrs.storage").setLevel(logging.ERROR)
    if os.environ.get("LRS_BENCH_LOG_FILE"):  # bench/observability.py: the access log as in service
        _log_to_file(os.environ["LRS_BENCH_LOG_FILE"])
    app = build_app(kind)
    if os.environ.get("LRS_BENCH_GC_THRESHOLD"):
        gc.set_threshold(*(int(n) for n in os.environ["LRS_BENCH_GC_THRESHOLD"].split(",")))
    parent = os.getppid()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        workers=1,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)

    async def main() -> None:
        watcher = asyncio.ensure_future(_watch_parent(parent, max_seconds))
        try:
            await server.serve()
        finally:
            watcher.cancel()

    import uvloop

    uvloop.run(main())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A server started in a child process; a context manager that waits for it and stops it."""

    def __init__(self, kind: str, mongodb_url: str | None = None, max_seconds: float = 1800) -> None:
        self.kind = kind
        self.port = free_port()
        env = dict(os.environ)
        env.pop("LRS_BENCH_MONGODB_URL", None)
        if mongodb_url:
            env["LRS_BENCH_MONGODB_URL"] = mongodb_url
            env["LRS_BENCH_DATABASE"] = f"lrs_bench_{uuid.uuid4().hex[:8]}"
        self.mongodb = bool(mongodb_url)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.server", kind, str(self.port), str(max_seconds)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
        )

    @property
    def pid(self) -> int:
        return self._proc.pid

    def __enter__(self) -> ServerProcess:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"bench server ({self.kind}) exited with {self._proc.returncode}")
            try:
                self.control("stats")
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"bench server ({self.kind}) did not start within 30 s")

    def __exit__(self, *exc: object) -> None:
        if self.mongodb:
            with contextlib.suppress(OSError):
                self.control("drop")
        self.stop()

    def control(self, action: str, timeout: float = 60.0) -> dict[str, Any]:
        """Call /__bench/<action> on the server (plain blocking HTTP/1.0)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(f"GET /__bench/{action} HTTP/1.0\r\nHost: bench\r\n\r\n".encode())
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        raw = b"".join(chunks)
        head, _, body = raw.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise OSError(f"control {action}: {head[:60]!r}")
        return orjson.loads(body)  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server")
    parser.add_argument("kind", choices=["lrs", "ceiling"])
    parser.add_argument("port", type=int)
    parser.add_argument("max_seconds", type=float, nargs="?", default=1800.0)
    args = parser.parse_args(argv)
    serve(args.kind, args.port, args.max_seconds)


if __name__ == "__main__":
    main()
