"""The load generator: a minimal asyncio HTTP/1.1 keep-alive client (uvloop, raw protocol, no parsing
beyond status, Content-Length and chunked bodies), run in its own process so it never shares a core
with the server's event loop.

A scenario is a name in bench.scenarios.SCENARIOS; it makes flows: generators that yield Requests and
receive (status, body) answers, so a flow can follow `more` links or replay a launch in order.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:\s*chunked", re.IGNORECASE)


@dataclass(frozen=True)
class Request:
    label: str
    method: str
    path: str
    body: bytes | None = None
    items: int = 1  # statements or commits this request carries (for items/s)


Answer = tuple[int, bytes]
Flow = Generator[Request, Answer, None]
FlowFactory = Callable[[int], Flow]  # flow number -> flow


class Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Answer] | None = None
        self._head_end = 0
        self._need = -1
        self._status = 0
        self._chunked = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.waiter is not None:
            self._complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("server closed the connection"))

    def _complete(self) -> None:
        buf = self.buf
        if self._need < 0:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end])
            self._status = int(head[9:12])
            self._head_end = end + 4
            match = _CONTENT_LENGTH.search(head)
            self._chunked = match is None and _CHUNKED.search(head) is not None
            self._need = self._head_end + (int(match.group(1)) if match else 0)
        if self._chunked:
            if buf.find(b"0\r\n\r\n", self._head_end) < 0:
                return
            body, consumed = _dechunk(buf, self._head_end)
        else:
            if len(buf) < self._need:
                return
            body, consumed = bytes(buf[self._head_end : self._need]), self._need
        del buf[:consumed]
        self._need = -1
        waiter, self.waiter = self.waiter, None
        assert waiter is not None
        waiter.set_result((self._status, body))

    async def send(self, raw: bytes) -> Answer:
        if self.transport is None:
            raise ConnectionError("not connected")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter


def _dechunk(buf: bytearray, start: int) -> tuple[bytes, int]:
    parts, pos = [], start
    while True:
        eol = buf.index(b"\r\n", pos)
        size = int(bytes(buf[pos:eol]).split(b";")[0], 16)
        if size == 0:
            return b"".join(parts), eol + 4
        parts.append(bytes(buf[eol + 2 : eol + 2 + size]))
        pos = eol + 2 + size + 2


async def connect(port: int) -> Connection:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(Connection, "127.0.0.1", port)
    return protocol


def request_bytes(req: Request, headers: bytes) -> bytes:
    head = f"{req.method} {req.path} HTTP/1.1\r\n".encode() + headers
    if req.body is None:
        return head + b"\r\n"
    return (
        head
        + b"Content-Type: application/json\r\nContent-Length: "
        + str(len(req.body)).encode()
        + b"\r\n\r\n"
        + req.body
    )


def common_headers(key: str, secret: str) -> bytes:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return (
        f"Host: 127.0.0.1\r\nAuthorization: Basic {token}\r\nX-Experience-API-Version: 1.0.3\r\n"
        "Accept: application/json\r\n"
    ).encode()


class Recorder:
    """Latencies and counts per label, kept only inside the measuring window."""

    def __init__(self) -> None:
        self.recording = False
        self.latencies: dict[str, list[float]] = {}
        self.items: dict[str, int] = {}
        self.errors: dict[str, dict[int, int]] = {}
        self.error_samples: list[str] = []
        self.flows = 0

    def record(self, req: Request, status: int, body: bytes, seconds: float) -> None:
        if status >= 400 and len(self.error_samples) < 5:
            self.error_samples.append(f"{req.method} {req.path} -> {status}: {body[:300]!r}")
        if not self.recording:
            return
        if status >= 400:
            by_status = self.errors.setdefault(req.label, {})
            by_status[status] = by_status.get(status, 0) + 1
            return
        self.latencies.setdefault(req.label, []).append(seconds)
        self.items[req.label] = self.items.get(req.label, 0) + req.items


async def _worker(
    port: int, headers: bytes, flows: Callable[[], Flow], stop: list[bool], recorder: Recorder
) -> None:
    conn = await connect(port)
    perf = time.perf_counter
    while not stop[0]:
        flow = flows()
        try:
            req = next(flow)
            while True:
                raw = request_bytes(req, headers)
                t0 = perf()
                try:
                    status, body = await conn.send(raw)
                except ConnectionError:
                    conn = await connect(port)
                    status, body = 599, b"connection lost"
                recorder.record(req, status, body, perf() - t0)
                if stop[0]:
                    break
                req = flow.send((status, body))
        except StopIteration:
            if recorder.recording:
                recorder.flows += 1
    if conn.transport is not None:
        conn.transport.close()


async def _control(port: int, action: str) -> dict[str, Any]:
    import orjson

    conn = await connect(port)
    status, body = await conn.send(f"GET /__bench/{action} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    if conn.transport is not None:
        conn.transport.close()
    return orjson.loads(body) if status == 200 and body else {}  # type: ignore[no-any-return]


async def drive(
    port: int,
    factory: FlowFactory,
    concurrency: int,
    duration: float,
    warmup: float,
    headers: bytes,
    profile: bool = False,
) -> dict[str, Any]:
    """Run `concurrency` workers for warmup + duration seconds; figures cover the last `duration`."""
    recorder, stop = Recorder(), [False]
    counter = iter(range(1 << 62))
    workers = [
        asyncio.ensure_future(_worker(port, headers, lambda: factory(next(counter)), stop, recorder))
        for _ in range(concurrency)
    ]
    await asyncio.sleep(warmup)
    await _control(port, "reset")
    if profile:
        await _control(port, "profile/start")
    cpu0, t0 = time.process_time(), time.perf_counter()
    recorder.recording = True
    await asyncio.sleep(duration)
    recorder.recording = False
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    server = await _control(port, "stats")
    if profile:
        server["profile"] = await _control(port, "profile/stop")
    stop[0] = True
    _, late = await asyncio.wait(workers, timeout=30)
    for worker in late:
        worker.cancel()
    return summarise(recorder, elapsed, cpu, server)


def _ms(sorted_values: list[float], q: float) -> float:
    return round(sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))] * 1000, 3)


def summarise(
    recorder: Recorder, elapsed: float, client_cpu: float, server: dict[str, Any]
) -> dict[str, Any]:
    """Per label: requests/s, items/s, median and p95 latency (ms), errors; plus the server's view."""
    labels: dict[str, Any] = {}
    for label in sorted(set(recorder.latencies) | set(recorder.errors)):
        lat = sorted(recorder.latencies.get(label, []))
        row: dict[str, Any] = {
            "requests": len(lat),
            "requests_per_s": round(len(lat) / elapsed, 1),
            "items_per_s": round(recorder.items.get(label, 0) / elapsed, 1),
        }
        if lat:
            row.update(median_ms=_ms(lat, 0.5), p95_ms=_ms(lat, 0.95))
        if label in recorder.errors:
            row["errors"] = {str(k): v for k, v in recorder.errors[label].items()}
        labels[label] = row
    total = sum(len(v) for v in recorder.latencies.values())
    result: dict[str, Any] = {
        "seconds": round(elapsed, 2),
        "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "flows_completed": recorder.flows,
        "by_request": labels,
        "client_cpu_share": round(client_cpu / elapsed, 3),
        "server": server,
    }
    if recorder.error_samples:
        result["error_samples"] = recorder.error_samples
    return result


def run_in_process(
    port: int,
    scenario: str,
    params: dict[str, Any],
    concurrency: int,
    duration: float,
    warmup: float,
    key: str,
    secret: str,
    profile: bool = False,
) -> dict[str, Any]:
    """Entry point of the load-generator process."""
    import uvloop

    from bench.scenarios import SCENARIOS

    factory = SCENARIOS[scenario](**params)
    headers = common_headers(key, secret)
    return uvloop.run(drive(port, factory, concurrency, duration, warmup, headers, profile))


def run_load(
    port: int,
    scenario: str,
    params: dict[str, Any],
    *,
    concurrency: int,
    duration: float,
    warmup: float,
    key: str = "bench",
    secret: str = "bench-secret",
    profile: bool = False,
) -> dict[str, Any]:
    """Run a scenario against 127.0.0.1:port from a separate process; return its figures (with the
    server's cProfile top entries over the measuring window when `profile`)."""
    import orjson

    job = {
        "port": port,
        "scenario": scenario,
        "params": params,
        "concurrency": concurrency,
        "duration": duration,
        "warmup": warmup,
        "key": key,
        "secret": secret,
        "profile": profile,
    }
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=orjson.dumps(job),
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=warmup + duration + 180,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.decode()[-2000:]}")
    return orjson.loads(done.stdout)  # type: ignore[no-any-return]


if __name__ == "__main__":
    import orjson

    job = orjson.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(orjson.dumps(run_in_process(**job)))
