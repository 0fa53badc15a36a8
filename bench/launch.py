"""Launch-side figures: commits through a launch token, and postback delivery latency.

    .venv/bin/python -m bench.launch [--sessions 40] [--deliveries 100]

Serves lrs-bridge with uvicorn on 127.0.0.1 (in-memory store, counted by the instrumented wrapper)
and runs an LMS postback receiver on 127.0.0.1, then measures, printing JSON:
- commit round trips (HTTP, keep-alive) with `Authorization: Bearer <launch token>` and, for
  comparison, with Basic credentials: median and p95 ms, and storage calls per commit;
- postback delivery latency: from a commit's answer to the receiver getting the delivery of that
  change (the committing process's worker is woken by the commit; another instance would pick it
  up within LRS_POSTBACK_POLL_SECONDS).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import socket
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import uvicorn

from lrs.app import create_app
from lrs.settings import Settings
from lrs.storage.instrumented import InstrumentedDatabase
from lrs.storage.memory import MemoryDatabase

KEY, SECRET = "bench", "bench-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    """Records when each delivery (`<row>:<version>`) arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = orjson.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.arrived:
                    receiver.arrivals[body["delivery"]] = time.perf_counter()
                    receiver.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/postback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, suffix: str, timeout: float = 30.0) -> float:
        deadline = time.perf_counter() + timeout
        with self.arrived:
            while True:
                found = [t for d, t in self.arrivals.items() if d.endswith(suffix)]
                if found:
                    return found[0]
                if not self.arrived.wait(deadline - time.perf_counter()):
                    raise TimeoutError(suffix)


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.basic = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()

    def post(self, path: str, body: Any, auth: str | None = None) -> tuple[int, Any, float]:
        headers = {"Content-Type": "application/json", "Authorization": auth or self.basic}
        start = time.perf_counter()
        self.conn.request("POST", path, body=orjson.dumps(body), headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, orjson.loads(data) if data else None, (time.perf_counter() - start) * 1000


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "median": round(statistics.median(ordered), 3),
        "p95": round(ordered[int(len(ordered) * 0.95) - 1], 3),
        "max": round(ordered[-1], 3),
    }


def commits_of(started: dict[str, Any]) -> list[dict[str, Any]]:
    base = {
        "learner": started["learner"],
        "course": started["course"],
        "sco": {"id": started["sco"]["id"], "title": started["sco"]["title"]},
        "version": started["version"],
        "session_id": started["session_id"],
    }
    cmis = [
        ({}, "initialize"),
        ({"cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "p1"}, "commit"),
        ({"cmi.core.lesson_location": "p2", "cmi.suspend_data": "x" * 200}, "commit"),
        ({"cmi.core.score.raw": "80", "cmi.core.lesson_status": "passed"}, "commit"),
        ({"cmi.core.session_time": "00:05:00", "cmi.core.exit": ""}, "terminate"),
    ]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return [base | {"sequence": n, "cmi": c, "event": e, "timestamp": stamp} for n, (c, e) in enumerate(cmis)]


def run(sessions: int, deliveries: int) -> dict[str, Any]:
    port = free_port()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, default_api_key=KEY, default_api_secret=SECRET, postback_poll_seconds=60.0
    )
    database = InstrumentedDatabase(MemoryDatabase("bench-launch"))
    app = create_app(settings, database)  # type: ignore[arg-type]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    client = Client(port)
    inline = {"id": "sco-1", "title": "SCO", "href": "index.html", "version": "1.2"}
    figures: dict[str, Any] = {}
    try:
        for mode in ("bearer", "basic"):
            times, calls = [], []
            for n in range(sessions):
                body = {
                    "learner": {"id": f"{mode}-{n}", "name": "L"},
                    "course": {"id": "c1"},
                    "inline_sco": inline,
                }
                status, started, _ = client.post("/scorm/launches", body)
                assert status == 201, started
                auth = f"Bearer {started['token']}" if mode == "bearer" else None
                for item in commits_of(started):
                    database.meter.reset()
                    status, answer, ms = client.post("/scorm/commits", item, auth)
                    assert status == 200, answer
                    times.append(ms)
                    calls.append(database.meter.snapshot()["round_trips"])
            figures[f"commit_ms_{mode}"] = summary(times)
            figures[f"storage_calls_per_commit_{mode}"] = round(statistics.mean(calls), 2)
        receiver = Receiver()
        client.post("/scorm/webhooks", {"url": receiver.url})
        latencies, since_sent = [], []
        done = 0
        learner = 0
        while done < deliveries:
            body = {
                "learner": {"id": f"hook-{learner}", "name": "L"},
                "course": {"id": "c1"},
                "inline_sco": inline,
            }
            learner += 1
            _, started, _ = client.post("/scorm/launches", body)
            for version, item in enumerate(commits_of(started), start=1):
                sent = time.perf_counter()
                _, answer, ms = client.post("/scorm/commits", item, f"Bearer {started['token']}")
                answered = sent + ms / 1000
                arrived = receiver.wait_for(f"{answer['enrollment']['id']}:{version}")
                latencies.append((arrived - answered) * 1000)
                since_sent.append((arrived - sent) * 1000)
                done += 1
        figures["postback_ms_after_commit_answer"] = summary(latencies)
        figures["postback_ms_after_commit_sent"] = summary(since_sent)
        receiver.server.shutdown()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=40, help="launches per auth mode (5 commits each)")
    parser.add_argument("--deliveries", type=int, default=100, help="commits whose postback is timed")
    args = parser.parse_args()
    print(orjson.dumps(run(args.sessions, args.deliveries), option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
