"""Time of erasing one learner (DELETE /admin/learners/{id}) who has N statements, on a real server.

    .venv/bin/python -m bench.erasure                       # 10,000 statements (issue 11's figure)
    .venv/bin/python -m bench.erasure --statements 2000 --others 2000 --sessions 5

Starts uvicorn (one worker, in-memory store) on a free port of 127.0.0.1, seeds
over HTTP: the learner's N statements (actor = their LMS account) in batches, as many statements of
other learners, and a few SCORM sessions of the learner (commits, so enrollments, attempts,
sessions, commit records, audit rows and the bridge's statements); then times the erasure, and a
second (idempotent) one. Prints JSON. Never asserts anything.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

from bench.auth_flood import KEY, SECRET, start_server

ROOT = Path(__file__).resolve().parent.parent
HOME = "https://lms.example.com"
LEARNER = "bench-learner"


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        auth = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {auth}",
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        }

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        started = time.perf_counter()
        self.conn.request(method, path, orjson.dumps(body) if body is not None else None, self.headers)
        response = self.conn.getresponse()
        raw = response.read()
        took = time.perf_counter() - started
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {raw[:300]!r}")
        return response.status, orjson.loads(raw) if raw else None, took


def _statement(learner: str, n: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": learner}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": f"https://lms.example.com/xapi/courses/c{n % 5}/videos/{n % 50}"},
        "result": {"duration": "PT1M"},
    }


def _commit(session: str, sequence: int, event: str, cmi: dict[str, str]) -> dict[str, Any]:
    return {
        "learner": {"id": LEARNER, "name": "Bench Learner"},
        "course": {"id": "c1", "title": "Course"},
        "sco": {"id": "sco-1", "title": "SCO"},
        "version": "1.2",
        "session_id": session,
        "sequence": sequence,
        "event": event,
        "cmi": cmi,
    }


def seed(client: Client, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    for learner, count in ((LEARNER, args.statements), ("someone-else", args.others)):
        for first in range(0, count, args.batch):
            batch = [_statement(learner, n) for n in range(first, min(count, first + args.batch))]
            client.call("POST", "/xapi/statements", batch)
    for s in range(args.sessions):
        session = f"bench-session-{s}"
        commits = [
            _commit(session, 0, "initialize", {}),
            _commit(
                session, 1, "commit", {"cmi.core.score.raw": "70", "cmi.core.lesson_status": "incomplete"}
            ),
            _commit(
                session, 2, "terminate", {"cmi.core.session_time": "00:05:00", "cmi.core.exit": "suspend"}
            ),
        ]
        client.call("POST", "/scorm/commits", commits)
    return {"seconds": round(time.perf_counter() - started, 2)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    proc, port = start_server(Path(args.tree).resolve(), {}, max_seconds=1800)
    try:
        client = Client(port)
        seeded = seed(client, args)
        _, first, first_s = client.call("DELETE", f"/admin/learners/{LEARNER}")
        _, second, second_s = client.call("DELETE", f"/admin/learners/{LEARNER}")
        _, left, _ = client.call("GET", "/xapi/statements?limit=1")
        return {
            "store": "memory",
            "machine": {
                "nproc": os.cpu_count(),
                "load_average": os.getloadavg(),
                "python": sys.version.split()[0],
            },
            "options": {k: v for k, v in vars(args).items() if k != "tree"},
            "seed": seeded,
            "erasure": {"seconds": round(first_s, 3), "removed": first["removed"]},
            "second_erasure": {"seconds": round(second_s, 3), "removed": second["removed"]},
            "statements_left_sample": len(left["statements"]),
        }
    finally:
        proc.terminate()
        proc.wait(10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.erasure", description=__doc__.split("\n")[0])
    parser.add_argument("--statements", type=int, default=10_000, help="statements of the erased learner")
    parser.add_argument("--others", type=int, default=10_000, help="statements of another learner (kept)")
    parser.add_argument("--sessions", type=int, default=3, help="SCORM sessions of the erased learner")
    parser.add_argument("--batch", type=int, default=500, help="statements per POST")
    parser.add_argument("--tree", default=str(ROOT), help="checkout whose lrs package is served")
    args = parser.parse_args(argv)
    sys.stdout.write(orjson.dumps(run(args), option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
