"""The commit audit log (`scorm_audit`): every commit received, whatever became of it."""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from lrs.errors import InvalidParameter
from lrs.metrics import COMMITS
from lrs.signing import Signer
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


# How much of an unreadable body an audit row keeps.
UNREADABLE_KEPT = 4096


def raws_of(body: bytes) -> list[Any]:
    """The commit objects of a body, for the audit of a refused request; an unreadable body is kept
    as (the start of) its text."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return [body[:UNREADABLE_KEPT].decode(errors="replace")]
    if isinstance(parsed, dict) and isinstance(parsed.get("commits"), list):
        parsed = parsed["commits"]
    return parsed if isinstance(parsed, list) else [parsed]


def raw_ids(raw: Any) -> tuple[str | None, int | None]:
    """Best-effort session and sequence of a payload, for the audit row of a rejected one (a sequence
    beyond int64 is left out: the row could not be stored)."""
    if not isinstance(raw, dict):
        return None, None
    session, sequence = raw.get("session_id"), raw.get("sequence")
    in_range = isinstance(sequence, int) and not isinstance(sequence, bool) and -(2**63) <= sequence < 2**63
    return (str(session)[:1000] if session is not None else None, sequence if in_range else None)


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
        "payload": _json_text(raw),
        "outcome": outcome,
        "reasons": reasons or [],
        "changes": changes or [],
        "attempt_id": attempt_id,
        "enrollment_id": enrollment_id,
        "statement_ids": statement_ids or [],
    }


def _json_text(raw: Any) -> str:
    """The payload as JSON text (numbers orjson cannot write, e.g. beyond 64 bits, as the stdlib does)."""
    try:
        return orjson.dumps(raw).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(raw, default=str)


async def write_audit(db: Database, record: Mapping[str, Any]) -> None:
    """Append one audit row (and count the commit by its outcome)."""
    COMMITS.labels(record["outcome"]).inc()
    await db.collection(SCORM_AUDIT).insert_one(dict(record))


# The cursor's purpose inside the shared "cursor" kind: a cursor of another listing is refused here.
CURSOR_FOR = "scorm/commits"
DEFAULT_PAGE = 100
RETENTION_INDEX = "scorm_audit_retention"


@dataclass(frozen=True)
class AuditQuery:
    """One page of the audit log: which session (or all), the order, the page size, where it resumes."""

    session_id: str | None
    newest_first: bool
    limit: int
    after: tuple[datetime, str] | None = None


def _limit(text: str | None, most: int) -> int:
    if text is None or text == "":
        return min(DEFAULT_PAGE, most)
    if not text.isdigit() or len(text) > 9 or not 1 <= int(text) <= most:
        raise InvalidParameter(f"limit: an integer from 1 to {most} (LRS_AUDIT_PAGE_MAX)", field="limit")
    return int(text)


def parse_audit_query(params: Mapping[str, str], signer: Signer, page_max: int) -> AuditQuery:
    """The query of GET /scorm/commits: session_id, order (asc|desc), limit, cursor (signed, from `next`)."""
    session_id = params.get("session_id") or None
    order = params.get("order", "asc")
    if order not in ("asc", "desc"):
        raise InvalidParameter("order: asc (oldest first) or desc (newest first)", field="order")
    limit = _limit(params.get("limit"), page_max)
    token = params.get("cursor")
    if not token:
        return AuditQuery(session_id, order == "desc", limit)
    claims = signer.verify("cursor", token)
    try:
        if claims["for"] != CURSOR_FOR or claims["s"] != session_id or claims["o"] != order:
            raise InvalidParameter(
                "cursor: belongs to another listing (session_id and order must stay as in the first page)",
                field="cursor",
            )
        after = (datetime.fromisoformat(claims["at"]), str(claims["id"]))
    except (KeyError, TypeError, ValueError):
        raise InvalidParameter("cursor: not a cursor of this listing", field="cursor") from None
    return AuditQuery(session_id, order == "desc", limit, after)


def _cursor(signer: Signer, q: AuditQuery, row: Mapping[str, Any]) -> str:
    at = row["received_at"] if row["received_at"].tzinfo else row["received_at"].replace(tzinfo=UTC)
    return signer.sign(
        "cursor",
        {
            "for": CURSOR_FOR,
            "s": q.session_id,
            "o": "desc" if q.newest_first else "asc",
            "at": at.isoformat(),
            "id": row["_id"],
        },
    )


async def read_audit(db: Database, session_id: str, limit: int = 1000) -> list[dict[str, Any]]:
    """A session's audit rows in the order received (at most `limit`), payloads parsed back to JSON."""
    return list((await audit_page(db, None, AuditQuery(session_id, False, limit)))["commits"])


async def audit_page(db: Database, signer: Signer | None, q: AuditQuery) -> dict[str, Any]:
    """One page of audit rows in the order received (or newest first), payloads parsed back to JSON,
    with the total of rows matching and a signed cursor to the next page (null on the last one)."""
    base: dict[str, Any] = {} if q.session_id is None else {"session_id": q.session_id}
    direction = -1 if q.newest_first else 1
    match = dict(base)
    if q.after is not None:
        at, last = q.after
        beyond = "$lt" if q.newest_first else "$gt"
        match["$or"] = [{"received_at": {beyond: at}}, {"received_at": at, "_id": {beyond: last}}]
    collection = db.collection(SCORM_AUDIT)
    rows = await collection.find(
        match, sort=[("received_at", direction), ("_id", direction)], limit=q.limit + 1
    )
    total = await collection.count(base)
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    next_cursor = _cursor(signer, q, rows[-1]) if more and signer is not None else None
    for row in rows:
        row["id"] = row.pop("_id")
        row["payload"] = orjson.loads(row["payload"])
    return {
        "session_id": q.session_id,
        "order": "desc" if q.newest_first else "asc",
        "limit": q.limit,
        "total": total,
        "commits": rows,
        "next": next_cursor,
    }


async def ensure_retention(db: Database, days: int) -> None:
    """A TTL index expiring audit rows `days` after they were received (MongoDB; the in-memory store
    never expires rows). Changing the number of days later needs the old index dropped first."""
    if days > 0:
        await db.collection(SCORM_AUDIT).create_index(
            [("received_at", 1)], name=RETENTION_INDEX, expireAfterSeconds=days * 86400
        )
