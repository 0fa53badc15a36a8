"""/xapi: the xAPI resources as lrs-bridge serves them (xAPI 1.0.3 Communication 2, xAPI 2.0.0 4.1.6).

Statements and documents are described loosely (the xAPI specification is their schema); what is
specific to this LRS (parameters, status codes, headers, limits) is described exactly.
"""

from __future__ import annotations

from typing import Any

from lrs.openapi.common import Paths, errors, header, json_body, operation, query, ref

TAG = "xAPI"
_VERSION = header(
    "X-Experience-API-Version", "1.0.x (answered as 1.0.3) or 2.0.x (answered as 2.0.0)", required=True
)
_AGENT = query("agent", "An Agent or Identified Group as JSON", required=True)
_ACTIVITY = query("activityId", "Activity IRI", required=True)
_REGISTRATION = query("registration", "Registration UUID", {"type": "string", "format": "uuid"})
_SINCE = query("since", "Only ids of documents stored after this ISO 8601 time", {"type": "string"})
_IF_MATCH = header("If-Match", "Write only if the stored ETag is this one")
_IF_NONE_MATCH = header("If-None-Match", "`*`: write only when no document exists")
_NO_CONTENT = {"204": {"description": "Done"}}

SCHEMAS: dict[str, Any] = {
    "Statement": {
        "type": "object",
        "description": "An xAPI Statement (xAPI 1.0.3 Data 2.4; 2.0.0 Part Two 2.4); stored ones carry "
        "id, stored, timestamp, authority and version",
        "required": ["actor", "verb", "object"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "actor": {"type": "object"},
            "verb": {"type": "object", "required": ["id"]},
            "object": {"type": "object"},
            "result": {"type": "object"},
            "context": {"type": "object"},
            "timestamp": {"type": "string"},
            "stored": {"type": "string"},
            "authority": {"type": "object"},
            "version": {"type": "string"},
            "attachments": {"type": "array", "items": {"type": "object"}},
        },
    },
    "StatementResult": {
        "type": "object",
        "required": ["statements", "more"],
        "properties": {
            "statements": {"type": "array", "items": ref("Statement")},
            "more": {"type": "string", "description": "IRL of the next page, or empty"},
        },
    },
    "About": {
        "type": "object",
        "required": ["version"],
        "properties": {
            "version": {"type": "array", "items": {"type": "string"}},
            "extensions": {"type": "object"},
        },
    },
    "Person": {
        "type": "object",
        "required": ["objectType"],
        "properties": {
            "objectType": {"const": "Person"},
            "name": {"type": "array", "items": {"type": "string"}},
            "mbox": {"type": "array", "items": {"type": "string"}},
            "mbox_sha1sum": {"type": "array", "items": {"type": "string"}},
            "openid": {"type": "array", "items": {"type": "string"}},
            "account": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Activity": {
        "type": "object",
        "required": ["id"],
        "properties": {
            "objectType": {"const": "Activity"},
            "id": {"type": "string"},
            "definition": {"type": "object"},
        },
    },
}

_STATEMENT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"oneOf": [ref("Statement"), {"type": "array", "items": ref("Statement")}]}
        },
        "multipart/mixed": {"schema": {"type": "string", "description": "The statements, then attachments"}},
    },
}
_STATEMENT_QUERY = [
    query("statementId", "One statement by id", {"type": "string", "format": "uuid"}),
    query("voidedStatementId", "One voided statement by id", {"type": "string", "format": "uuid"}),
    query("agent", "Agent or Identified Group (JSON) as actor or object"),
    query("verb", "Verb IRI"),
    query("activity", "Activity IRI as object"),
    _REGISTRATION,
    query("related_activities", "Match the activity anywhere", {"type": "boolean"}),
    query("related_agents", "Match the agent anywhere", {"type": "boolean"}),
    query("since", "Stored after (ISO 8601)"),
    query("until", "Stored at or before (ISO 8601)"),
    query("limit", "Statements per page (0 = LRS_STATEMENT_PAGE_SIZE)", {"type": "integer", "minimum": 0}),
    query("format", "exact, ids or canonical", {"enum": ["exact", "ids", "canonical"]}),
    query("attachments", "Answer multipart/mixed with the attachments", {"type": "boolean"}),
    query("ascending", "Oldest first", {"type": "boolean"}),
    query("more", "Continuation token from a `more` link"),
    _VERSION,
]


def _document_resource(
    name: str, id_param: str, params: list[dict[str, Any]], scopes: tuple[str, str]
) -> Any:
    write, read = scopes
    doc_id = query(id_param, f"{name} id")
    doc_id_required = {**doc_id, "required": True}
    stored = {
        "200": {
            "description": f"The {name} document (its stored Content-Type), or a JSON array of ids "
            f"when {id_param} is left out",
            "content": {"application/json": {"schema": {}}, "*/*": {"schema": {}}},
        }
    }
    return {
        "put": operation(
            TAG,
            f"Store the {name} document",
            {**_NO_CONTENT, **errors(400, 401, 403, 409, 412, 413)},
            scope=write,
            parameters=[*params, doc_id_required, _VERSION, _IF_MATCH, _IF_NONE_MATCH],
            body={"required": True, "content": {"*/*": {"schema": {}}}},
        ),
        "post": operation(
            TAG,
            f"Merge JSON into the {name} document (one level deep)",
            {**_NO_CONTENT, **errors(400, 401, 403, 412, 413)},
            scope=write,
            parameters=[*params, doc_id_required, _VERSION, _IF_MATCH, _IF_NONE_MATCH],
            body={"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
        ),
        "get": operation(
            TAG,
            f"A {name} document, or the ids stored (HEAD alike)",
            {**stored, **errors(400, 401, 403, 404)},
            scope=read,
            parameters=[*params, doc_id, _SINCE, _VERSION],
        ),
        "delete": operation(
            TAG,
            f"Delete the {name} document" + (" (or every one, without stateId)" if name == "state" else ""),
            {**_NO_CONTENT, **errors(400, 401, 403, 412)},
            scope=write,
            parameters=[*params, doc_id if name == "state" else doc_id_required, _VERSION, _IF_MATCH],
        ),
    }


PATHS: Paths = {
    "/xapi/statements": {
        "put": operation(
            TAG,
            "Store one statement under statementId",
            {**_NO_CONTENT, **errors(400, 401, 403, 409, 413)},
            scope="statements/write",
            parameters=[
                query("statementId", "The statement's id", {"type": "string", "format": "uuid"}, True),
                _VERSION,
            ],
            body=_STATEMENT_BODY,
        ),
        "post": operation(
            TAG,
            "Store one statement or an array, all or nothing",
            {
                "200": json_body({"type": "array", "items": {"type": "string"}}, "The ids, in order"),
                **errors(400, 401, 403, 409, 413),
            },
            scope="statements/write",
            parameters=[_VERSION],
            body=_STATEMENT_BODY,
        ),
        "get": operation(
            TAG,
            "One statement, or a page of statements matching the filters (HEAD alike)",
            {
                "200": {
                    "description": "A Statement (by id) or a StatementResult",
                    "content": {
                        "application/json": {"schema": {"oneOf": [ref("StatementResult"), ref("Statement")]}},
                        "multipart/mixed": {"schema": {"type": "string"}},
                    },
                },
                **errors(400, 401, 403, 404),
            },
            scope="statements/read (or statements/read/mine)",
            parameters=_STATEMENT_QUERY,
        ),
    },
    "/xapi/activities/state": _document_resource(
        "state", "stateId", [_ACTIVITY, _AGENT, _REGISTRATION], ("state", "state/read")
    ),
    "/xapi/activities/profile": _document_resource(
        "activity profile", "profileId", [_ACTIVITY], ("profile", "profile/read")
    ),
    "/xapi/agents/profile": _document_resource(
        "agent profile", "profileId", [_AGENT], ("profile", "profile/read")
    ),
    "/xapi/agents": {
        "get": operation(
            TAG,
            "The Person object combining what is known of an agent",
            {"200": json_body(ref("Person"), "The Person"), **errors(400, 401, 403)},
            scope="profile/read or statements/read",
            parameters=[_AGENT, _VERSION],
        )
    },
    "/xapi/activities": {
        "get": operation(
            TAG,
            "The canonical definition of an activity, merged from stored statements",
            {"200": json_body(ref("Activity"), "The Activity"), **errors(400, 401, 403)},
            scope="define/read",
            parameters=[_ACTIVITY, _VERSION],
        )
    },
    "/xapi/about": {
        "get": operation(
            TAG,
            "Versions this LRS speaks (no authentication)",
            {"200": json_body(ref("About"), "About"), **errors(400)},
        )
    },
}
