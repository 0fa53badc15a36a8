"""What metrics and logging cost per request: the same load against lrs-bridge in three modes,
alternating, each on a fresh server on the in-memory store:
  off      request id, access log and every metric taken out (`LRS_BENCH_OBSERVABILITY=off` in
           bench/server.py);
  metrics  as shipped (request id, request and storage metrics) with the access log level off;
  on       as shipped with the access log written as JSON lines to a file, as a deployment writes
           them to stderr.

    .venv/bin/python -m bench.observability [--duration 5] [--rounds 3] [--concurrency 32]

Prints JSON: per scenario and mode the requests/s and the server CPU ms per request (the server's
process CPU time over the requests it answered in the measuring window), then the overhead: server
CPU microseconds per request added by the metrics, by the access log, and by both (CPU time is the
figure to read on a shared machine; requests/s move with the machine's load). Nothing here asserts
a timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

import orjson

from bench.loadgen import run_load
from bench.server import API_KEY, API_SECRET, ServerProcess
from bench.suite import machine

SCENARIOS = {
    "health": ("health", {}),  # GET /health/live: the least work, so the overhead shows most
    "statement_post": ("statement_post", {}),  # POST one statement
    "commit_sessions": ("commit_sessions", {}),  # whole SCORM launches (several storage calls per commit)
}


MODES = ("off", "metrics", "on")


def measure(mode: str, scenario: str, args: argparse.Namespace, log_dir: str, run: int) -> dict[str, Any]:
    """One fresh server in `mode`, one load run; requests/s and server CPU per request."""
    log_file = Path(log_dir) / f"{mode}-{scenario}-{run}.log"
    saved = {k: os.environ.get(k) for k in ("LRS_BENCH_OBSERVABILITY", "LRS_BENCH_LOG_FILE")}
    os.environ["LRS_BENCH_OBSERVABILITY"] = "off" if mode == "off" else "on"
    if mode == "on":
        os.environ["LRS_BENCH_LOG_FILE"] = str(log_file)
    else:
        os.environ.pop("LRS_BENCH_LOG_FILE", None)
    try:
        with ServerProcess("lrs") as server:
            name, params = SCENARIOS[scenario]
            result = run_load(
                server.port,
                name,
                params,
                concurrency=args.concurrency,
                duration=args.duration,
                warmup=args.warmup,
                key=API_KEY,
                secret=API_SECRET,
            )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    served = result["server"]
    lines = log_file.read_bytes().count(b'"logger":"lrs.access"') if log_file.exists() else 0
    return {
        "requests_per_s": result["requests_per_s"],
        "server_cpu_ms_per_request": round(1000 * served["cpu_s"] / max(1, served["requests"]), 4),
        "errors": sum(sum(r.get("errors", {}).values()) for r in result["by_request"].values()),
        "access_log_lines": lines,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"meta": {**machine(), "options": vars(args)}, "runs": {}, "overhead": {}}
    with tempfile.TemporaryDirectory(prefix="lrs-bench-logs-") as log_dir:
        for scenario in args.scenarios:
            runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
            for round_ in range(args.rounds):
                for mode in MODES:
                    runs[mode].append(measure(mode, scenario, args, log_dir, round_))
            out["runs"][scenario] = runs
            cpu = {m: statistics.median(r["server_cpu_ms_per_request"] for r in runs[m]) for m in runs}
            rps = {m: statistics.median(r["requests_per_s"] for r in runs[m]) for m in runs}
            out["overhead"][scenario] = {
                **{f"server_cpu_ms_per_request_{m}": cpu[m] for m in MODES},
                "added_cpu_us_per_request_metrics": round(1000 * (cpu["metrics"] - cpu["off"]), 1),
                "added_cpu_us_per_request_access_log": round(1000 * (cpu["on"] - cpu["metrics"]), 1),
                "added_cpu_us_per_request_both": round(1000 * (cpu["on"] - cpu["off"]), 1),
                "added_cpu_share_both": round(cpu["on"] / cpu["off"] - 1, 4) if cpu["off"] else None,
                **{f"requests_per_s_{m}": rps[m] for m in MODES},
            }
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.observability", description=__doc__)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each mode per scenario (medians)")
    parser.add_argument(
        "--scenarios",
        type=lambda s: [p for p in s.split(",") if p],
        default=list(SCENARIOS),
        help=f"comma-separated, of: {','.join(SCENARIOS)}",
    )
    out = run(parser.parse_args(argv))
    print(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
    return out


if __name__ == "__main__":
    main()
