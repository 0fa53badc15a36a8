"""Export throughput: statements per second through GET /admin/exports/statements (NDJSON, keyset
pages), read by a streaming client and by the `lrs-bridge export` command, on a real uvicorn.

    python -m bench.export [--statements 20000] [--repeat 3] [--page-size N] [--mongodb-url URL]

Seeds the statements with POST /xapi/statements (batches of 1000), then exports them all; prints
JSON: statements/s per run and the median, and the server's peak RSS before and after the exports
(how much the export itself added to memory).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2

from bench.server import API_KEY, API_SECRET, ServerProcess

XAPI = {"X-Experience-API-Version": "1.0.3"}


def statements(n: int) -> list[dict[str, Any]]:
    """Statements shaped like a SCORM profile's: account actor, context activities, a result."""
    return [
        {
            "id": str(uuid.uuid4()),
            "actor": {
                "objectType": "Agent",
                "account": {"homePage": "https://lms.example.com", "name": f"u{i % 500}"},
            },
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
            "object": {
                "id": f"https://lms.example.com/xapi/courses/c{i % 20}/scos/s{i % 7}",
                "definition": {"name": {"en-US": f"SCO {i % 7}"}},
            },
            "result": {"duration": "PT1M30S", "completion": True},
            "context": {
                "contextActivities": {"grouping": [{"id": f"https://lms.example.com/xapi/courses/c{i % 20}"}]}
            },
        }
        for i in range(n)
    ]


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def seed(client: httpx2.Client, total: int) -> float:
    started = time.perf_counter()
    for start in range(0, total, 1000):
        response = client.post("/xapi/statements", json=statements(min(1000, total - start)), headers=XAPI)
        response.raise_for_status()
    return time.perf_counter() - started


def export_stream(client: httpx2.Client) -> tuple[int, float]:
    started, lines = time.perf_counter(), 0
    with client.stream("GET", "/admin/exports/statements") as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            lines += chunk.count(b"\n")
    return lines, time.perf_counter() - started


def export_cli(url: str) -> tuple[int, float]:
    exe = Path(sys.executable).parent / "lrs-bridge"
    env = {**os.environ, "LRS_URL": url, "LRS_ADMIN_KEY": API_KEY, "LRS_ADMIN_SECRET": API_SECRET}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "statements.ndjson"
        started = time.perf_counter()
        subprocess.run([str(exe), "export", "-o", str(out)], env=env, check=True, capture_output=True)
        elapsed = time.perf_counter() - started
        with out.open("rb") as f:
            lines = sum(1 for _ in f)
    return lines, elapsed


def run(args: argparse.Namespace) -> dict[str, Any]:
    with ServerProcess("lrs", args.mongodb_url) as server:
        url = f"http://127.0.0.1:{server.port}"
        with httpx2.Client(base_url=url, auth=(API_KEY, API_SECRET), timeout=600) as client:
            seed_s = seed(client, args.statements)
            rss_before = peak_rss_kib(server.pid)
            streamed = [export_stream(client) for _ in range(args.repeat)]
            cli = [export_cli(url) for _ in range(args.repeat)]
            rss_after = peak_rss_kib(server.pid)
    for lines, _ in streamed + cli:
        assert lines == args.statements, f"exported {lines} of {args.statements}"
    rates = [round(n / s) for n, s in streamed]
    cli_rates = [round(n / s) for n, s in cli]
    return {
        "store": "mongodb" if args.mongodb_url else "memory",
        "statements": args.statements,
        "export_page_size": args.page_size or 1000,
        "seed_statements_per_s": round(args.statements / seed_s),
        "export_statements_per_s": {"runs": rates, "median": statistics.median(rates)},
        "cli_export_statements_per_s": {"runs": cli_rates, "median": statistics.median(cli_rates)},
        "server_peak_rss_mib": {
            "before_exports": round(rss_before / 1024, 1),
            "after_exports": round(rss_after / 1024, 1),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mongodb-url", default=os.environ.get("LRS_BENCH_MONGODB_URL"))
    parser.add_argument("--page-size", type=int, default=None, help="the server's LRS_EXPORT_PAGE_SIZE")
    args = parser.parse_args(argv)
    if args.page_size:
        os.environ["LRS_EXPORT_PAGE_SIZE"] = str(args.page_size)  # the server process inherits it
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()
