"""Building blocks shared by the per-area descriptions: error answers, parameters, security."""

from __future__ import annotations

from typing import Any

Operation = dict[str, Any]
Paths = dict[str, dict[str, Operation]]

JSON = "application/json"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every refused request: a machine-readable code, a message, the field at fault.",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "examples": ["invalid_parameter"]},
        "message": {"type": "string"},
        "field": {"type": "string"},
    },
    "additionalProperties": True,
}

SECURITY_SCHEMES: dict[str, Any] = {
    "basic": {"type": "http", "scheme": "basic", "description": "A credential's key and secret."},
    "dashboardSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "lrs_session",
        "description": "The dashboard's signed session cookie (set by POST /dashboard/login).",
    },
    "launchToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The signed launch token a SCORM launch returned (runtime commits only).",
    },
}


def ref(name: str) -> dict[str, str]:
    """A reference to a schema in components."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A response (or request body) with a JSON schema."""
    return {"description": description, "content": {JSON: {"schema": schema}}}


def errors(*statuses: int) -> dict[str, Any]:
    """The listed error statuses, and every other one as `default`, answered with the Error shape."""
    reasons = {
        400: "Malformed request or parameter",
        401: "Missing or wrong credential",
        403: "The credential lacks the scope",
        404: "Not found",
        409: "Conflict with what is stored",
        412: "Precondition (If-Match / If-None-Match) failed",
        413: "Over a size limit (the limit is named)",
        422: "Well-formed but invalid content",
        503: "The database is unavailable",
    }
    answers = {str(s): json_body(ref("Error"), reasons.get(s, "Error")) for s in statuses}
    answers["default"] = json_body(ref("Error"), "Any other refusal, same shape")
    return answers


def query(
    name: str, description: str, schema: dict[str, Any] | None = None, required: bool = False
) -> dict[str, Any]:
    """A query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def path(name: str, description: str) -> dict[str, Any]:
    """A path parameter."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def header(name: str, description: str, required: bool = False) -> dict[str, Any]:
    """A request header."""
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


def operation(
    tag: str,
    summary: str,
    responses: dict[str, Any],
    *,
    scope: str | None = None,
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    description: str | None = None,
    security: list[dict[str, list[str]]] | None = None,
) -> Operation:
    """One operation; `scope` names the credential scope it needs (None: no authentication)."""
    op: Operation = {"tags": [tag], "summary": summary, "responses": responses}
    text = description or ""
    if scope:
        text = (text + "\n\n" if text else "") + f"Scope: `{scope}`."
    if text:
        op["description"] = text
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = body
    op["security"] = security if security is not None else ([{"basic": []}] if scope else [])
    return op
