"""/scorm: launcher commits in (schemas from the pydantic models in lrs/scorm/models.py), the audit log."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from lrs.openapi.common import Paths, errors, json_body, operation, path, query, ref
from lrs.scorm.models import CommitAnswer, CommitIn

TAG = "SCORM"


def _model_schemas() -> dict[str, Any]:
    _, top = models_json_schema(
        [(CommitIn, "validation"), (CommitAnswer, "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = top["$defs"]
    return schemas


_COMMIT_ERROR = {
    "type": "object",
    "description": "A commit of a batch that was refused: its index, status and the usual error fields.",
    "required": ["index", "status", "error", "message"],
    "properties": {
        "index": {"type": "integer"},
        "status": {"type": "integer"},
        "session_id": {"type": ["string", "null"]},
        "sequence": {"type": ["integer", "null"]},
        "error": {"type": "string"},
        "message": {"type": "string"},
        "field": {"type": "string"},
    },
    "additionalProperties": True,
}

_AUDIT_ROW = {
    "type": "object",
    "description": "One commit as received, whatever became of it.",
    "required": ["id", "received_at", "session_id", "sequence", "outcome", "payload"],
    "properties": {
        "id": {"type": "string"},
        "received_at": {"type": "string", "format": "date-time"},
        "session_id": {"type": ["string", "null"]},
        "sequence": {"type": ["integer", "null"]},
        "client_ip": {"type": ["string", "null"]},
        "user_agent": {"type": ["string", "null"]},
        "credential": {"type": ["string", "null"]},
        "payload": {"description": "the JSON as the launcher sent it"},
        "outcome": {"type": "string", "examples": ["applied", "stale", "duplicate", "rejected", "error"]},
        "reasons": {"type": "array", "items": {"type": "object"}},
        "changes": {"type": "array", "items": {"type": "object"}},
        "attempt_id": {"type": ["string", "null"]},
        "enrollment_id": {"type": ["string", "null"]},
        "statement_ids": {"type": "array", "items": {"type": "string"}},
    },
}

_PERSON = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
_COURSE = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string"}, "title": {"type": "string"}},
}
_LAUNCH_IN = {
    "type": "object",
    "description": "A launch asked for by the LMS server (CONTRACTS.md, Launch)",
    "required": ["learner", "course"],
    "properties": {
        "learner": _PERSON,
        "course": _COURSE,
        "package": {"type": "string", "description": "package id from POST /scorm/packages"},
        "sco": {"type": "string", "description": "SCO identifier in that package"},
        "inline_sco": {"type": "object", "description": "a SCO described inline, instead of a package"},
        "mode": {"enum": ["normal", "browse", "review"]},
        "new_attempt": {"type": "boolean"},
    },
}
_LAUNCH = {
    "type": "object",
    "required": [
        "session_id",
        "token",
        "expires_at",
        "commit_url",
        "runtime_url",
        "version",
        "learner",
        "course",
        "sco",
        "attempt",
        "entry",
        "mode",
        "cmi",
    ],
    "properties": {
        "session_id": {"type": "string"},
        "token": {"type": "string", "description": "signed launch token: Bearer credential of the commits"},
        "expires_at": {"type": "string", "format": "date-time"},
        "commit_url": {"type": "string", "format": "uri"},
        "runtime_url": {"type": "string", "format": "uri"},
        "version": {"enum": ["1.2", "2004"]},
        "learner": _PERSON,
        "course": _COURSE,
        "sco": {"type": "object", "required": ["id"]},
        "attempt": {"type": "integer"},
        "entry": {"enum": ["ab-initio", "resume", ""], "description": "empty in review and browse modes"},
        "mode": {"enum": ["normal", "browse", "review"]},
        "cmi": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

_PACKAGE = {
    "type": "object",
    "description": "A registered package: its course, revision and what its manifest declares",
    "required": ["id", "course", "revision", "registered_at", "manifest_sha256"],
    "properties": {
        "id": {"type": "string"},
        "course": _COURSE,
        "revision": {"type": "integer"},
        "registered_at": {"type": "string", "format": "date-time"},
        "manifest_sha256": {"type": "string"},
        "scos": {"type": "array", "items": {"type": "object"}},
    },
}

_WEBHOOK = {
    "type": "object",
    "description": "A postback target: the bridge POSTs signed outcome changes of its launches to `url`",
    "required": ["id", "url"],
    "properties": {
        "id": {"type": "string"},
        "url": {"type": "string"},
        "credential": {"type": "string"},
        "package": {"type": ["string", "null"]},
        "course": {"type": ["string", "null"]},
        "created": {"type": "string", "format": "date-time"},
        "secret": {"type": "string", "description": "shown only when registered: verifies the postbacks"},
    },
}
_OUTBOX_ROW = {"type": "object", "description": "A postback waiting, delivered or parked", "required": ["id"]}

SCHEMAS: dict[str, Any] = {
    **_model_schemas(),
    "Webhook": _WEBHOOK,
    "OutboxRow": _OUTBOX_ROW,
    "Package": _PACKAGE,
    "PackagePage": {
        "type": "object",
        "required": ["items", "total", "limit", "offset"],
        "properties": {
            "items": {"type": "array", "items": ref("Package")},
            "total": {"type": "integer"},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
        },
    },
    "LaunchIn": _LAUNCH_IN,
    "Launch": _LAUNCH,
    "CommitError": _COMMIT_ERROR,
    "AuditRow": _AUDIT_ROW,
    "AuditLog": {
        "type": "object",
        "required": ["session_id", "order", "limit", "total", "commits", "next"],
        "properties": {
            "session_id": {"type": ["string", "null"], "description": "the session listed (null: all)"},
            "order": {"type": "string", "enum": ["asc", "desc"]},
            "limit": {"type": "integer"},
            "total": {"type": "integer", "description": "rows matching, on every page"},
            "commits": {"type": "array", "items": ref("AuditRow")},
            "next": {
                "type": ["string", "null"],
                "description": "signed cursor of the next page (null: last)",
            },
        },
    },
}

_BATCH = {"type": "array", "minItems": 1, "items": ref("CommitIn")}

PATHS: Paths = {
    "/scorm/webhooks": {
        "post": operation(
            TAG,
            "Register a postback URL (for one package, or every launch of this credential)",
            {
                "201": json_body(ref("Webhook"), "Registered; the secret is shown only here"),
                **errors(401, 403, 422),
            },
            scope="scorm/launch",
            body={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["url"],
                            "properties": {"url": {"type": "string"}, "package": {"type": "string"}},
                        }
                    }
                },
            },
        ),
        "get": operation(
            TAG,
            "The caller's postback URLs",
            {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": ref("Webhook")}},
                    },
                    "Every webhook of this credential",
                ),
                **errors(401, 403),
            },
            scope="scorm/launch",
        ),
    },
    "/scorm/webhooks/{id}": {
        "delete": operation(
            TAG,
            "Remove a postback URL",
            {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["id", "deleted"],
                        "properties": {"id": {"type": "string"}, "deleted": {"const": True}},
                    },
                    "Deleted",
                ),
                **errors(401, 403, 404),
            },
            scope="scorm/launch",
            parameters=[path("id", "Webhook id")],
        )
    },
    "/scorm/outbox": {
        "get": operation(
            TAG,
            "The postback outbox of the caller's webhooks, oldest change first",
            {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["items", "total", "limit", "offset"],
                        "properties": {
                            "items": {"type": "array", "items": ref("OutboxRow")},
                            "total": {"type": "integer"},
                            "limit": {"type": "integer"},
                            "offset": {"type": "integer"},
                        },
                    },
                    "One page",
                ),
                **errors(400, 401, 403),
            },
            scope="scorm/launch",
            parameters=[
                query("state", "pending, idle or parked", {"enum": ["pending", "idle", "parked"]}),
                query("limit", "1-1000 (default 100)", {"type": "integer"}),
                query("offset", "Rows skipped", {"type": "integer"}),
            ],
        )
    },
    "/scorm/outbox/{id}/retry": {
        "post": operation(
            TAG,
            "Deliver an outbox row again now",
            {"200": json_body(ref("OutboxRow"), "The row, due now"), **errors(401, 403, 404)},
            scope="scorm/launch",
            parameters=[path("id", "Outbox row id")],
        )
    },
    "/scorm/packages": {
        "post": operation(
            TAG,
            "Register a package (imsmanifest.xml or the zip) for a course; the same manifest again is "
            "idempotent, a changed one is the course's next revision",
            {
                "201": json_body(ref("Package"), "Registered"),
                "200": json_body(ref("Package"), "Already registered"),
                **errors(400, 401, 403, 413, 422),
            },
            scope="scorm/launch",
            parameters=[
                query("course", "The LMS course id", required=True),
                query("course_title", "The course title"),
            ],
            body={
                "required": True,
                "content": {
                    "application/zip": {"schema": {"type": "string", "format": "binary"}},
                    "application/xml": {"schema": {"type": "string"}},
                },
            },
        ),
        "get": operation(
            TAG,
            "Registered packages, newest revision first",
            {"200": json_body(ref("PackagePage"), "One page"), **errors(400, 401, 403)},
            scope="scorm/launch",
            parameters=[
                query("course", "Only this course"),
                query("limit", "1-1000 (default 100)", {"type": "integer"}),
                query("offset", "Packages skipped", {"type": "integer"}),
            ],
        ),
    },
    "/scorm/packages/{id}": {
        "get": operation(
            TAG,
            "One registered package",
            {"200": json_body(ref("Package"), "The package"), **errors(401, 403, 404)},
            scope="scorm/launch",
            parameters=[path("id", "Package id")],
        )
    },
    "/scorm/launches": {
        "post": operation(
            TAG,
            "Start a launch: a session, its signed token and the CMI values the runtime loads",
            {"201": json_body(ref("Launch"), "The launch"), **errors(400, 401, 403, 404, 422)},
            scope="scorm/launch",
            body={"required": True, "content": {"application/json": {"schema": ref("LaunchIn")}}},
        )
    },
    "/scorm/runtime/v1/lrs-bridge-runtime.js": {
        "get": operation(
            TAG,
            "The browser runtime that posts a SCO's commits (stable path)",
            {
                "304": {"description": "Not modified (If-None-Match matched its ETag)"},
                "200": {
                    "description": "JavaScript",
                    "content": {
                        "text/javascript": {"schema": {"type": "string"}},
                        "application/javascript": {"schema": {"type": "string"}},
                    },
                },
            },
        )
    },
    "/scorm/commits": {
        "post": operation(
            TAG,
            "Apply a commit of a SCORM player (or a batch)",
            {
                "200": json_body(
                    {
                        "oneOf": [
                            ref("CommitAnswer"),
                            {"type": "array", "items": {"anyOf": [ref("CommitAnswer"), ref("CommitError")]}},
                        ]
                    },
                    "The commit's answer (applied, stale or duplicate); for a batch one entry per commit "
                    "in the order sent, refused commits as errors",
                ),
                **errors(401, 403, 413, 422),
            },
            scope="scorm/commit (Basic), or a launch token (Bearer) from POST /scorm/launches",
            description="Idempotent by (session_id, sequence): a re-send gets the stored answer with "
            "outcome `duplicate`; an older sequence than one applied is `stale`. Every commit is audited. "
            "With a launch token, a commit naming another learner, course, SCO or session is 403.",
            security=[{"basic": []}, {"launchToken": []}],
            body={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                ref("CommitIn"),
                                _BATCH,
                                {
                                    "type": "object",
                                    "required": ["commits"],
                                    "properties": {"commits": _BATCH},
                                },
                            ]
                        }
                    }
                },
            },
        ),
        "get": operation(
            TAG,
            "The audit log: every commit received, whatever its outcome (one session's, or all)",
            {
                "200": json_body(ref("AuditLog"), "One page of audit rows"),
                **errors(400, 401, 403),
            },
            scope="reports/read",
            parameters=[
                query("session_id", "The launch session (unset: every row)"),
                query(
                    "order", "asc (oldest first, default) or desc (newest first)", {"enum": ["asc", "desc"]}
                ),
                query("limit", "Rows per page, 1 to LRS_AUDIT_PAGE_MAX (default 100)", {"type": "integer"}),
                query("cursor", "The `next` of the previous page (same session_id and order)"),
            ],
        ),
    },
}
