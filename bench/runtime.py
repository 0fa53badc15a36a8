"""`python -m bench.runtime`: what a SCORM commit costs through the browser runtime, in headless Chromium.

Starts `lrs-bridge serve` (in-memory store, demo on) on 127.0.0.1 in its own process, opens the demo
launcher page for the SCORM 1.2 test package in Debian's Chromium, and drives the content frame:

- sequential: N times, the content sets 4 elements and calls LMSCommit, then waits until the bridge
  acknowledged that commit (one commit per request): time inside LMSCommit (scorm-again + queue, the
  content's blocking cost), the HTTP round trip, and LMSCommit-to-acknowledged latency;
- burst: N LMSCommit calls back to back, then the time until all are acknowledged and how many
  requests carried them (queued commits go out as batches).

Prints JSON (milliseconds); asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

SEQUENTIAL = """async (n) => {
  const api = window.parent.API, bridge = window.parent.LrsBridge.current, out = [];
  for (let i = 0; i < n; i += 1) {
    api.LMSSetValue("cmi.core.lesson_location", "page-" + i);
    api.LMSSetValue("cmi.suspend_data", "state-" + i);
    api.LMSSetValue("cmi.core.score.raw", String(i % 100));
    api.LMSSetValue("cmi.core.session_time", "00:00:0" + (i % 10));
    const before = bridge.stats.acknowledged, t0 = performance.now();
    api.LMSCommit("");
    const t1 = performance.now();
    while (bridge.stats.acknowledged === before || bridge.pending) await new Promise(r => setTimeout(r, 0));
    out.push([t1 - t0, performance.now() - t0]);
  }
  return out;
}"""

BURST = """async (n) => {
  const api = window.parent.API, bridge = window.parent.LrsBridge.current;
  const before = bridge.stats.acknowledged, requests = bridge.stats.requests, calls = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1) {
    api.LMSSetValue("cmi.core.lesson_location", "burst-" + i);
    const c0 = performance.now();
    api.LMSCommit("");
    calls.push(performance.now() - c0);
  }
  const queued = performance.now() - t0;
  while (bridge.stats.acknowledged < before + n) await new Promise(r => setTimeout(r, 1));
  return {calls, queued, total: performance.now() - t0, requests: bridge.stats.requests - requests};
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 3),
        "p95": round(ordered[int(len(ordered) * 0.95) - 1], 3),
        "max": round(ordered[-1], 3),
        "mean": round(statistics.fmean(ordered), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=200, help="commits per run")
    args = parser.parse_args()
    port = _free_port()
    env = {**os.environ, "LRS_DEMO": "true", "LRS_MONGODB_URL": "", "LRS_LOG_LEVEL": "warning"}
    env.pop("LRS_MONGODB_URL")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "lrs-bridge"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/health/live", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"{base}/demo/launch?package=scorm12-single&learner=demo-bench&autocommit=0")
            frame = page.frame(name="content")
            assert frame is not None
            frame.wait_for_function("window.sco && window.sco.ready")
            page.wait_for_function("window.LrsBridge.current.pending === 0")
            frame.evaluate(SEQUENTIAL, 20)  # warm-up
            sequential = frame.evaluate(SEQUENTIAL, args.commits)
            stats_before = len(page.evaluate("window.LrsBridge.current.stats.roundTripsMs"))
            round_trips = page.evaluate("window.LrsBridge.current.stats.roundTripsMs")[-args.commits :]
            burst = frame.evaluate(BURST, args.commits)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    result: dict[str, Any] = {
        "commits": args.commits,
        "chromium": "/usr/bin/chromium",
        "sequential": {
            "lmscommit_call_ms": _summary([call for call, _ in sequential]),
            "request_round_trip_ms": _summary(round_trips),
            "lmscommit_to_acknowledged_ms": _summary([done for _, done in sequential]),
            "requests_seen": stats_before,
        },
        "burst": {
            "lmscommit_call_ms": _summary(burst["calls"]),
            "all_queued_ms": round(burst["queued"], 1),
            "all_acknowledged_ms": round(burst["total"], 1),
            "commits_per_second": round(args.commits / (burst["total"] / 1000), 1),
            "requests": burst["requests"],
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
