"""The request flows each benchmark part replays (built inside the load-generator process)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import orjson

from bench.loadgen import Answer, Flow, FlowFactory, Request
from bench.payloads import ID_PLACEHOLDER, batch_body, launch_commits, statement, statement_template

STATEMENTS = "/xapi/statements"


def body_of(kind: str) -> bytes:
    """The JSON body a ceiling run posts: the same one the part it is compared with sends."""
    if kind == "statement":
        return statement_template(0).replace(ID_PLACEHOLDER.encode(), str(uuid.uuid4()).encode())
    if kind == "commit":
        return orjson.dumps(launch_commits("2004", "learner-0", "course-0", "session-0")[2])
    if kind == "batch":
        return batch_body([statement_template(n) for n in range(20)], 100)
    raise ValueError(kind)


def ceiling(body: str = "statement") -> FlowFactory:
    """POST one fixed body, over and over (GET when body is "none")."""
    raw = None if body == "none" else body_of(body)

    def flow(n: int) -> Flow:
        if raw is None:
            yield Request("ceiling", "GET", "/ceiling?verb=x")
        else:
            yield Request("ceiling", "POST", "/ceiling", raw)

    return flow


def statement_post() -> FlowFactory:
    """POST /xapi/statements with one ~1.5 KB statement carrying a fresh id."""
    templates = [statement_template(n) for n in range(100)]
    placeholder = ID_PLACEHOLDER.encode()

    def flow(n: int) -> Flow:
        body = templates[n % 100].replace(placeholder, str(uuid.uuid4()).encode())
        yield Request("post_1", "POST", STATEMENTS, body)

    return flow


def statement_batch(size: int = 100) -> FlowFactory:
    """POST /xapi/statements with a batch of `size` statements, each with a fresh id."""
    templates = [statement_template(n) for n in range(100)]

    def flow(n: int) -> Flow:
        yield Request(f"post_{size}", "POST", STATEMENTS, batch_body(templates, size), items=size)

    return flow


def _queries() -> list[tuple[str, str]]:
    """(label, query string) of the filtered GETs; they match what statement_batch stored."""
    s = statement("x", 7)
    agent = quote(orjson.dumps({"account": s["actor"]["account"]}).decode())
    return [
        ("get_agent", f"agent={agent}&limit=20"),
        ("get_verb", f"verb={quote(s['verb']['id'], safe='')}&limit=20"),
        ("get_activity", f"activity={quote(s['object']['id'], safe='')}&limit=20"),
        ("get_registration", f"registration={s['context']['registration']}&limit=20"),
        ("get_since", "since=2000-01-01T00:00:00Z&limit=20"),
    ]


def statement_get(pages: int = 3) -> FlowFactory:
    """A filtered GET (agent, verb, activity, registration or since), then up to `pages` - 1 `more`s."""
    queries = _queries()

    def flow(n: int) -> Flow:
        label, query = queries[n % len(queries)]
        status, body = yield Request(label, "GET", f"{STATEMENTS}?{query}")
        for _ in range(pages - 1):
            more = orjson.loads(body).get("more") if status == 200 else None
            if not more:
                return
            status, body = yield Request("get_more", "GET", more)

    return flow


def commit_sessions(commits: int = 20, courses: int = 20) -> FlowFactory:
    """A whole launch per flow: initialize, `commits` commits, terminate, for a new learner each time,
    alternating SCORM 1.2 and 2004."""
    run = uuid.uuid4().hex[:8]

    def flow(n: int) -> Flow:
        version = "1.2" if n % 2 else "2004"
        launch = launch_commits(
            version, f"learner-{run}-{n}", f"course-{n % courses}", f"session-{run}-{n}", commits
        )
        for commit in launch:
            answer: Answer = yield Request(commit["event"], "POST", "/scorm/commits", orjson.dumps(commit))
            del answer

    return flow


def health() -> FlowFactory:
    """GET /health/live: the cheapest request the service answers (per-request overheads show most)."""

    def flow(n: int) -> Flow:
        yield Request("health", "GET", "/health/live")

    return flow


SCENARIOS: dict[str, Callable[..., FlowFactory]] = {
    "ceiling": ceiling,
    "health": health,
    "statement_post": statement_post,
    "statement_batch": statement_batch,
    "statement_get": statement_get,
    "commit_sessions": commit_sessions,
}


def describe() -> dict[str, Any]:
    """Body sizes, for the report."""
    return {kind: len(body_of(kind)) for kind in ("statement", "commit", "batch")}
