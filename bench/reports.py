"""Report benchmark: seed learners x courses enrollments with attempts, sessions and video
statements, then time every report endpoint (median and p95 of repeated requests); prints JSON.

    python -m bench.reports [--learners 2000 --courses 5 --repeat 15]
    python -m bench.reports --mongodb-url mongodb://127.0.0.1:27017   (or LRS_BENCH_MONGODB_URL)

Seeding (`--seed`): `http` posts every commit batch to POST /scorm/commits and the video statements
to POST /xapi/statements; `direct` writes the documents the ingest would write (docs/architecture.md
field names; statements with `report_fields`) straight into the collections. `auto` (default) is
`http` on MongoDB and `direct` on the in-memory store, where the ingest's own writes grow with the
store (mongomock answers every non-`_id` query by scanning) and 10,000 enrollments would not seed
within minutes. Requests go through the ASGI app in-process (httpx ASGITransport): real routing,
authentication, serialisation; no sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2 as httpx
import orjson

from lrs.app import create_app
from lrs.reports.derived import report_fields
from lrs.settings import Settings
from lrs.storage import Database
from lrs.storage.indexes import (
    SCORM_ATTEMPTS,
    SCORM_ENROLLMENTS,
    SCORM_SESSIONS,
    STATEMENTS,
)

KEY, SECRET = "bench-reports", "bench-reports-secret"
HOME = "https://lms.example.com"
BASE = "https://lms.example.com/xapi"
START = datetime(2026, 1, 1, tzinfo=UTC)
VIDEO_SESSION = "https://w3id.org/xapi/video/extensions/session-id"
PLAYED = "https://w3id.org/xapi/video/extensions/played-segments"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--courses", type=int, default=5, help="each learner is enrolled in every course")
    parser.add_argument("--max-attempts", type=int, default=3, help="attempts per enrollment: 1..this")
    parser.add_argument("--video-share", type=float, default=0.3, help="share of enrollments with a video")
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="requests per report (default 15 on MongoDB, 5 on the in-memory store, whose reports take seconds)",
    )
    parser.add_argument("--seed", choices=("auto", "http", "direct"), default="auto")
    parser.add_argument("--mongodb-url", default=os.environ.get("LRS_BENCH_MONGODB_URL"))
    parser.add_argument("--random-seed", type=int, default=7)
    return parser.parse_args(argv)


def plan(args: argparse.Namespace) -> list[dict[str, Any]]:
    """One entry per enrollment: learner, course, attempts (outcome, score, session seconds, start)."""
    rng = random.Random(args.random_seed)
    enrollments = []
    for learner in range(args.learners):
        for course in range(args.courses):
            day = START + timedelta(days=rng.randrange(60), minutes=rng.randrange(600))
            attempts = []
            for number in range(1, rng.randint(1, args.max_attempts) + 1):
                outcome = rng.choice(("passed", "failed", "incomplete", "completed"))
                attempts.append(
                    {
                        "number": number,
                        "outcome": outcome,
                        "score": rng.randrange(20, 101),
                        "seconds": rng.randrange(60, 3600),
                        "measured": rng.random() < 0.1,
                        "start": day + timedelta(days=number - 1),
                    }
                )
                if outcome in ("passed", "completed"):
                    break
            enrollments.append(
                {
                    "learner": f"u{learner:05d}",
                    "course": f"c{course:03d}",
                    "attempts": attempts,
                    "video": rng.random() < args.video_share,
                }
            )
    return enrollments


def commits_of(e: dict[str, Any]) -> list[dict[str, Any]]:
    """The launcher commits of one enrollment: per attempt one session, initialize + terminate."""
    commits = []
    for a in e["attempts"]:
        base = {
            "learner": {"id": e["learner"], "name": e["learner"]},
            "course": {"id": e["course"], "title": e["course"]},
            "sco": {"id": "sco-1", "title": "Lesson"},
            "version": "1.2",
            "session_id": f"{e['learner']}-{e['course']}-{a['number']}",
        }
        end = {
            "cmi.core.lesson_status": a["outcome"],
            "cmi.core.score.raw": str(a["score"]),
            "cmi.core.exit": "",
        }
        if not a["measured"]:
            end["cmi.core.session_time"] = f"00:{a['seconds'] // 60:02d}:{a['seconds'] % 60:02d}"
        commits.append({**base, "sequence": 0, "event": "initialize", "cmi": {"cmi.core.entry": "ab-initio"}})
        commits.append({**base, "sequence": 1, "event": "terminate", "cmi": end})
    return commits


def video_statements(e: dict[str, Any]) -> list[dict[str, Any]]:
    """Three statements of one video session about the enrollment's course (played segments grow)."""
    session = f"v-{e['learner']}-{e['course']}"
    when = e["attempts"][0]["start"] + timedelta(hours=2)
    out = []
    for i, segments in enumerate(("0[.]60", "0[.]60[,]60[.]200", "0[.]60[,]60[.]200[,]150[.]300")):
        out.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{session}/{i}")),
                "actor": {"account": {"homePage": HOME, "name": e["learner"]}},
                "verb": {"id": "https://w3id.org/xapi/video/verbs/paused"},
                "object": {"id": f"https://videos.example.com/{e['course']}"},
                "result": {"extensions": {PLAYED: segments}},
                "context": {
                    "contextActivities": {"grouping": [{"id": f"{BASE}/courses/{e['course']}"}]},
                    "extensions": {VIDEO_SESSION: session},
                },
                "timestamp": (when + timedelta(minutes=5 * i)).isoformat(),
            }
        )
    return out


async def seed_http(
    client: httpx.AsyncClient, enrollments: list[dict[str, Any]], batch: int
) -> dict[str, int]:
    """POST the commit batches (one learner's commits at a time) and the video statements."""
    commits = statements = 0
    pending: list[dict[str, Any]] = []
    by_learner: dict[str, list[dict[str, Any]]] = {}
    for e in enrollments:
        by_learner.setdefault(e["learner"], []).extend(commits_of(e))
        if e["video"]:
            pending.extend(video_statements(e))
    for learner_commits in by_learner.values():
        for i in range(0, len(learner_commits), batch):
            response = await client.post("/scorm/commits", json={"commits": learner_commits[i : i + batch]})
            response.raise_for_status()
            commits += len(learner_commits[i : i + batch])
    for i in range(0, len(pending), 500):
        response = await client.post("/xapi/statements", json=pending[i : i + 500])
        response.raise_for_status()
        statements += len(pending[i : i + 500])
    return {"commits": commits, "statements": statements}


async def seed_direct(db: Database, enrollments: list[dict[str, Any]]) -> dict[str, int]:
    """Write enrollments, attempts, sessions and statements as the ingest and the LRS store them."""
    rows: dict[str, list[dict[str, Any]]] = {
        SCORM_ENROLLMENTS: [],
        SCORM_ATTEMPTS: [],
        SCORM_SESSIONS: [],
        STATEMENTS: [],
    }
    for e in enrollments:
        eid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{e['learner']}/{e['course']}"))
        completed_at = None
        for a in e["attempts"]:
            aid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{eid}/{a['number']}"))
            end = a["start"] + timedelta(seconds=a["seconds"])
            done = a["outcome"] in ("passed", "completed", "failed")
            completes = a["outcome"] in ("passed", "completed")
            completed_at = completed_at or (end if completes else None)
            rows[SCORM_ATTEMPTS].append(
                {
                    "_id": aid,
                    "enrollment_id": eid,
                    "learner_id": e["learner"],
                    "learner_name": e["learner"],
                    "course_id": e["course"],
                    "course_title": e["course"],
                    "sco_id": "sco-1",
                    "version": "1.2",
                    "number": a["number"],
                    "started_at": a["start"],
                    "last_commit_at": end,
                    "completed_at": end if done else None,
                    "completion_status": "completed" if done else "incomplete",
                    "success_status": a["outcome"] if a["outcome"] in ("passed", "failed") else "unknown",
                    "score_raw": float(a["score"]),
                    "score_scaled": a["score"] / 100,
                    "cmi": {"cmi|core|lesson_status": {"v": a["outcome"], "s": 1}},
                    "interactions": [],
                    "objectives": [],
                    "comments": [],
                    "commit_count": 2,
                    "last_sequence": 1,
                }
            )
            rows[SCORM_SESSIONS].append(
                {
                    "_id": f"{e['learner']}-{e['course']}-{a['number']}",
                    "attempt_id": aid,
                    "enrollment_id": eid,
                    "learner_id": e["learner"],
                    "course_id": e["course"],
                    "sco_id": "sco-1",
                    "started_at": a["start"],
                    "last_commit_at": end,
                    "session_time_s": None if a["measured"] else float(a["seconds"]),
                    "measured_s": float(a["seconds"]),
                    "time_s": float(a["seconds"]),
                    "time_source": "measured" if a["measured"] else "session_time",
                }
            )
            for verb in ("initialized", "terminated"):  # what the bridge generates, `source: "scorm"`
                statement = {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{aid}/{verb}")),
                    "actor": {"account": {"homePage": HOME, "name": e["learner"]}},
                    "object": {"id": f"{BASE}/courses/{e['course']}/scos/sco-1"},
                    "result": {"duration": f"PT{a['seconds']}S"} if verb == "terminated" else {},
                    "timestamp": end.isoformat(),
                }
                rows[STATEMENTS].append(_statement_doc(statement, end, source="scorm"))
        last = e["attempts"][-1]
        statuses = [a["outcome"] for a in e["attempts"]]
        status = (
            "passed"
            if "passed" in statuses
            else "completed"
            if "completed" in statuses
            else ("failed" if last["outcome"] == "failed" else "in progress")
        )
        rows[SCORM_ENROLLMENTS].append(
            {
                "_id": eid,
                "learner_id": e["learner"],
                "learner_name": e["learner"],
                "course_id": e["course"],
                "course_title": e["course"],
                "first_access": e["attempts"][0]["start"],
                "last_access": last["start"] + timedelta(seconds=last["seconds"]),
                "status": status,
                "attempt_count": len(e["attempts"]),
                "best_score_raw": float(max(a["score"] for a in e["attempts"])),
                "best_score_scaled": max(a["score"] for a in e["attempts"]) / 100,
                "last_score_raw": float(last["score"]),
                "last_score_scaled": last["score"] / 100,
                "completed_at": completed_at,
            }
        )
        if e["video"]:
            for statement in video_statements(e):
                rows[STATEMENTS].append(
                    _statement_doc(statement, datetime.fromisoformat(statement["timestamp"]))
                )
    for name, docs in rows.items():
        for i in range(0, len(docs), 5000):
            await db.collection(name).insert_many(docs[i : i + 5000])
    return {name: len(docs) for name, docs in rows.items()}


def _statement_doc(statement: dict[str, Any], stored: datetime, source: str | None = None) -> dict[str, Any]:
    doc = {
        "_id": statement["id"],
        "statement": statement,
        "stored": stored,
        "voided": False,
        "activity": statement["object"]["id"],
    }
    if source:
        doc["source"] = source
    doc.update(report_fields(statement, BASE, HOME))
    return doc


def endpoints(enrollments: list[dict[str, Any]], attempt_id: str) -> dict[str, str]:
    learner, course = enrollments[len(enrollments) // 2]["learner"], enrollments[0]["course"]
    return {
        "enrollments": "/reports/enrollments",
        "enrollments?course": f"/reports/enrollments?course={course}&status=passed",
        "enrollments csv (limit 10000)": "/reports/enrollments?format=csv&limit=10000",
        "attempts": "/reports/attempts",
        "attempts?learner": f"/reports/attempts?learner={learner}",
        "attempts/{id}": f"/reports/attempts/{attempt_id}",
        "time-spent": "/reports/time-spent",
        "time-spent?group=day": "/reports/time-spent?group=day",
        "time-spent?learner": f"/reports/time-spent?learner={learner}",
        "attempt-counts": "/reports/attempt-counts",
        "learners/{learner}/courses": f"/reports/learners/{learner}/courses",
        "courses?sort=pass_rate": "/reports/courses?sort=pass_rate&order=asc",
        "courses?course": f"/reports/courses?course={course}",
        "abandoned-attempts?idle=24h": "/reports/abandoned-attempts?idle=24h",
    }


def dashboard_pages(enrollments: list[dict[str, Any]], attempt_id: str) -> dict[str, str]:
    """The dashboard's pages (server time: the HTML rendered and sent), with a signed-in cookie."""
    learner, course = enrollments[len(enrollments) // 2]["learner"], enrollments[0]["course"]
    return {
        "dashboard courses": "/dashboard/courses",
        "dashboard courses?sort=pass_rate": "/dashboard/courses?sort=pass_rate&order=desc",
        "dashboard courses csv": "/dashboard/courses?format=csv",
        "dashboard course": f"/dashboard/courses/{course}",
        "dashboard learner": f"/dashboard/learners/{learner}",
        "dashboard attempt": f"/dashboard/attempts/{attempt_id}",
        "dashboard statements": "/dashboard/statements",
        "dashboard system": "/dashboard/system",
    }


async def sign_in_dashboard(client: httpx.AsyncClient) -> None:
    """Sign the client in to the dashboard (the form's CSRF token, then the session cookie)."""
    form = await client.get("/dashboard/login")
    token = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = await client.post("/dashboard/login", data={"csrf": token, "key": KEY, "secret": SECRET})
    if answer.status_code != 303:
        raise RuntimeError(f"dashboard sign-in failed: {answer.status_code}")


async def time_reports(client: httpx.AsyncClient, paths: dict[str, str], repeat: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for name, path in paths.items():
        times, response = [], None
        for _ in range(repeat):
            started = time.perf_counter()
            response = await client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        assert response is not None
        times.sort()
        total = response.headers.get("x-total-count")
        figures[name] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
            "total_rows": int(total) if total else None,
        }
    return figures


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.repeat is None:
        args.repeat = 15 if args.mongodb_url else 5
    settings = Settings(
        _env_file=None,
        default_api_key=KEY,
        default_api_secret=SECRET,
        mongodb_url=args.mongodb_url,
        mongodb_database=f"lrs_bench_reports_{uuid.uuid4().hex[:8]}",
        lms_homepage=HOME,
        activity_iri_base=BASE,
        auth_cache_seconds=3600,
    )
    if args.mongodb_url:
        from lrs.storage.mongo import MongoDatabase

        db: Database = MongoDatabase(args.mongodb_url, settings.mongodb_database)
    else:
        from lrs.storage.memory import MemoryDatabase

        db = MemoryDatabase()
    app = create_app(settings, db)
    how = args.seed if args.seed != "auto" else ("http" if args.mongodb_url else "direct")
    enrollments = plan(args)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            auth=(KEY, SECRET),
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=600,
        ) as client,
    ):
        try:
            started = time.perf_counter()
            if how == "http":
                seeded = await seed_http(client, enrollments, settings.max_commits_per_batch)
            else:
                seeded = await seed_direct(db, enrollments)
            seed_s = time.perf_counter() - started
            attempt = await db.collection(SCORM_ATTEMPTS).find_one({}, sort=[("_id", 1)])
            attempt_id = attempt["_id"] if attempt else "x"
            reports = await time_reports(client, endpoints(enrollments, attempt_id), args.repeat)
            await sign_in_dashboard(client)
            pages = await time_reports(client, dashboard_pages(enrollments, attempt_id), args.repeat)
        finally:
            if args.mongodb_url:
                await db.drop()  # inside the lifespan: the app closes its store when it ends
    return {
        "store": "mongodb" if args.mongodb_url else "memory",
        "seeded_via": how,
        "enrollments": len(enrollments),
        "attempts": sum(len(e["attempts"]) for e in enrollments),
        "video_sessions": sum(1 for e in enrollments if e["video"]),
        "seeded": seeded,
        "seed_seconds": round(seed_s, 1),
        "repeat": args.repeat,
        "reports": reports,
        "dashboard": pages,
    }


def main(argv: list[str] | None = None) -> None:
    result = asyncio.run(run(parse_args(argv)))
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
