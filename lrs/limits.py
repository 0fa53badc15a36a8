"""Request body size limit (413 naming the limit), enforced before any endpoint reads the body."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lrs.errors import PayloadTooLarge
from lrs.responses import dump_json


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes`, by Content-Length up front or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        error = PayloadTooLarge(
            f"request body exceeds the limit of {self.max_bytes} bytes (LRS_MAX_BODY_BYTES)",
            limit=self.max_bytes,
        )
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _answer(send, error)
                return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise error
            return message

        await self.app(scope, limited_receive, send)


async def _answer(send: Send, error: PayloadTooLarge) -> None:
    body = dump_json(error.body())
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
