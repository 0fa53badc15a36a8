"""Latency of other requests while a client floods the server with wrong secrets (issue 8, defect 6).

    .venv/bin/python -m bench.auth_flood                      # this checkout
    .venv/bin/python -m bench.auth_flood --tree /tmp/main     # another tree (e.g. `git archive main`)
    .venv/bin/python -m bench.auth_flood --env LRS_AUTH_MAX_FAILURES_PER_ADDRESS=0   # limits off

Starts uvicorn (one worker, in-memory store) on a free port of 127.0.0.1 serving `lrs.app:create_app`
from the tree, then measures, each phase bounded in time and in requests:
- `baseline`: /health/live and an authenticated GET (credential already verified) probed in turn,
  one every `--interval` seconds whatever the answers (open loop, so a stalled server shows as many
  slow probes), with nothing else going on;
- `wrong_secret_timing`: sequential 401s for a known key with a wrong secret and for an unknown key;
- `flood_<rate>`: the same probes while another process sends wrong secrets (half for the probes'
  own key, half for unknown keys) at a fixed rate over many connections (issue 8 reported 40/s
  raising other requests from 0.4 ms to 190 ms);
- `flood_max`: the same with the flooding connections sending back-to-back.
The server trusts 127.0.0.1 as a proxy and each client names itself in X-Forwarded-For: the probes
198.51.100.1, the flood 203.0.113.7 (so per-address limits apply to the flood, as with a real
attacker elsewhere). Prints JSON (latencies in ms: median, p95, p99, max). Never asserts anything.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
KEY, SECRET = "bench", "bench-secret"


def _basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def _request(path: str, auth: str | None = None, client: str = "198.51.100.1") -> bytes:
    # the server trusts 127.0.0.1 as a proxy, so X-Forwarded-For gives probes and flood their own addresses
    head = f"GET {path} HTTP/1.1\r\nHost: bench\r\nX-Experience-API-Version: 1.0.3\r\n"
    head += f"X-Forwarded-For: {client}\r\n"
    if auth:
        head += f"Authorization: {auth}\r\n"
    return (head + "\r\n").encode()


class Conn:
    """One keep-alive HTTP/1.1 connection, one request at a time (answers carry Content-Length)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Conn:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, raw: bytes) -> tuple[int, float]:
        """(status, seconds) for one request."""
        started = time.perf_counter()
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        if length:
            await self.reader.readexactly(length)
        return int(head[9:12]), time.perf_counter() - started

    def close(self) -> None:
        self.writer.close()


def _summary(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"n": 0}
    ms = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 3),
        "p99_ms": round(ms[int(0.99 * (len(ms) - 1))], 3),
        "max_ms": round(ms[-1], 3),
    }


async def probe(port: int, seconds: float, interval: float, max_requests: int) -> dict[str, Any]:
    """Open-loop probes: every `interval` one request is due (alternately /health/live and an
    authenticated read), sent on an idle keep-alive connection or a new one, and timed from when it
    was due; so a server that stalls for a second shows a second of slow probes, not one slow sample."""
    idle: list[Conn] = []
    took: dict[str, list[float]] = {"health_live": [], "authenticated_get": []}
    statuses = Counter[int]()
    read = _request("/xapi/statements?limit=1", _basic(KEY, SECRET))
    live = _request("/health/live")
    warm = await Conn.open(port)
    await warm.send(read)  # the credential is verified (and cached) before measuring
    idle.append(warm)

    async def one(kind: str, raw: bytes, due: float) -> None:
        conn = idle.pop() if idle else await Conn.open(port)
        status, _ = await conn.send(raw)
        took[kind].append(time.perf_counter() - due)
        statuses[status] += 1
        idle.append(conn)

    tasks = []
    started = time.perf_counter()
    n = 0
    while n < max_requests and (due := started + n * interval) < started + seconds:
        if due > time.perf_counter():
            await asyncio.sleep(due - time.perf_counter())
        kind, raw = ("health_live", live) if n % 2 == 0 else ("authenticated_get", read)
        tasks.append(asyncio.create_task(one(kind, raw, due)))
        n += 1
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.close()
    return {
        "health_live": _summary(took["health_live"]),
        "authenticated_get": _summary(took["authenticated_get"]),
        "probe_statuses": {str(k): v for k, v in statuses.items()},
    }


async def flood(
    port: int, rate: float, connections: int, seconds: float, max_requests: int
) -> dict[str, Any]:
    """Wrong secrets (half for the real key, half for unknown keys) at `rate`/s, or back-to-back when 0."""
    conns = [await Conn.open(port) for _ in range(connections)]
    statuses, took = Counter[int](), []
    sent = 0
    started = time.monotonic()
    deadline = started + seconds

    async def worker(conn: Conn, n: int) -> None:
        nonlocal sent
        while time.monotonic() < deadline and sent < max_requests:
            if rate:
                due = started + sent / rate
                if due > time.monotonic():
                    await asyncio.sleep(due - time.monotonic())
                    continue
            key = KEY if sent % 2 else f"nobody-{sent}"
            sent += 1
            raw = _request("/xapi/statements?limit=1", _basic(key, f"wrong-{n}"), client="203.0.113.7")
            status, t = await conn.send(raw)
            statuses[status] += 1
            took.append(t)

    try:
        await asyncio.gather(*(worker(c, n) for n, c in enumerate(conns)))
    finally:
        for c in conns:
            c.close()
    elapsed = time.monotonic() - started
    return {
        "sent": sent,
        "per_s": round(sent / elapsed, 1),
        "statuses": {str(k): v for k, v in statuses.items()},
        "answer": _summary(took),
    }


async def wrong_secret_timing(port: int, n: int) -> dict[str, Any]:
    conn = await Conn.open(port)
    known, unknown = [], []
    try:
        for i in range(n):
            known.append((await conn.send(_request("/xapi/statements", _basic(KEY, f"no-{i}"))))[1])
            unknown.append((await conn.send(_request("/xapi/statements", _basic(f"x{i}", "no"))))[1])
    finally:
        conn.close()
    return {"known_key_wrong_secret": _summary(known), "unknown_key": _summary(unknown)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    tree: Path, env_overrides: dict[str, str], max_seconds: float
) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LRS_")}
    env.update(
        {
            "PYTHONPATH": str(tree),
            "LRS_DEFAULT_API_KEY": KEY,
            "LRS_DEFAULT_API_SECRET": SECRET,
            "LRS_LOG_LEVEL": "warning",
            "LRS_TRUSTED_PROXIES": '["127.0.0.1"]',
            **env_overrides,
        }
    )
    command = [sys.executable, "-m", "uvicorn", "lrs.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    # `timeout` stops the server even if this script is killed; cwd without a .env file
    proc = subprocess.Popen(
        ["timeout", str(int(max_seconds)), *command],
        cwd=tempfile.gettempdir(),
        env=env,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("server did not start within 30 s")


def _flood_process(port: int, rate: float, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """The flood runs in its own process, so it never delays the probes' event loop."""
    command = [sys.executable, "-m", "bench.auth_flood", "--flood-worker", str(port), str(rate)]
    command += [str(args.connections), str(args.seconds), str(args.max_requests)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)


def run(args: argparse.Namespace) -> dict[str, Any]:
    overrides = dict(item.split("=", 1) for item in args.env)
    proc, port = start_server(Path(args.tree).resolve(), overrides, max_seconds=args.seconds * 10 + 60)
    try:
        result: dict[str, Any] = {
            "tree": str(Path(args.tree).resolve()),
            "env": overrides,
            "machine": {
                "nproc": os.cpu_count(),
                "load_average": os.getloadavg(),
                "python": sys.version.split()[0],
            },
            "options": {k: v for k, v in vars(args).items() if k not in ("env", "tree", "flood_worker")},
        }
        probe_args = (port, args.seconds, args.interval, args.max_requests)
        result["baseline"] = asyncio.run(probe(*probe_args))
        result["wrong_secret_timing"] = asyncio.run(wrong_secret_timing(port, args.timing_requests))
        for rate in (args.rate, 0.0):
            flooder = _flood_process(port, rate, args)
            time.sleep(0.3)  # let the flood start
            measured = asyncio.run(probe(*probe_args))
            out, _ = flooder.communicate(timeout=args.seconds + 60)
            name = f"flood_{rate:g}_per_s" if rate else "flood_max"
            result[name] = {**measured, "flood": orjson.loads(out)}
        return result
    finally:
        proc.terminate()
        proc.wait(10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.auth_flood", description=__doc__.split("\n")[0])
    parser.add_argument("--tree", default=str(ROOT), help="checkout whose lrs package is served")
    parser.add_argument("--env", action="append", default=[], help="LRS_X=value for the server (repeatable)")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each phase")
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between probes")
    parser.add_argument("--rate", type=float, default=40.0, help="wrong secrets per second in the rate phase")
    parser.add_argument("--connections", type=int, default=16, help="flooding connections")
    parser.add_argument("--max-requests", type=int, default=20_000, help="cap per phase and per client")
    parser.add_argument("--timing-requests", type=int, default=8, help="sequential 401s per key kind")
    parser.add_argument("--flood-worker", nargs=5, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.flood_worker:
        port, rate, connections, seconds, max_requests = args.flood_worker
        figures = asyncio.run(
            flood(int(port), float(rate), int(connections), float(seconds), int(max_requests))
        )
        sys.stdout.write(orjson.dumps(figures).decode())
        return
    sys.stdout.write(orjson.dumps(run(args), option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
