"""The LrsError tree, and the one handler that turns any of them into a JSON answer."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from lrs.responses import json_response

log = logging.getLogger("lrs")


class LrsError(Exception):
    """Base of every error the service answers with; status and code are per class."""

    status_code: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details
        self.headers: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        body.update(self.details)
        return body


class BadRequest(LrsError):
    status_code, code = 400, "bad_request"


class InvalidStatement(BadRequest):
    code = "invalid_statement"


class InvalidParameter(BadRequest):
    code = "invalid_parameter"


class InvalidJson(BadRequest):
    """A request body that is not JSON, or JSON out of bounds (depth, duplicate keys, numbers, NUL)."""

    code = "invalid_json"


class InvalidDocument(BadRequest):
    code = "invalid_document"


class InvalidPackage(BadRequest):
    """A SCORM package or manifest that cannot be registered (hostile XML, zip-slip, no manifest...)."""

    code = "invalid_package"

    def __init__(self, message: str, *, field: str | None = "package", **details: Any) -> None:
        super().__init__(message, field=field, **details)


class InvalidToken(BadRequest):
    """A signed token (cursor, launch token, cookie) that is tampered, of another kind, or expired."""

    code = "invalid_token"

    def __init__(self, kind: str, reason: str, *, field: str | None = None) -> None:
        super().__init__(f"{kind} token: {reason}", field=field)
        self.kind = kind
        self.reason = reason


class Unauthorized(LrsError):
    status_code, code = 401, "unauthorized"

    def __init__(self, message: str = "authentication required", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.headers["WWW-Authenticate"] = 'Basic realm="lrs-bridge"'


class Forbidden(LrsError):
    status_code, code = 403, "forbidden"


class NotFound(LrsError):
    status_code, code = 404, "not_found"


class MethodNotAllowed(LrsError):
    status_code, code = 405, "method_not_allowed"


class Conflict(LrsError):
    status_code, code = 409, "conflict"


class StatementConflict(Conflict):
    code = "statement_conflict"


class DocumentConflict(Conflict):
    code = "document_conflict"


class PreconditionFailed(LrsError):
    status_code, code = 412, "precondition_failed"


class PayloadTooLarge(LrsError):
    status_code, code = 413, "payload_too_large"


class UnsupportedMediaType(LrsError):
    status_code, code = 415, "unsupported_media_type"


class InvalidCommit(LrsError):
    """A SCORM commit whose CMI data breaks its version's data model (one entry per bad element)."""

    status_code, code = 422, "invalid_commit"

    def __init__(self, problems: list[Any]) -> None:
        super().__init__(
            "; ".join(f"{p.element}={p.value!r}: {p.reason}" for p in problems),
            problems=[{"element": p.element, "value": p.value, "reason": p.reason} for p in problems],
        )
        self.problems = problems


class InvalidRequest(LrsError):
    """A request body that is well-formed JSON but not of the expected shape."""

    status_code, code = 422, "invalid_request"


class CommitNotApplied(LrsError):
    """A batched commit left out because an earlier commit of its session failed (order is kept)."""

    status_code, code = 503, "commit_not_applied"


class PreconditionRequired(LrsError):
    status_code, code = 428, "precondition_required"


class TooManyRequests(LrsError):
    """Refused for a while (failed logins over their limit); Retry-After says how long."""

    status_code, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after: int, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.headers["Retry-After"] = str(retry_after)


class ServiceBusy(LrsError):
    """Too much work queued (credential checks); Retry-After says when to try again."""

    status_code, code = 503, "busy"

    def __init__(self, message: str, retry_after: int = 1, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.headers["Retry-After"] = str(retry_after)


class StorageError(LrsError):
    status_code, code = 500, "storage_error"


class DuplicateKey(StorageError):
    """A write hit an existing `_id`; services decide whether that is a conflict or a re-send."""

    code = "duplicate_key"


class StorageUnavailable(StorageError):
    status_code, code = 503, "storage_unavailable"


class UnsupportedServer(StorageError):
    """The database server is older than the oldest version lrs-bridge runs on."""

    status_code, code = 503, "unsupported_server"


async def handle_unexpected_error(request: Request, exc: Exception) -> Response:
    """Answer a bug as JSON 500 too, logged here with its request id (lrs.access sets it); Starlette
    re-raises it afterwards, and lrs.logs drops the server's second, id-less copy."""
    request_id = request.scope.get("request_id")
    log.error("unhandled error", exc_info=exc, extra={"fields": {"request_id": request_id}})
    return json_response(
        {
            "error": "internal_error",
            "message": "the server failed to handle this request; it has been logged",
            "request_id": request_id,
        },
        status_code=500,
        headers={"X-Request-ID": request_id} if request_id else None,
    )


async def handle_lrs_error(request: Request, exc: Exception) -> Response:
    """Answer an LrsError as {"error": code, "message": ..., ...} with its status."""
    assert isinstance(exc, LrsError)
    if exc.status_code >= 500:  # the server's problem (storage): logged with the request's id
        log.error(
            exc.message, extra={"fields": {"request_id": request.scope.get("request_id"), "error": exc.code}}
        )
    if request.method == "HEAD":
        return Response(status_code=exc.status_code, headers=exc.headers)
    return json_response(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    """Answer the router's own errors (no such path, method not allowed) as JSON naming what was wrong."""
    assert isinstance(exc, HTTPException)
    path = request.url.path
    error: LrsError
    if exc.status_code == 404:
        error = NotFound(f"no resource at {path}", field="path")
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow")
        error = MethodNotAllowed(
            f"{request.method} is not allowed on {path}" + (f" (allowed: {allowed})" if allowed else ""),
            field="method",
        )
    else:
        error = LrsError(str(exc.detail))
        error.status_code, error.code = exc.status_code, "http_error"
    error.headers.update(exc.headers or {})
    return await handle_lrs_error(request, error)


async def handle_client_disconnect(request: Request, exc: Exception) -> Response:
    """A client that went away before its body was read: one log line, no traceback (nobody hears the answer)."""
    peer = request.client.host if request.client else "unknown"
    log.info(
        "client %s disconnected before sending its whole body (%s %s)", peer, request.method, request.url.path
    )
    return Response(status_code=400)
