"""Part 1: SCORM commits per second through the translators alone (no HTTP, no storage), one core."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.payloads import large_cmi, small_cmi
from translators import (
    EMPTY_STATE,
    CommitContext,
    attempt_iri,
    course_iri,
    sco_iri,
    state_from_cmi,
    statements_for_commit,
    validate_cmi,
)

BASE = "https://lms.example.com/xapi"


def _context(version: str) -> CommitContext:
    return CommitContext(
        version=version,  # type: ignore[arg-type]
        event="commit",
        session_id="bench-session",
        sequence=2,
        timestamp=datetime.now(UTC),
        learner={
            "objectType": "Agent",
            "name": "Learner",
            "account": {"homePage": "https://lms.example.com", "name": "learner-1"},
        },
        registration=str(uuid.uuid4()),
        course_iri=course_iri(BASE, "course-1"),
        course_title="Course 1",
        sco_iri=sco_iri(BASE, "course-1", "sco-1"),
        sco_title="Lesson 1",
        attempt_iri=attempt_iri(BASE, "course-1", str(uuid.uuid4())),
        attempt_number=1,
        resumed=False,
    )


def translate(ctx: CommitContext, before_cmi: dict[str, str], cmi: dict[str, str]) -> int:
    """What ingest does per commit in the translators: validate, merge, new state, statements."""
    if validate_cmi(ctx.version, cmi):
        raise ValueError("bench commit is invalid")
    before = state_from_cmi(ctx.version, before_cmi) if before_cmi else EMPTY_STATE
    after = state_from_cmi(ctx.version, {**before_cmi, **cmi})
    return len(statements_for_commit(ctx, before, after))


def measure(version: str, size: str, duration: float) -> dict[str, Any]:
    """Commits per second for one (version, commit size) for about `duration` seconds."""
    ctx = _context(version)
    if size == "small":
        before, cmi = small_cmi(version, 3), small_cmi(version, 4)
    else:
        before, cmi = {}, large_cmi(version, 50)
    statements = translate(ctx, before, cmi)
    commits, start = 0, time.perf_counter()
    deadline = start + duration
    latencies: list[float] = []
    while True:
        t0 = time.perf_counter()
        translate(ctx, before, cmi)
        t1 = time.perf_counter()
        latencies.append(t1 - t0)
        commits += 1
        if t1 >= deadline:
            break
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "elements": len(cmi),
        "statements_per_commit": statements,
        "commits_per_s": round(commits / elapsed, 1),
        "statements_per_s": round(commits * statements / elapsed, 1),
        "median_ms": round(latencies[len(latencies) // 2] * 1000, 4),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 4),
    }


def run(duration: float = 2.0) -> dict[str, Any]:
    """Both SCORM versions, a small (~10 elements) and a large (50 interactions) commit."""
    return {
        f"scorm_{version}_{size}": measure(version, size, duration)
        for version in ("1.2", "2004")
        for size in ("small", "large")
    }


if __name__ == "__main__":
    import orjson

    print(orjson.dumps(run(), option=orjson.OPT_INDENT_2).decode())
