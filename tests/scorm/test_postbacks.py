"""Postbacks: webhooks, the outbox, delivery to a real receiver, leases between workers."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.scorm import outbox
from lrs.scorm.attempts import enrollment_id
from lrs.scorm.postbacks import PostbackWorker
from lrs.scorm.timing import now_ms
from lrs.scorm.webhooks import verify_signature
from lrs.settings import Settings
from lrs.signing import Signer
from lrs.storage.indexes import SCORM_ENROLLMENTS, SCORM_OUTBOX
from lrs.storage.memory import MemoryDatabase
from tests.scorm.helpers import COURSE, ENROLLMENT, LEARNER, commit, find, post
from tests.scorm.test_launches import SCO_12, bearer_post, runtime_commit
from tests.support import MONGODB_URL, basic_auth, make_database, make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings(
        postback_poll_seconds=0.05,
        postback_backoff_seconds=0.05,
        postback_backoff_max_seconds=0.2,
        postback_max_attempts=3,
    )


class Receiver:
    """An LMS postback endpoint on 127.0.0.1 answering the scripted statuses, then 200."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.requests: list[tuple[int, dict[str, str], bytes, float]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.append(
                    (status, {k.lower(): v for k, v in self.headers.items()}, body, time.perf_counter())
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/lms/scorm/postback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def accepted(self) -> list[dict[str, Any]]:
        return [orjson.loads(body) for status, _, body, _ in self.requests if status == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver([500, 503])
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def wait_until(check: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait for the background worker (a bound, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the postback worker did not get there"
        time.sleep(0.02)


def outbox_rows(client: TestClient) -> list[dict[str, Any]]:
    return find(client, SCORM_OUTBOX, {})


def settled(client: TestClient) -> bool:
    rows = outbox_rows(client)
    return bool(rows) and all(r["state"] == "idle" for r in rows)


def test_postbacks_fail_twice_then_delivered_once_in_order_and_signed(
    client: TestClient, receiver: Receiver
) -> None:
    hook = client.post("/scorm/webhooks", json={"url": receiver.url})
    assert hook.status_code == 201
    secret = hook.json()["secret"]
    started = client.post(
        "/scorm/launches", json={"learner": LEARNER, "course": COURSE, "inline_sco": SCO_12}
    ).json()
    steps = [
        ({}, "initialize"),
        ({"cmi.core.lesson_status": "incomplete", "cmi.core.score.raw": "40"}, "commit"),
        ({"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "85", "cmi.core.exit": ""}, "terminate"),
    ]
    for sequence, (cmi, event) in enumerate(steps):
        bearer_post(client, started["token"], runtime_commit(started, sequence, cmi, event))
    wait_until(lambda: settled(client) and outbox_rows(client)[0]["delivered_version"] == 3)
    assert [status for status, *_ in receiver.requests][:2] == [500, 503]
    accepted = receiver.accepted()
    versions = [body["version"] for body in accepted]
    assert versions == sorted(set(versions)) and versions[-1] == 3  # in order, none twice
    last = accepted[-1]["enrollment"]
    assert (last["id"], last["status"], last["completed"], last["best_score"], last["attempt_count"]) == (
        ENROLLMENT,
        "passed",
        True,
        85.0,
        1,
    )
    for _status, headers, body, _ in receiver.requests:
        assert verify_signature(secret, headers["x-lrs-signature"], body, time.time())
        assert not verify_signature(secret, headers["x-lrs-signature"], body + b" ", time.time())
    # a re-sent commit adds nothing to the outbox
    bearer_post(client, started["token"], runtime_commit(started, 2, steps[2][0], "terminate"))
    assert outbox_rows(client)[0]["version"] == 3


def test_postbacks_park_after_max_attempts_and_retrigger(client: TestClient) -> None:
    dead = Receiver([500, 500, 500])
    dead.thread.start()
    try:
        client.post("/scorm/webhooks", json={"url": dead.url})
        post(client, commit("1.2", "s", 0, {"cmi.core.lesson_status": "completed"}))
        wait_until(lambda: outbox_rows(client)[0]["state"] == "parked")
        parked = client.get("/scorm/outbox", params={"state": "parked"}).json()["items"]
        assert [(r["enrollment"], r["failures"], r["last_error"]) for r in parked] == [
            (ENROLLMENT, 3, "HTTP 500")
        ]
        retried = client.post(f"/scorm/outbox/{parked[0]['id']}/retry").json()
        assert retried["state"] == "pending"
        wait_until(lambda: settled(client))
        assert [s for s, *_ in dead.requests] == [500, 500, 500, 200]
    finally:
        dead.server.shutdown()
        dead.server.server_close()


def test_postbacks_webhooks_register_list_delete_and_refuse_bad_urls(client: TestClient) -> None:
    assert client.post("/scorm/webhooks", json={"url": "ftp://x"}).json()["field"] == "url"
    assert client.post("/scorm/webhooks", json={"url": "http://x", "package": "nope"}).status_code == 404
    hook = client.post("/scorm/webhooks", json={"url": "https://lms.example.com/hook"}).json()
    assert [h["id"] for h in client.get("/scorm/webhooks").json()["items"]] == [hook["id"]]
    assert "secret" not in client.get("/scorm/webhooks").json()["items"][0]
    assert client.delete(f"/scorm/webhooks/{hook['id']}").json() == {"id": hook["id"], "deleted": True}
    assert client.delete(f"/scorm/webhooks/{hook['id']}").status_code == 404


def test_postbacks_two_workers_on_one_store_never_deliver_a_row_twice_at_once() -> None:
    """Two delivery workers (as two instances would run) share one Database object in one process:
    the in-memory store is per process, so the lease is tested here on one store."""

    async def scenario() -> tuple[list[tuple[str, int]], int]:
        db = MemoryDatabase("lease-test")
        now = now_ms()
        enrollments = [enrollment_id(f"u{n}", "c1") for n in range(25)]
        for n, enrollment in enumerate(enrollments):
            await db.collection(SCORM_ENROLLMENTS).insert_one(
                {"_id": enrollment, "learner_id": f"u{n}", "course_id": "c1", "status": "in progress"}
            )
            await outbox.mark_changed(db, "hook", enrollment, ["s:0"], now)
        await db.collection("scorm_webhooks").insert_one(
            {"_id": "hook", "url": "http://receiver/", "credential": "k"}
        )
        delivered: list[tuple[str, int]] = []
        in_flight: set[str] = set()
        overlaps = 0

        async def transport(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
            nonlocal overlaps
            payload = orjson.loads(body)
            row = payload["delivery"].rsplit(":", 1)[0]
            overlaps += row in in_flight
            in_flight.add(row)
            await asyncio.sleep(0.002)
            if payload["version"] == 1 and row.endswith(enrollments[3]):  # a change lands mid-delivery
                await outbox.mark_changed(db, "hook", enrollments[3], ["s:1"], now_ms())
            in_flight.discard(row)
            delivered.append((row, payload["version"]))
            return 200

        policy = outbox.Policy(lease_s=30, max_attempts=3, backoff_s=0.01, backoff_max_s=0.01)
        signer = Signer("k" * 32)
        workers = [
            PostbackWorker(db, lambda: signer, policy, poll_s=0.01, timeout_s=1, transport=transport)
            for _ in range(2)
        ]

        async def drain(worker: PostbackWorker) -> None:
            while await worker.deliver_one():
                await asyncio.sleep(0)

        await asyncio.gather(*(drain(w) for w in workers))
        return delivered, overlaps

    delivered, overlaps = asyncio.run(scenario())
    assert overlaps == 0
    assert len(delivered) == len(set(delivered)) == 26  # 25 rows once, the changed one twice (v1, v2)
    assert sorted(v for row, v in delivered if row.endswith(enrollment_id("u3", "c1"))) == [1, 2]


def test_postbacks_expired_lease_is_taken_over() -> None:
    async def scenario() -> tuple[Any, Any, Any]:
        db = MemoryDatabase("lease-expiry")
        now = now_ms()
        await outbox.mark_changed(db, "hook", "e1", ["s:0"], now)
        policy = outbox.Policy(lease_s=30, max_attempts=3, backoff_s=1, backoff_max_s=1)
        first = await outbox.claim(db, "a", now, policy)
        while_leased = await outbox.claim(db, "b", now + timedelta(seconds=10), policy)
        after_expiry = await outbox.claim(db, "b", now + timedelta(seconds=31), policy)
        return first, while_leased, after_expiry

    first, while_leased, after_expiry = asyncio.run(scenario())
    assert first["lease_owner"] == "a" and while_leased is None and after_expiry["lease_owner"] == "b"


@pytest.fixture
def quiet_client() -> Iterator[TestClient]:
    """A client whose app runs no delivery worker: outbox rows stay as commits marked them."""
    settings = make_settings(postback_enabled=False)
    database = make_database(settings)
    with TestClient(create_app(settings, database), headers={"Authorization": basic_auth()}) as c:
        yield c
        if MONGODB_URL:
            c.portal.call(database.drop)  # type: ignore[union-attr]


def test_postbacks_a_batch_marks_the_outbox_once_and_a_resent_batch_adds_none(
    quiet_client: TestClient,
) -> None:
    client = quiet_client
    client.post("/scorm/webhooks", json={"url": "http://127.0.0.1:9/never"})
    batch = [commit("1.2", "s", n, {"cmi.core.lesson_location": str(n)}) for n in range(5)]
    post(client, batch)
    post(client, batch)
    assert [(r["version"], r["keys"]) for r in outbox_rows(client)] == [(1, [f"s:{n}" for n in range(5)])]


def test_postbacks_a_resend_after_a_request_died_before_the_outbox_adds_the_change(
    quiet_client: TestClient,
) -> None:
    client = quiet_client
    post(client, commit("1.2", "s", 0, {"cmi.core.lesson_status": "completed"}))  # no webhook yet: as if the
    client.post("/scorm/webhooks", json={"url": "http://127.0.0.1:9/never"})  # outbox step never ran
    assert (
        post(client, commit("1.2", "s", 0, {"cmi.core.lesson_status": "completed"}))["outcome"] == "duplicate"
    )
    assert [(r["version"], r["state"]) for r in outbox_rows(client)] == [(1, "pending")]
