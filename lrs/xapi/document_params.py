"""Query parameters of the document resources and the Agents resource, parsed and checked (pure).

xAPI 1.0.3 Communication 2.3 (State), 2.4 (Agents), 2.6 (Agent Profile), 2.7 (Activity Profile);
xAPI 2.0.0 4.1.6.2-4.1.6.6. Unknown parameters are refused (Communication 3.2: 400 Bad Request).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from lrs.errors import InvalidParameter, InvalidStatement
from lrs.xapi.documents import ACTIVITY_PROFILE, AGENT_PROFILE, STATE, DocumentSet, Preconditions
from lrs.xapi.validation import (
    agent_identifier,
    is_valid_iri,
    is_valid_uuid,
    parse_timestamp,
    validate_agent_param,
)

# method -> (required, optional) parameters, per resource; GET also stands for HEAD
_STATE = {
    "PUT": ({"activityId", "agent", "stateId"}, {"registration"}),
    "POST": ({"activityId", "agent", "stateId"}, {"registration"}),
    "GET": ({"activityId", "agent"}, {"registration", "stateId", "since"}),
    "DELETE": ({"activityId", "agent"}, {"registration", "stateId"}),
}
_ACTIVITY_PROFILE = {
    "PUT": ({"activityId", "profileId"}, set()),
    "POST": ({"activityId", "profileId"}, set()),
    "GET": ({"activityId"}, {"profileId", "since"}),
    "DELETE": ({"activityId", "profileId"}, set()),
}
_AGENT_PROFILE = {
    "PUT": ({"agent", "profileId"}, set()),
    "POST": ({"agent", "profileId"}, set()),
    "GET": ({"agent"}, {"profileId", "since"}),
    "DELETE": ({"agent", "profileId"}, set()),
}
_RULES = {STATE: _STATE, ACTIVITY_PROFILE: _ACTIVITY_PROFILE, AGENT_PROFILE: _AGENT_PROFILE}
_ID_PARAM = {STATE: "stateId", ACTIVITY_PROFILE: "profileId", AGENT_PROFILE: "profileId"}


@dataclass(frozen=True)
class DocumentQuery:
    """A checked request to a document resource: which set, which document (None = all), since."""

    docs: DocumentSet
    doc_id: str | None
    since: datetime | None


def parse_document_query(kind: str, method: str, items: Iterable[tuple[str, str]]) -> DocumentQuery:
    """Check the query parameters of a State / Activity Profile / Agent Profile request."""
    required, optional = _RULES[kind]["GET" if method == "HEAD" else method]
    params = _single_values(items, required | optional)
    missing = sorted(required - params.keys())
    if missing:
        raise InvalidParameter(f"missing required parameter {missing[0]!r}", field=missing[0])
    if "activityId" in params and not is_valid_iri(params["activityId"]):
        raise InvalidParameter(f"activityId {params['activityId'][:200]!r} is not an IRI", field="activityId")
    agent = parse_agent(params["agent"]) if "agent" in params else None
    registration = params.get("registration")
    if registration is not None:
        if not is_valid_uuid(registration):
            raise InvalidParameter(f"registration {registration!r} is not a UUID", field="registration")
        registration = registration.lower()
    docs = DocumentSet(
        kind,
        activity_id=params.get("activityId") if kind != AGENT_PROFILE else None,
        agent=agent_identifier(agent) if agent is not None and kind != ACTIVITY_PROFILE else None,
        registration=registration,
    )
    since = parse_since(params["since"]) if "since" in params else None
    return DocumentQuery(docs, params.get(_ID_PARAM[kind]), since)


def parse_agents_query(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The `agent` of a GET /agents request (Communication 2.4)."""
    params = _single_values(items, {"agent"})
    if "agent" not in params:
        raise InvalidParameter("missing required parameter 'agent'", field="agent")
    return parse_agent(params["agent"])


def parse_agent(raw: str) -> dict[str, Any]:
    """An `agent` parameter: JSON of an Agent or identified Group with exactly one IFI."""
    try:
        agent = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidParameter(f"agent is not valid JSON: {raw[:200]!r}", field="agent") from None
    validate_agent_param(agent)
    return agent  # type: ignore[no-any-return]


def parse_since(raw: str) -> datetime:
    """A `since` parameter: an ISO 8601 timestamp."""
    try:
        return parse_timestamp(raw, "since")
    except InvalidStatement as exc:
        raise InvalidParameter(f"since must be an ISO 8601 timestamp: {exc.message}", field="since") from None


def parse_preconditions(if_match: str | None, if_none_match: str | None) -> Preconditions:
    """If-Match / If-None-Match headers as lists of entity tags ("*" kept as is); RFC 7232 3.1, 3.2."""
    return Preconditions(_etag_list(if_match), _etag_list(if_none_match))


def _etag_list(header: str | None) -> tuple[str, ...] | None:
    if header is None:
        return None
    tags = tuple(t.strip() for t in header.split(",") if t.strip())
    # lenient: W/"x" and a bare x are taken as "x" (the stored etag is always the quoted SHA-1)
    tags = tuple(t[2:] if t.startswith("W/") else t for t in tags)
    return tuple(t if t == "*" or (len(t) > 1 and t[0] == t[-1] == '"') else f'"{t}"' for t in tags)


def _single_values(items: Iterable[tuple[str, str]], allowed: set[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in items:
        if name not in allowed:
            raise InvalidParameter(
                f"unknown parameter {name!r} (this request accepts {', '.join(sorted(allowed))})", field=name
            )
        if name in params:
            raise InvalidParameter(f"parameter {name!r} given more than once", field=name)
        params[name] = value
    return params
