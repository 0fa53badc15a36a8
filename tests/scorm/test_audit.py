"""Client addresses in the audit log, and the audit log over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.scorm.audit import RETENTION_INDEX, client_ip, parse_networks
from lrs.storage.indexes import SCORM_AUDIT
from lrs.storage.memory import MemoryDatabase
from tests.scorm.helpers import ENROLLMENT, commit, post
from tests.support import make_settings

TRUSTED = parse_networks(["10.0.0.0/8", "192.168.1.5", "2001:db8::/32"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        pytest.param("203.0.113.9", None, "203.0.113.9", id="direct"),
        pytest.param("203.0.113.9", "1.2.3.4", "203.0.113.9", id="untrusted-peer-header-ignored"),
        pytest.param("10.1.2.3", "1.2.3.4", "1.2.3.4", id="trusted-cidr"),
        pytest.param("192.168.1.5", "1.2.3.4", "1.2.3.4", id="trusted-single-ip"),
        pytest.param("10.1.2.3", "6.6.6.6, 1.2.3.4, 10.9.9.9", "1.2.3.4", id="rightmost-untrusted-hop"),
        pytest.param("10.1.2.3", "10.2.2.2", "10.2.2.2", id="all-hops-trusted-leftmost"),
        pytest.param("10.1.2.3", "garbage", "10.1.2.3", id="garbled-header"),
        pytest.param("2001:db8::1", "2001:db9::7", "2001:db9::7", id="ipv6"),
    ],
)
def test_audit_client_ip_honours_forwarded_for_only_from_trusted_proxies(
    peer: str, forwarded: str | None, expected: str
) -> None:
    assert client_ip(peer, forwarded, TRUSTED) == expected


def test_audit_log_lists_a_session_over_http(client: TestClient) -> None:
    post(client, commit("1.2", "s", 0, {"cmi.core.lesson_location": "a"}, "initialize"))
    client.post(
        "/scorm/commits",
        json=commit("1.2", "s", 1, {"cmi.core.lesson_location": "b"}),
        headers={"X-Forwarded-For": "1.2.3.4"},
    )
    rows = client.get("/scorm/commits", params={"session_id": "s"}).json()["commits"]
    assert [(r["sequence"], r["outcome"], r["enrollment_id"]) for r in rows] == [
        (0, "applied", ENROLLMENT),
        (1, "applied", ENROLLMENT),
    ]
    assert rows[1]["changes"] == [{"element": "cmi.core.lesson_location", "old": "a", "new": "b"}]
    assert rows[1]["client_ip"] == "testclient"  # the test peer is no trusted proxy
    everything = client.get("/scorm/commits").json()  # every session's rows (and rows without one)
    assert everything["total"] == 2 and everything["next"] is None


def outcomes(client: TestClient, **params: Any) -> list[tuple[Any, Any, str]]:
    rows = client.get("/scorm/commits", params={"limit": 1000, **params}).json()["commits"]
    return [(r["session_id"], r["sequence"], r["outcome"]) for r in rows]


def test_audit_every_commit_received_is_audited_whatever_its_outcome(client: TestClient) -> None:
    post(client, commit("2004", "s", 0, {"cmi.entry": "ab-initio"}, "initialize"))
    other = {**commit("2004", "s", 1, {}), "learner": {"id": "someone-else"}}
    assert client.post("/scorm/commits", json=other).status_code == 422  # a session of another learner
    too_big = commit("2004", "s", 2, {f"cmi.interactions.{n}.id": f"q{n}" for n in range(1001)})
    assert client.post("/scorm/commits", json=too_big).status_code == 413
    # over the range, beyond int64 (refused with the body: 400), negative
    for sequence, status in ((2**32, 422), (2**63, 400), (-1, 422)):
        assert client.post("/scorm/commits", json=commit("2004", "s", sequence, {})).status_code == status
    assert client.post("/scorm/commits", json={"session_id": "s", "sequence": "x"}).status_code == 422
    assert client.post("/scorm/commits", json=[1, "two"]).status_code == 200  # a batch of bad shapes
    unreadable = client.post("/scorm/commits", content=b'{"session_id": "s", oops')
    assert unreadable.status_code in (400, 422)
    assert outcomes(client) == [
        ("s", 0, "applied"),
        ("s", 1, "rejected"),
        ("s", 2, "rejected"),
        ("s", 2**32, "rejected"),
        ("s", None, "rejected"),  # 2**63 is kept in the payload only (no int64)
        ("s", -1, "rejected"),
        ("s", None, "rejected"),
        (None, None, "rejected"),
        (None, None, "rejected"),
        (None, None, "rejected"),  # not JSON: its text is kept
    ]
    rows = client.get("/scorm/commits", params={"session_id": "s"}).json()["commits"]
    assert "another learner" in rows[1]["reasons"][0]["reason"]
    assert rows[2]["reasons"][0]["field"] == "cmi.interactions.1000"
    assert rows[4]["payload"]["sequence"] == 2**63
    every = client.get("/scorm/commits", params={"limit": 1000}).json()["commits"]
    assert every[-1]["payload"] == '{"session_id": "s", oops'


def test_audit_pages_with_a_signed_cursor_either_way(client: TestClient) -> None:
    for sequence in range(7):
        post(client, commit("1.2", "s", sequence, {"cmi.core.lesson_location": f"p{sequence}"}))
    post(client, commit("1.2", "t", 0, {}))
    seen: list[int] = []
    page = client.get("/scorm/commits", params={"session_id": "s", "limit": 3}).json()
    while True:
        assert page["total"] == 7 and page["limit"] == 3
        seen += [r["sequence"] for r in page["commits"]]
        if page["next"] is None:
            break
        page = client.get(
            "/scorm/commits", params={"session_id": "s", "limit": 3, "cursor": page["next"]}
        ).json()
    assert seen == list(range(7))
    newest = client.get("/scorm/commits", params={"order": "desc", "limit": 2}).json()
    assert [(r["session_id"], r["sequence"]) for r in newest["commits"]] == [("t", 0), ("s", 6)]
    assert newest["total"] == 8
    following = client.get("/scorm/commits", params={"order": "desc", "limit": 2, "cursor": newest["next"]})
    assert [r["sequence"] for r in following.json()["commits"]] == [5, 4]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"limit": "0"}, "limit", id="limit-zero"),
        pytest.param({"limit": "1001"}, "limit", id="limit-over-the-setting"),
        pytest.param({"limit": "9" * 400}, "limit", id="limit-many-digits"),
        pytest.param({"order": "sideways"}, "order", id="order"),
        pytest.param({"cursor": "v1.e30.AAAA"}, None, id="tampered-cursor"),
    ],
)
def test_audit_bad_paging_parameters_answer_400(
    client: TestClient, params: dict[str, str], field: str | None
) -> None:
    response = client.get("/scorm/commits", params=params)
    assert response.status_code == 400, response.text
    assert response.json().get("field") == field


def test_audit_a_cursor_only_continues_its_own_listing(client: TestClient) -> None:
    for sequence in range(3):
        post(client, commit("1.2", "s", sequence, {}))
    cursor = client.get("/scorm/commits", params={"limit": 1}).json()["next"]
    moved = client.get("/scorm/commits", params={"limit": 1, "cursor": cursor, "session_id": "other"})
    assert moved.status_code == 400 and moved.json()["field"] == "cursor"
    signer = client.app.state.signer  # type: ignore[attr-defined]
    foreign = signer.sign(
        "cursor", {"for": "reports", "s": None, "o": "asc", "at": "2026-01-01T00:00:00+00:00", "id": "x"}
    )
    assert client.get("/scorm/commits", params={"cursor": foreign}).status_code == 400


def test_audit_retention_days_become_a_ttl_index() -> None:
    settings = make_settings(audit_retention_days=30)
    database = MemoryDatabase("lrs")
    with TestClient(create_app(settings, database)):
        indexes = database.collection(SCORM_AUDIT)._c.index_information()
    assert indexes[RETENTION_INDEX] == {"key": [("received_at", 1)], "expireAfterSeconds": 30 * 86400, "v": 2}
    kept = MemoryDatabase("lrs")
    with TestClient(create_app(make_settings(), kept)):  # 0: every row is kept
        assert RETENTION_INDEX not in kept.collection(SCORM_AUDIT)._c.index_information()
