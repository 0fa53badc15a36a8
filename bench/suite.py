"""The whole benchmark: `python -m bench` runs each part, prints one JSON document and saves it under
bench/results/. Figures only; nothing here asserts a timing."""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench import translation
from bench.loadgen import run_load
from bench.payloads import batch_body, statement_template
from bench.scenarios import describe
from bench.server import API_KEY, API_SECRET, ROOT, ServerProcess

PARTS = ("translation", "ingest", "statements", "reports", "profile")
RESULTS = Path(__file__).resolve().parent / "results"
# Targets of issue 5, as ratios to the ceiling measured in the same run (in-memory store).
TARGETS = {"post_1": 0.3, "ingest": 0.15, "post_100_statements": 0.5}


def machine() -> dict[str, Any]:
    """nproc, CPU model, Python, platform: what the figures were measured on."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": load,
    }


class Bench:
    """Runs the parts against one ceiling server (kept up) and a fresh lrs-bridge server per part."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.ceiling: ServerProcess | None = None
        self.ceilings: dict[str, dict[str, Any]] = {}

    def load(
        self,
        server: ServerProcess,
        scenario: str,
        params: dict[str, Any] | None = None,
        duration: float | None = None,
        profile: bool = False,
    ) -> dict[str, Any]:
        return run_load(
            server.port,
            scenario,
            params or {},
            concurrency=self.args.concurrency,
            duration=duration or self.args.duration,
            warmup=self.args.warmup,
            key=API_KEY,
            secret=API_SECRET,
            profile=profile,
        )

    def measure_ceiling(self, body: str) -> dict[str, Any]:
        """The bare endpoint with `body` ("statement", "commit", "batch" or "none" for GET), right now."""
        assert self.ceiling is not None
        result = self.load(self.ceiling, "ceiling", {"body": body})
        row = {
            "requests_per_s": result["requests_per_s"],
            "median_ms": result["by_request"]["ceiling"].get("median_ms"),
            "p95_ms": result["by_request"]["ceiling"].get("p95_ms"),
            "server_cpu_share": _cpu_share(result),
            "client_cpu_share": result["client_cpu_share"],
        }
        self.ceilings.setdefault(body, row)
        return row

    def lrs(self) -> ServerProcess:
        return ServerProcess("lrs", self.args.mongodb_url)

    def run(self) -> dict[str, Any]:
        parts = self.args.parts
        out: dict[str, Any] = {"meta": self.meta()}
        if "translation" in parts:
            out["translation"] = guarded(lambda: translation.run(max(0.2, self.args.duration / 4)))
        http_parts = [p for p in ("ingest", "statements") if p in parts]
        if http_parts:
            with ServerProcess("ceiling") as self.ceiling:
                if "ingest" in parts:
                    out["ingest"] = guarded(self.ingest)
                if "statements" in parts:
                    out["statements"] = guarded(self.statements)
            out["ceiling"] = self.ceilings
        if "reports" in parts:
            out["reports"] = guarded(self.reports)
        out["targets"] = targets(out)
        out["meta"]["total_seconds"] = round(time.perf_counter() - self.started, 1)
        return out

    def meta(self) -> dict[str, Any]:
        self.started = time.perf_counter()
        return {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "store": "mongodb" if self.args.mongodb_url else "memory",
            "options": {
                "duration_s": self.args.duration,
                "warmup_s": self.args.warmup,
                "concurrency": self.args.concurrency,
                "parts": list(self.args.parts),
                "get_seed_statements": self.args.seed_statements,
            },
            "body_bytes": describe(),
            "server": "uvicorn 127.0.0.1, uvloop, httptools, 1 worker; load generator in its own process",
        }

    def ingest(self) -> dict[str, Any]:
        """Part 2: whole launches (initialize, 20 commits, terminate) by `concurrency` sessions."""
        ceiling = self.measure_ceiling("commit")
        with self.lrs() as server:
            result = self.load(server, "commit_sessions")
            profile = self.profiled(server, "commit_sessions") if "profile" in self.args.parts else None
        commits = sum(row["requests"] for row in result["by_request"].values())
        latencies = _merged_latency(result)
        per_s = commits / result["seconds"]
        figures: dict[str, Any] = {
            "commits_per_s": round(per_s, 1),
            "sessions_completed": result["flows_completed"],
            **latencies,
            "ratio_to_ceiling": _ratio(per_s, ceiling["requests_per_s"]),
            "by_event": result["by_request"],
            "where_time_goes": where_time_goes(result, "per_commit"),
            "collections_after": result["server"].get("collections"),
        }
        if profile:
            figures["profile"] = profile
        _note_errors(figures, result)
        return figures

    def statements(self) -> dict[str, Any]:
        """Part 3: single POSTs, batches of 100, and filtered GETs with `more` paging."""
        out: dict[str, Any] = {}
        ceiling_1 = self.measure_ceiling("statement")
        with self.lrs() as server:
            result = self.load(server, "statement_post")
            profile = self.profiled(server, "statement_post") if "profile" in self.args.parts else None
        row = result["by_request"].get("post_1", {})
        out["post_1"] = {
            "requests_per_s": row.get("requests_per_s", 0.0),
            "statements_per_s": row.get("items_per_s", 0.0),
            "median_ms": row.get("median_ms"),
            "p95_ms": row.get("p95_ms"),
            "ratio_to_ceiling": _ratio(row.get("requests_per_s", 0.0), ceiling_1["requests_per_s"]),
            "where_time_goes": where_time_goes(result, "per_request"),
            "collections_after": result["server"].get("collections"),
        }
        if profile:
            out["post_1"]["profile"] = profile
        _note_errors(out["post_1"], result)

        ceiling_batch = self.measure_ceiling("batch")
        with self.lrs() as server:
            result = self.load(server, "statement_batch")
            profile = self.profiled(server, "statement_batch") if "profile" in self.args.parts else None
        row = result["by_request"].get("post_100", {})
        out["post_100"] = {
            "requests_per_s": row.get("requests_per_s", 0.0),
            "statements_per_s": row.get("items_per_s", 0.0),
            "median_ms": row.get("median_ms"),
            "p95_ms": row.get("p95_ms"),
            "statements_per_s_ratio_to_ceiling_requests": _ratio(
                row.get("items_per_s", 0.0), ceiling_1["requests_per_s"]
            ),
            "ratio_to_batch_body_ceiling": _ratio(
                row.get("requests_per_s", 0.0), ceiling_batch["requests_per_s"]
            ),
            "where_time_goes": where_time_goes(result, "per_batch"),
            "collections_after": result["server"].get("collections"),
        }
        if profile:
            out["post_100"]["profile"] = profile
        _note_errors(out["post_100"], result)

        ceiling_get = self.measure_ceiling("none")
        with self.lrs() as server:
            seed(server, self.args.seed_statements)
            result = self.load(server, "statement_get")
            profile = self.profiled(server, "statement_get") if "profile" in self.args.parts else None
        requests = sum(r["requests"] for r in result["by_request"].values())
        out["get"] = {
            "seeded_statements": self.args.seed_statements,
            "requests_per_s": round(requests / result["seconds"], 1),
            "statements_per_s": _returned(result),
            **_merged_latency(result),
            "ratio_to_ceiling": _ratio(requests / result["seconds"], ceiling_get["requests_per_s"]),
            "by_query": result["by_request"],
            "where_time_goes": where_time_goes(result, "per_request"),
        }
        if profile:
            out["get"]["profile"] = profile
        _note_errors(out["get"], result)
        return out

    def profiled(self, server: ServerProcess, scenario: str) -> dict[str, Any]:
        """cProfile of the server during a short extra run (its throughput is not reported)."""
        result = self.load(server, scenario, duration=self.args.profile_seconds, profile=True)
        return result["server"].get("profile", {})  # type: ignore[no-any-return]

    def reports(self) -> dict[str, Any]:
        """Part 4: the reports benchmark (bench/reports.py, by the reports engineer), smaller by default."""
        if not (ROOT / "bench" / "reports.py").exists():
            return {"skipped": "bench/reports.py has not landed"}
        command = [sys.executable, "-m", "bench.reports", *self.args.reports_args.split()]
        if self.args.mongodb_url:
            command += ["--mongodb-url", self.args.mongodb_url]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=600, check=False)
        if done.returncode != 0:
            return {"skipped": f"bench.reports failed ({done.returncode}): {done.stderr.decode()[-800:]}"}
        try:
            return orjson.loads(done.stdout)  # type: ignore[no-any-return]
        except orjson.JSONDecodeError:
            return {"skipped": "bench.reports printed no JSON", "stdout": done.stdout.decode()[-800:]}


def guarded(part: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A part's figures, or {"failed": why} so one broken part does not lose the others."""
    started = time.perf_counter()
    try:
        figures = part()
    except Exception as exc:  # the benchmark reports any failure of a part instead of dying
        return {"failed": f"{type(exc).__name__}: {str(exc)[-1500:]}"}
    figures["part_seconds"] = round(time.perf_counter() - started, 1)
    return figures


def seed(server: ServerProcess, statements: int) -> None:
    """Store `statements` statements (batches of 100) before the GET part."""
    templates = [statement_template(n) for n in range(100)]
    token = base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    for _ in range(0, statements, 100):
        connection.request(
            "POST",
            "/xapi/statements",
            batch_body(templates, 100),
            headers={
                "Authorization": f"Basic {token}",
                "X-Experience-API-Version": "1.0.3",
                "Content-Type": "application/json",
            },
        )
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"seeding statements failed: {response.status} {body[:300]!r}")
    connection.close()


def where_time_goes(result: dict[str, Any], per: str) -> dict[str, Any]:
    """Share of server CPU inside the storage layer, and storage round trips per request the server
    answered in the measuring window (a commit, a statement batch, a GET)."""
    server = result["server"]
    storage = server.get("storage")
    if not storage:
        return {}
    cpu = server.get("cpu_s") or 0.0
    divisor = server.get("requests") or 1
    return {
        "server_cpu_share": round(cpu / server["wall_s"], 3) if server.get("wall_s") else None,
        "storage_share_of_server_cpu": _ratio(storage["cpu_seconds"], cpu),
        "gc_share_of_server_cpu": _ratio(server.get("gc_s", 0.0), cpu),
        "server_cpu_ms_" + per: round(1000 * cpu / divisor, 3),
        "storage_cpu_ms_" + per: round(1000 * storage["cpu_seconds"] / divisor, 3),
        "storage_wall_ms_" + per: round(1000 * storage["seconds"] / divisor, 3),
        "round_trips_" + per: round(storage["round_trips"] / divisor, 2),
        "round_trips_by_call_" + per: {
            call: round(v["calls"] / divisor, 2) for call, v in storage["by_call"].items()
        },
        "storage_cpu_ms_by_call_" + per: {
            call: round(1000 * v["cpu_seconds"] / divisor, 3) for call, v in storage["by_call"].items()
        },
        "server_requests": server.get("requests"),
    }


def targets(out: dict[str, Any]) -> dict[str, Any]:
    """Each target of issue 5 with the measured ratio and whether it is reached."""
    found: dict[str, Any] = {}
    statements = out.get("statements", {})
    measured = {
        "post_1": statements.get("post_1", {}).get("ratio_to_ceiling"),
        "ingest": out.get("ingest", {}).get("ratio_to_ceiling"),
        "post_100_statements": statements.get("post_100", {}).get(
            "statements_per_s_ratio_to_ceiling_requests"
        ),
    }
    for name, goal in TARGETS.items():
        if measured[name] is not None:
            found[name] = {"ratio": measured[name], "target": goal, "reached": measured[name] >= goal}
    return found


def _ratio(value: float, ceiling: float) -> float | None:
    return round(value / ceiling, 3) if ceiling else None


def _cpu_share(result: dict[str, Any]) -> float | None:
    server = result["server"]
    return round(server["cpu_s"] / server["wall_s"], 3) if server.get("wall_s") else None


def _merged_latency(result: dict[str, Any]) -> dict[str, Any]:
    """Request-weighted median and p95 over every label (approximate: the worst label's p95 bounds it)."""
    rows = [r for r in result["by_request"].values() if r.get("requests")]
    if not rows:
        return {"median_ms": None, "p95_ms": None}
    total = sum(r["requests"] for r in rows)
    return {
        "median_ms": round(sum(r["median_ms"] * r["requests"] for r in rows) / total, 3),
        "p95_ms": max(r["p95_ms"] for r in rows),
    }


def _returned(result: dict[str, Any]) -> float | None:
    return None  # GET pages are not parsed by the load generator for counts


def _note_errors(figures: dict[str, Any], result: dict[str, Any]) -> None:
    errors = {label: row["errors"] for label, row in result["by_request"].items() if "errors" in row}
    if errors:
        figures["errors"] = errors
        figures["error_samples"] = result.get("error_samples", [])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--duration",
        type=float,
        default=5.0,
        help="seconds measured per HTTP run (translation gets a quarter each)",
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of load before measuring")
    parser.add_argument(
        "--concurrency", type=int, default=32, help="connections (concurrent sessions for ingest)"
    )
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}"
    )
    parser.add_argument(
        "--mongodb-url",
        default=os.environ.get("LRS_BENCH_MONGODB_URL"),
        help="run on this MongoDB (a throwaway database, dropped after) instead of the "
        "in-memory store; default $LRS_BENCH_MONGODB_URL",
    )
    parser.add_argument(
        "--seed-statements", type=int, default=1000, help="statements stored before the GET part"
    )
    parser.add_argument(
        "--profile-seconds",
        type=float,
        default=2.0,
        help="seconds of cProfile per HTTP part (part 'profile')",
    )
    parser.add_argument(
        "--reports-args",
        default="--learners 200 --courses 5 --repeat 5",
        help="arguments passed to python -m bench.reports",
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="where to save the JSON (default bench/results/<date>.json)"
    )
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run, print the JSON figures to stdout, save them under bench/results/."""
    args = parse_args(argv)
    out = Bench(args).run()
    text = orjson.dumps(out, option=orjson.OPT_INDENT_2)
    sys.stdout.buffer.write(text + b"\n")
    sys.stdout.flush()
    path = args.output or RESULTS / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text + b"\n")
    print(f"saved {path}", file=sys.stderr)
    return out
