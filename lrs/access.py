"""One middleware per request: its request id (X-Request-ID), the access log line and the request metrics.

The log line (logger `lrs.access`, JSON through lrs.logs) holds the request id, method, route
template, status, duration, the credential key (never a secret) and, when the request names one, the
agent or learner it is about: hashed unless LRS_LOG_HASH_AGENTS=false. No query string, no body.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
import time
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lrs.metrics import REQUEST_SECONDS

log = logging.getLogger("lrs.access")

REQUEST_ID_HEADER = b"x-request-id"
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:@/+=-]+")
UNMATCHED = "<unmatched>"
_CONVERTER = re.compile(r"\{([^}:]+):[^}]+\}")  # {name:path} -> {name}, as in the OpenAPI paths
# request parts that name a person: query parameters and path parameters
_AGENT_PARAMS = ("agent", "learner")
_AGENT_PATH_PARAMS = ("learner", "learner_id")


def route_templates(routes: Sequence[BaseRoute], prefix: str = "") -> dict[int, str]:
    """id(route) -> its full path template, mounts walked."""
    templates: dict[int, str] = {}
    for route in routes:
        if isinstance(route, Mount):
            templates[id(route)] = _CONVERTER.sub(r"{\1}", prefix + route.path)
            templates.update(route_templates(route.routes, prefix + route.path))
        elif isinstance(route, Route):
            templates[id(route)] = _CONVERTER.sub(r"{\1}", prefix + route.path)
    return templates


def request_id(headers: list[tuple[bytes, bytes]], max_length: int) -> str:
    """The client's X-Request-ID when it is short and plain, else a new one."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            if len(value) <= max_length and _REQUEST_ID.fullmatch(value):
                return value.decode()
            break
    return uuid.uuid4().hex


def credential_key(headers: list[tuple[bytes, bytes]], max_length: int) -> str | None:
    """The key of HTTP Basic credentials (the secret is never decoded into the log)."""
    for name, value in headers:
        if name == b"authorization":
            scheme, _, encoded = value.partition(b" ")
            if scheme.lower() != b"basic":
                return None
            try:
                key = base64.b64decode(encoded.strip(), validate=True).partition(b":")[0]
            except (binascii.Error, ValueError):
                return None
            return key[:max_length].decode("utf-8", "replace")
    return None


def pseudonym(value: str) -> str:
    """A stable stand-in for a person's identifier: the first 16 hex digits of its SHA-256."""
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]


class AccessMiddleware:
    """Pure ASGI; outermost, so it times and counts every answer (errors and CORS preflights too)."""

    def __init__(
        self, app: ASGIApp, routes: Sequence[BaseRoute], hash_agents: bool = True, max_id_length: int = 128
    ) -> None:
        self.app = app
        self.templates = route_templates(routes)
        self.literal = {t for t in self.templates.values() if "{" not in t}
        self.hash_agents = hash_agents
        self.max_id_length = max_id_length
        self._children: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        rid = request_id(scope["headers"], self.max_id_length)
        scope["request_id"] = rid
        rid_header = (REQUEST_ID_HEADER, rid.encode())
        status = 500  # unless an answer starts: an exception reaches the server error handler

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), rid_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            route = self.route(scope)
            key = (scope["method"], route, status)
            child = self._children.get(key)
            if child is None:  # labels() validates and locks: once per (method, route, status)
                child = self._children[key] = REQUEST_SECONDS.labels(scope["method"], route, str(status))
            child.observe(seconds)
            if log.isEnabledFor(logging.INFO):
                log.info("request", extra={"fields": self.fields(scope, rid, route, status, seconds)})

    def route(self, scope: Scope) -> str:
        """The matched route's template (bounded label values: never the raw path of an unknown URL)."""
        matched = scope.get("route")
        if matched is not None:
            template = self.templates.get(id(matched)) or getattr(matched, "path", None)
            return template if isinstance(template, str) else UNMATCHED
        path: str = scope.get("path", "")
        return path if path in self.literal else UNMATCHED

    def fields(self, scope: Scope, rid: str, route: str, status: int, seconds: float) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "request_id": rid,
            "method": scope["method"],
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "credential": credential_key(scope["headers"], self.max_id_length),
        }
        fields.update(self.people(scope))
        return fields

    def people(self, scope: Scope) -> dict[str, str]:
        """The agent or learner a request is about (query or path parameter), hashed unless told not to."""
        found: dict[str, str] = {}
        params = scope.get("path_params") or {}
        for name in _AGENT_PATH_PARAMS:
            if isinstance(params.get(name), str):
                found["learner"] = params[name]
        query: bytes = scope.get("query_string", b"")
        if any(p.encode() + b"=" in query for p in _AGENT_PARAMS):
            for name, value in parse_qsl(query.decode("latin-1")):
                if name in _AGENT_PARAMS:
                    found[name] = value
        if self.hash_agents:
            return {k: pseudonym(v) for k, v in found.items()}
        return found
