"""/admin: credentials, who-am-I and learner/agent erasure (the admin API contract, CONTRACTS.md).

Published only for the routes that exist in lrs/routes.py (see lrs/openapi/__init__.py).
"""

from __future__ import annotations

from typing import Any

from lrs.openapi.common import Paths, errors, json_body, operation, path, query, ref

TAG = "Admin"

_CREDENTIAL_FIELDS: dict[str, Any] = {
    "key": {"type": "string"},
    "label": {"type": ["string", "null"]},
    "scopes": {"type": "array", "items": {"type": "string"}},
    "expires_at": {"type": ["string", "null"], "format": "date-time"},
    "created": {"type": "string", "format": "date-time"},
    "revoked": {"type": "boolean"},
}
_REMOVED = {
    "type": "object",
    "description": "Documents removed, per collection",
    "additionalProperties": {"type": "integer", "minimum": 0},
}

SCHEMAS: dict[str, Any] = {
    "CredentialIn": {
        "type": "object",
        "required": ["label", "scopes"],
        "properties": {
            "label": {"type": "string"},
            "scopes": {"type": "array", "items": {"type": "string"}},
            "expires_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "Credential": {
        "type": "object",
        "required": ["key", "label", "scopes", "expires_at", "created", "revoked"],
        "properties": _CREDENTIAL_FIELDS,
    },
    "NewCredential": {
        "type": "object",
        "description": "A credential and its secret, shown only in this answer",
        "required": ["key", "secret", "label", "scopes", "expires_at", "created", "revoked"],
        "properties": {**_CREDENTIAL_FIELDS, "secret": {"type": "string"}},
    },
    "CredentialList": {
        "type": "object",
        "required": ["items", "total"],
        "properties": {"items": {"type": "array", "items": ref("Credential")}, "total": {"type": "integer"}},
    },
    "WhoAmI": {
        "type": "object",
        "required": ["key", "label", "scopes", "expires_at"],
        "properties": {k: _CREDENTIAL_FIELDS[k] for k in ("key", "label", "scopes", "expires_at")},
    },
    "LearnerErased": {
        "type": "object",
        "required": ["learner", "removed"],
        "properties": {"learner": {"type": "string"}, "removed": _REMOVED},
    },
    "AgentErased": {
        "type": "object",
        "required": ["agent", "removed"],
        "properties": {"agent": {"type": "object"}, "removed": _REMOVED},
    },
}

_KEY = path("key", "Credential key")

_IMPORT_RESULT = {
    "type": "object",
    "required": ["line", "outcome"],
    "properties": {
        "line": {"type": "integer"},
        "outcome": {"enum": ["imported", "would import", "skipped", "invalid"]},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["line", "column", "value", "reason"],
            },
        },
    },
}

PATHS: Paths = {
    "/admin/imports": {
        "post": operation(
            TAG,
            "Import a batch of the LMS's legacy progress rows (idempotent)",
            {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["dry_run", "results", "counts", "problems"],
                        "properties": {
                            "dry_run": {"type": "boolean"},
                            "results": {"type": "array", "items": _IMPORT_RESULT},
                            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                            "problems": {"type": "integer"},
                        },
                    },
                    "One result per row, with every problem of the row, and the count of each outcome",
                ),
                **errors(400, 401, 403, 413, 422),
            },
            scope="admin",
            body={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["rows"],
                            "properties": {
                                "rows": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["line", "values"],
                                        "properties": {
                                            "line": {"type": "integer", "minimum": 1},
                                            "values": {"type": "object"},
                                        },
                                    },
                                },
                                "dry_run": {"type": "boolean"},
                            },
                        }
                    }
                },
            },
        )
    },
    "/admin/exports/statements": {
        "get": operation(
            TAG,
            "Every statement matching the xAPI filters, streamed as NDJSON (one statement per line)",
            {
                "200": {
                    "description": "NDJSON; X-Total-Count holds how many matched when the stream started",
                    "headers": {"X-Total-Count": {"schema": {"type": "integer"}}},
                    "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                },
                **errors(400, 401, 403),
            },
            scope="statements/read",
            description="Takes the statement query's filters: agent, verb, activity, registration, "
            "related_activities, related_agents, since, until, ascending.",
        )
    },
    "/admin/credentials": {
        "post": operation(
            TAG,
            "Create a credential (its secret is shown only here)",
            {"201": json_body(ref("NewCredential"), "Created"), **errors(400, 401, 403, 422)},
            scope="admin",
            body={"required": True, "content": {"application/json": {"schema": ref("CredentialIn")}}},
        ),
        "get": operation(
            TAG,
            "List credentials (never their secrets)",
            {"200": json_body(ref("CredentialList"), "Every credential"), **errors(401, 403)},
            scope="admin",
        ),
    },
    "/admin/credentials/{key}": {
        "delete": operation(
            TAG,
            "Revoke a credential (idempotent)",
            {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["key", "revoked"],
                        "properties": {"key": {"type": "string"}, "revoked": {"const": True}},
                    },
                    "Revoked",
                ),
                **errors(401, 403, 404),
            },
            scope="admin",
            parameters=[_KEY],
        )
    },
    "/admin/credentials/{key}/rotate": {
        "post": operation(
            TAG,
            "Give a credential a new secret (the old one stops working)",
            {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["key", "secret"],
                        "properties": {"key": {"type": "string"}, "secret": {"type": "string"}},
                    },
                    "The new secret, shown only here",
                ),
                **errors(401, 403, 404),
            },
            scope="admin",
            parameters=[_KEY],
        )
    },
    "/admin/whoami": {
        "get": operation(
            TAG,
            "The calling credential: key, label, scopes, expiry",
            {"200": json_body(ref("WhoAmI"), "The caller"), **errors(401)},
            scope="any valid credential",
        )
    },
    "/admin/learners/{learner_id}": {
        "delete": operation(
            TAG,
            "Erase every trace of an LMS learner (idempotent)",
            {"200": json_body(ref("LearnerErased"), "What was removed"), **errors(401, 403)},
            scope="admin",
            parameters=[path("learner_id", "The LMS learner id")],
        )
    },
    "/admin/agents": {
        "delete": operation(
            TAG,
            "Erase every trace of an xAPI agent (idempotent)",
            {"200": json_body(ref("AgentErased"), "What was removed"), **errors(400, 401, 403)},
            scope="admin",
            parameters=[query("agent", "The agent as xAPI JSON", required=True)],
        )
    },
}
