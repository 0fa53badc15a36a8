"""Client addresses in the audit log, and the audit log over HTTP."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from lrs.scorm.audit import client_ip, parse_networks
from tests.scorm.helpers import ENROLLMENT, commit, post

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
    assert client.get("/scorm/commits").status_code == 400
