"""xAPI protocol middleware: version negotiation, the version and consistency headers, and the
alternate request syntax (xAPI 1.0.3 Communication 1.3 and 3.3; 2.0.0 drops the alternate syntax).

The negotiated version ("1.0.3" or "2.0.0") is put in `scope["state"]["xapi_version"]`, so
endpoints read it as `request.state.xapi_version`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lrs.errors import BadRequest, LrsError
from lrs.responses import dump_json

SUPPORTED = ("1.0.3", "2.0.0")
_VERSION_HEADER = b"x-experience-api-version"
# form parameters of the alternate request syntax that are headers (Communication 1.3.s3.b7)
_FORM_HEADERS = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
}
_ALT_METHODS = {"GET", "PUT", "POST", "DELETE"}
_MAX_FORM_BYTES = 20 * 1024 * 1024


def negotiate_version(header: str | None) -> str:
    """The version answered for a request header value; BadRequest when missing or unsupported."""
    if header is None:
        raise BadRequest("missing X-Experience-API-Version header", field="X-Experience-API-Version")
    parts = header.strip().split(".")
    if parts[0] == "1" and len(parts) in (2, 3) and parts[1] == "0" and all(p.isdigit() for p in parts[1:]):
        return "1.0.3"
    if parts[0] == "2" and len(parts) in (2, 3) and parts[1] == "0" and all(p.isdigit() for p in parts[1:]):
        return "2.0.0"
    raise BadRequest(
        f"unsupported X-Experience-API-Version {header!r}; supported: 1.0.x, 2.0.x",
        field="X-Experience-API-Version",
    )


_second: list[Any] = [None, b""]  # the last whole second formatted, and its text


def consistent_through() -> bytes:
    """Now, ISO 8601 UTC: every statement stored before this answer is visible (one store, no lag)."""
    now = time.time()
    second = int(now)
    if _second[0] != second:  # the date and time change once a second; only milliseconds vary
        _second[:] = [second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S").encode()]
    return b"%s.%03dZ" % (_second[1], int((now - second) * 1000))


class XapiMiddleware:
    """Pure ASGI: negotiates the xAPI version for /xapi requests and sets the protocol headers."""

    def __init__(self, app: ASGIApp, prefix: str = "/xapi", default_version: str = "2.0.0") -> None:
        self.app = app
        self.prefix = prefix
        self.default_version = default_version
        # version last negotiated per Authorization header (hashed): what an error answers when a
        # client leaves the header out (the 1.0.3 and 2.0.0 suites each expect their own version)
        self._last_version: dict[int, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (path == self.prefix or path.startswith(self.prefix + "/")):
            await self.app(scope, receive, send)
            return
        version = self.default_version
        is_statements = path.rstrip("/").endswith("/statements")
        try:
            if b"method=" in scope.get("query_string", b""):
                scope, receive = await self._alternate(scope, receive)
            headers = dict(scope["headers"])
            raw = headers.get(_VERSION_HEADER)
            client = hash(headers.get(b"authorization", b""))
            version = self._last_version.get(client, self.default_version)
            try:
                version = negotiate_version(raw.decode("latin-1") if raw is not None else None)
                self._remember(client, version)
            except BadRequest:
                if path.rstrip("/") != self.prefix + "/about":  # about answers any client
                    raise
            if version == "2.0.0" and scope.get("xapi_alternate"):
                raise BadRequest("the alternate request syntax is not part of xAPI 2.0", field="method")
        except LrsError as exc:
            if _over_body_limit(scope):
                await self.app(scope, receive, send)  # the body limit answers 413 first
                return
            await _answer(send, exc, version, is_statements, scope["method"] == "HEAD")
            return
        scope.setdefault("state", {})["xapi_version"] = version
        version_header = (b"x-experience-api-version", version.encode())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", ()) if h[0].lower() != _VERSION_HEADER]
                headers.append(version_header)
                if is_statements:
                    headers.append((b"x-experience-api-consistent-through", consistent_through()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _remember(self, client: int, version: str) -> None:
        if self._last_version.get(client) != version:
            if len(self._last_version) > 10_000:
                self._last_version.clear()
            self._last_version[client] = version

    async def _alternate(self, scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
        """Rewrite `POST ?method=X` with a form body into the request it stands for (Communication 1.3)."""
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        names = [k for k, _ in query]
        if "method" not in names:
            return scope, receive
        if scope["method"] != "POST":
            raise BadRequest("the alternate request syntax must be sent as POST", field="method")
        if names != ["method"]:
            raise BadRequest(
                "the alternate request syntax allows only the method query parameter", field="method"
            )
        method = dict(query)["method"].upper()
        if method not in _ALT_METHODS:
            raise BadRequest(f"unsupported method {method!r} in the alternate request syntax", field="method")
        headers = {k.lower(): v for k, v in scope["headers"]}
        content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise BadRequest(
                "the alternate request syntax needs an application/x-www-form-urlencoded body",
                field="Content-Type",
            )
        body = await _read_body(receive)
        try:
            form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("malformed form body in the alternate request syntax", field="content") from None
        new_headers: dict[bytes, bytes] = {
            k: v for k, v in headers.items() if k not in (b"content-type", b"content-length")
        }
        params: list[tuple[str, str]] = []
        content = b""
        for name, value in form:
            if name.lower() in _FORM_HEADERS:
                if name.lower() != "content-length":
                    new_headers[name.lower().encode()] = value.encode("latin-1", "replace")
            elif name == "content":
                content = value.encode("utf-8")
            else:
                params.append((name, value))
        if method in ("PUT", "POST") and not content:
            raise BadRequest("the alternate request syntax needs a content form parameter", field="content")
        if content:
            new_headers.setdefault(b"content-type", b"application/json")
        new_headers[b"content-length"] = str(len(content)).encode()
        new_scope: dict[str, Any] = dict(scope)
        new_scope["method"] = method
        new_scope["query_string"] = urlencode(params).encode()
        new_scope["headers"] = list(new_headers.items())
        new_scope["xapi_alternate"] = True
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": content, "more_body": False}

        return new_scope, replay


def _over_body_limit(scope: Scope) -> bool:
    """True when Content-Length exceeds the app's body limit (the 413 takes precedence)."""
    settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
    limit = getattr(settings, "max_body_bytes", None)
    length = dict(scope["headers"]).get(b"content-length", b"")
    return limit is not None and length.isdigit() and int(length) > limit


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _MAX_FORM_BYTES:
            raise BadRequest(
                f"alternate request syntax body exceeds {_MAX_FORM_BYTES} bytes", field="content"
            )
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _answer(send: Send, error: LrsError, version: str, is_statements: bool, head: bool) -> None:
    body = b"" if head else dump_json(error.body())
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-experience-api-version", version.encode()),
    ]
    if is_statements:
        headers.append((b"x-experience-api-consistent-through", consistent_through()))
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
