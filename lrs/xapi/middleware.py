"""xAPI protocol middleware (version header, alternate request syntax). Placeholder until built."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class XapiMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
