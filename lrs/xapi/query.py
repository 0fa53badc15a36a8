"""GET /statements parameters -> a StatementQuery -> MongoDB filters; `more` keyset tokens.

Pure and synchronous (xAPI 1.0.3 Communication 2.1.3; 2.0.0 4.1.6.1). The StatementRef rule
(Communication 2.1.3 "Filter Conditions for StatementRefs") needs the store, so the service adds it
around `match_filter`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from lrs.bounds import INT64_MAX, parse_bounded_int
from lrs.errors import InvalidParameter, InvalidStatement, InvalidToken
from lrs.signing import Signer
from lrs.xapi.validation import (
    agent_identifier,
    is_valid_iri,
    is_valid_uuid,
    parse_timestamp,
    validate_agent_param,
)

PARAMETERS = frozenset(
    {
        "statementId",
        "voidedStatementId",
        "agent",
        "verb",
        "activity",
        "registration",
        "related_activities",
        "related_agents",
        "since",
        "until",
        "limit",
        "format",
        "attachments",
        "ascending",
        "more",
    }
)
_SINGLE_ALLOWED = frozenset({"statementId", "voidedStatementId", "format", "attachments"})
FORMATS = ("exact", "ids", "canonical")


@dataclass(frozen=True)
class StatementQuery:
    """A parsed GET /statements request."""

    statement_id: str | None = None
    voided: bool = False
    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: str | None = None
    until: str | None = None
    limit: int = 0
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    # keyset position of a `more` page: the (stored ms, _id) of the last row already returned
    after_stored: int | None = None
    after_id: str | None = None
    # the query parameters this query was parsed from (what a `more` token carries and re-checks)
    params: tuple[tuple[str, str], ...] = ()

    @property
    def single(self) -> bool:
        return self.statement_id is not None


def _bool(params: dict[str, str], name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise InvalidParameter(f"{name} must be true or false, got {value!r}", field=name)
    return value.lower() == "true"


def _timestamp(params: dict[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return to_ms(parse_timestamp(value, name)).isoformat()
    except InvalidStatement as exc:
        raise InvalidParameter(f"{name} must be an ISO 8601 timestamp: {exc.message}", field=name) from None


def to_ms(when: datetime) -> datetime:
    """UTC, truncated to milliseconds (the precision of `stored`)."""
    when = when.astimezone(UTC)
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def parse_query(params: dict[str, str], max_limit: int, signer: Signer | None = None) -> StatementQuery:
    """Validate GET /statements parameters (400 naming the parameter) into a StatementQuery;
    `signer` verifies a `more` token (without one, `more` is refused)."""
    unknown = sorted(set(params) - PARAMETERS)
    if unknown:
        raise InvalidParameter(f"unknown parameter(s): {', '.join(unknown)}", field=unknown[0])
    if "more" in params:
        if len(params) > 1:
            raise InvalidParameter("more cannot be combined with other parameters", field="more")
        if signer is None:
            raise InvalidParameter("more is not accepted here", field="more")
        return decode_more(signer, params["more"], max_limit)
    if "statementId" in params and "voidedStatementId" in params:
        raise InvalidParameter("use statementId or voidedStatementId, not both", field="statementId")
    single_name = (
        "statementId"
        if "statementId" in params
        else ("voidedStatementId" if "voidedStatementId" in params else None)
    )
    values: dict[str, Any] = {}
    if single_name:
        extra = sorted(set(params) - _SINGLE_ALLOWED)
        if extra:
            raise InvalidParameter(
                f"{single_name} cannot be combined with {', '.join(extra)}", field=extra[0]
            )
        if not is_valid_uuid(params[single_name]):
            raise InvalidParameter(f"{single_name} must be a UUID", field=single_name)
        values["statement_id"] = params[single_name].lower()
        values["voided"] = single_name == "voidedStatementId"
    if "agent" in params:
        try:
            agent = orjson.loads(params["agent"])
        except orjson.JSONDecodeError:
            raise InvalidParameter("agent must be a JSON Agent or identified Group", field="agent") from None
        validate_agent_param(agent)
        values["agent"] = agent_identifier(agent)
    for name in ("verb", "activity"):
        if name in params:
            if not is_valid_iri(params[name]):
                raise InvalidParameter(f"{name} must be an IRI", field=name)
            values[name] = params[name]
    if "registration" in params:
        if not is_valid_uuid(params["registration"]):
            raise InvalidParameter("registration must be a UUID", field="registration")
        values["registration"] = params["registration"].lower()
    values["related_activities"] = _bool(params, "related_activities")
    values["related_agents"] = _bool(params, "related_agents")
    values["since"] = _timestamp(params, "since")
    values["until"] = _timestamp(params, "until")
    if "limit" in params:
        values["limit"] = parse_bounded_int(params["limit"], "limit", 0, INT64_MAX)
    values["limit"] = min(values.get("limit") or max_limit, max_limit)
    fmt = params.get("format", "exact")
    if fmt not in FORMATS:
        raise InvalidParameter(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}", field="format")
    values["format"] = fmt
    values["attachments"] = _bool(params, "attachments")
    values["ascending"] = _bool(params, "ascending")
    values["params"] = tuple(sorted(params.items()))
    return StatementQuery(**values)


def match_filter(q: StatementQuery) -> dict[str, Any]:
    """The non-time conditions (agent, verb, activity, registration) the StatementRef rule extends."""
    f: dict[str, Any] = {}
    if q.agent:
        f["related_agents" if q.related_agents else "agent"] = q.agent
    if q.verb:
        f["verb"] = q.verb
    if q.activity:
        f["related_activities" if q.related_activities else "activity"] = q.activity
    if q.registration:
        f["registration"] = q.registration
    return f


def time_filter(q: StatementQuery) -> dict[str, Any]:
    """since (exclusive) / until (inclusive) on `stored`, and the keyset position of a `more` page."""
    clauses: list[dict[str, Any]] = []
    stored: dict[str, Any] = {}
    if q.since:
        stored["$gt"] = datetime.fromisoformat(q.since)
    if q.until:
        stored["$lte"] = datetime.fromisoformat(q.until)
    if stored:
        clauses.append({"stored": stored})
    if q.after_stored is not None and q.after_id is not None:
        at = datetime.fromtimestamp(q.after_stored / 1000, UTC)
        op = "$gt" if q.ascending else "$lt"
        clauses.append({"$or": [{"stored": {op: at}}, {"stored": at, "_id": {op: q.after_id}}]})
    return clauses[0] if len(clauses) == 1 else ({"$and": clauses} if clauses else {})


def sort_order(q: StatementQuery) -> list[tuple[str, int]]:
    """Newest first unless ascending; `_id` breaks ties so pages never overlap."""
    direction = 1 if q.ascending else -1
    return [("stored", direction), ("_id", direction)]


# the keyset position a `more` token may carry: a `stored` time in ms within years 1970-9999
_MAX_STORED_MS = 253402300799999


def encode_more(signer: Signer, q: StatementQuery, last_stored: datetime, last_id: str) -> str:
    """A signed, stateless `more` token: the query's own parameters and the keyset position after the
    last returned row (any process holding the signing key can continue the listing)."""
    if last_stored.tzinfo is None:  # the driver hands back naive UTC unless tz_aware
        last_stored = last_stored.replace(tzinfo=UTC)
    payload = {"p": dict(q.params), "s": round(last_stored.timestamp() * 1000), "i": last_id}
    return signer.sign("more", payload)


def decode_more(signer: Signer, token: str, max_limit: int) -> StatementQuery:
    """The query a `more` token stands for, every parameter checked again as if sent in the query
    string; 400 when the token is tampered, forged, expired or not of the expected shape."""
    try:
        claims = signer.verify("more", token)
    except InvalidToken as exc:
        raise InvalidParameter(
            f"more is not a valid continuation token ({exc.reason})", field="more"
        ) from None
    params, stored, last_id = claims.get("p"), claims.get("s"), claims.get("i")
    if (
        set(claims) != {"p", "s", "i"}
        or not isinstance(params, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
        or "more" in params
        or type(stored) is not int
        or not 0 <= stored <= _MAX_STORED_MS
        or not is_valid_uuid(last_id)
    ):
        raise InvalidParameter("more is not a valid continuation token (unexpected content)", field="more")
    q = parse_query(params, max_limit)
    if q.single:
        raise InvalidParameter("more is not a valid continuation token (not a query)", field="more")
    return replace(q, after_stored=stored, after_id=last_id)
