"""Smoke test of `python -m bench`: every part runs with tiny sizes and prints its JSON keys.

No timing is asserted: only that each part produced the figures it promises.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One tiny run of every part (servers on 127.0.0.1, in-memory store)."""
    output = tmp_path_factory.mktemp("bench") / "figures.json"
    env = {k: v for k, v in os.environ.items() if k != "LRS_BENCH_MONGODB_URL"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--duration",
            "0.3",
            "--warmup",
            "0.1",
            "--concurrency",
            "2",
            "--seed-statements",
            "100",
            "--profile-seconds",
            "0.2",
            "--output",
            str(output),
            "--reports-args",
            "--learners 4 --courses 1 --repeat 1",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    printed = orjson.loads(done.stdout)
    assert printed == orjson.loads(output.read_bytes())
    return printed  # type: ignore[no-any-return]


@pytest.mark.uvicorn
@pytest.mark.parametrize(
    ("path", "keys"),
    [
        pytest.param(("meta",), {"date", "machine", "store", "options", "body_bytes"}, id="meta"),
        pytest.param(
            ("translation", "scorm_1.2_small"), {"commits_per_s", "median_ms", "p95_ms"}, id="translation-12"
        ),
        pytest.param(
            ("translation", "scorm_2004_large"),
            {"commits_per_s", "statements_per_commit"},
            id="translation-2004",
        ),
        pytest.param(("ceiling", "statement"), {"requests_per_s", "median_ms", "p95_ms"}, id="ceiling"),
        pytest.param(
            ("ingest",),
            {
                "commits_per_s",
                "median_ms",
                "p95_ms",
                "ratio_to_ceiling",
                "where_time_goes",
                "profile",
                "collections_after",
            },
            id="ingest",
        ),
        pytest.param(
            ("statements", "post_1"),
            {"requests_per_s", "statements_per_s", "ratio_to_ceiling", "where_time_goes", "profile"},
            id="post-1",
        ),
        pytest.param(
            ("statements", "post_100"),
            {"statements_per_s", "statements_per_s_ratio_to_ceiling_requests", "where_time_goes"},
            id="post-100",
        ),
        pytest.param(("statements", "get"), {"requests_per_s", "median_ms", "p95_ms", "by_query"}, id="get"),
        pytest.param(
            ("ingest", "where_time_goes"),
            {"round_trips_per_commit", "storage_share_of_server_cpu"},
            id="where-time-goes",
        ),
        pytest.param(("targets",), {"post_1", "ingest", "post_100_statements"}, id="targets"),
        pytest.param(("reports",), {"store", "seeded", "reports"}, id="reports"),
    ],
)
def test_suite_prints_figures_of_every_part(
    figures: dict[str, Any], path: tuple[str, ...], keys: set[str]
) -> None:
    node: Any = figures
    for step in path:
        assert step in node, f"{'.'.join(path)}: {step!r} missing"
        node = node[step]
    assert keys <= set(node), f"{'.'.join(path)}: missing {keys - set(node)}"


@pytest.mark.uvicorn
def test_suite_ingest_counts_round_trips_per_commit(figures: dict[str, Any]) -> None:
    where = figures["ingest"]["where_time_goes"]
    assert where["round_trips_per_commit"] > 0
    assert figures["ingest"]["commits_per_s"] > 0
