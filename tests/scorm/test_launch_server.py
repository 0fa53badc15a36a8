"""The launch side through a real server (uvicorn on 127.0.0.1) and a real LMS postback receiver."""

from __future__ import annotations

import base64
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from lrs.scorm.webhooks import verify_signature
from lrs.storage import Database
from tests.scorm.helpers import COURSE, LEARNER
from tests.scorm.test_launches import SCO_12, runtime_commit
from tests.scorm.test_postbacks import Receiver, wait_until
from tests.support import API_KEY, API_SECRET, make_settings, running_server

pytestmark = pytest.mark.uvicorn


@pytest.fixture
def bridge(database: Database) -> Iterator[str]:
    settings = make_settings(postback_poll_seconds=0.05, postback_backoff_seconds=0.05)
    with running_server(settings, database) as url:
        yield url


def call(url: str, body: Any, auth: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=orjson.dumps(body), method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, orjson.loads(exc.read())


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver([502])
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def test_launch_server_bearer_commits_reach_the_lms_receiver(bridge: str, receiver: Receiver) -> None:
    basic = "Basic " + base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()
    status, hook = call(f"{bridge}/scorm/webhooks", {"url": receiver.url}, basic)
    assert status == 201
    status, started = call(
        f"{bridge}/scorm/launches", {"learner": LEARNER, "course": COURSE, "inline_sco": SCO_12}, basic
    )
    assert status == 201 and started["commit_url"] == f"{bridge}/scorm/commits"
    bearer = f"Bearer {started['token']}"
    # the runtime's queue flushed after an outage: one batch, in order
    batch = [
        runtime_commit(started, 0, {}, "initialize"),
        runtime_commit(
            started, 1, {"cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "p2"}
        ),
        runtime_commit(
            started, 2, {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "92"}, "terminate"
        ),
    ]
    status, answers = call(started["commit_url"], {"commits": batch}, bearer)
    assert status == 200 and [a["outcome"] for a in answers] == ["applied"] * 3
    assert call(started["commit_url"], runtime_commit(started, 3, {}), bearer)[0] == 401  # terminated
    wait_until(lambda: any(s == 200 for s, *_ in receiver.requests))
    delivered = receiver.accepted()
    assert [d["version"] for d in delivered] == [1]
    enrollment = delivered[0]["enrollment"]
    assert (enrollment["status"], enrollment["best_score"], enrollment["completed"]) == ("passed", 92.0, True)
    status, headers, body, _ = receiver.requests[-1]
    assert verify_signature(hook["secret"], headers["x-lrs-signature"], body, time.time())
