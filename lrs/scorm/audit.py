"""The commit audit log (`scorm_audit`): every commit received, whatever became of it."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from lrs.metrics import COMMITS
from lrs.storage import Database
from lrs.storage.indexes import SCORM_AUDIT

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Client:
    """Who sent a request: its address (after trusted proxies), user agent and credential key."""

    ip: str | None
    user_agent: str | None
    credential: str | None = None


def parse_networks(entries: Iterable[str]) -> list[Network]:
    """Trusted proxies (IPs or CIDRs) as networks; a bare IP is a /32 or /128."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(peer: str | None, forwarded_for: str | None, trusted: list[Network]) -> str | None:
    """The client address: X-Forwarded-For is honoured only when the peer is a trusted proxy, and then
    read from the right, skipping further trusted proxies (the leftmost entries are the client's say)."""
    if peer is None:
        return None
    address = _address(peer)
    if address is None or not forwarded_for or not any(address in net for net in trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        hop_address = _address(hop)
        if hop_address is None:
            return peer  # a forged or garbled entry: trust only what the proxy itself is
        if not any(hop_address in net for net in trusted):
            return str(hop_address)
    return str(_address(hops[0])) if hops else peer


def audit_record(
    *,
    received_at: datetime,
    raw: Any,
    client: Client,
    outcome: str,
    session_id: str | None = None,
    sequence: int | None = None,
    reasons: list[dict[str, Any]] | None = None,
    changes: list[dict[str, Any]] | None = None,
    attempt_id: str | None = None,
    enrollment_id: str | None = None,
    statement_ids: list[str] | None = None,
) -> dict[str, Any]:
    """One audit row; the raw payload is kept as its JSON text (any key, even `$x`, is storable)."""
    return {
        "_id": str(uuid.uuid4()),
        "received_at": received_at,
        "session_id": session_id,
        "sequence": sequence,
        "client_ip": client.ip,
        "user_agent": client.user_agent,
        "credential": client.credential,
        "payload": orjson.dumps(raw).decode(),
        "outcome": outcome,
        "reasons": reasons or [],
        "changes": changes or [],
        "attempt_id": attempt_id,
        "enrollment_id": enrollment_id,
        "statement_ids": statement_ids or [],
    }


async def write_audit(db: Database, record: Mapping[str, Any]) -> None:
    """Append one audit row (and count the commit by its outcome)."""
    COMMITS.labels(record["outcome"]).inc()
    await db.collection(SCORM_AUDIT).insert_one(dict(record))


async def read_audit(db: Database, session_id: str, limit: int = 1000) -> list[dict[str, Any]]:
    """A session's audit rows in the order received, payloads parsed back to JSON."""
    rows = await db.collection(SCORM_AUDIT).find(
        {"session_id": session_id}, sort=[("received_at", 1), ("sequence", 1)], limit=limit
    )
    for row in rows:
        row["id"] = row.pop("_id")
        row["payload"] = orjson.loads(row["payload"])
    return rows
