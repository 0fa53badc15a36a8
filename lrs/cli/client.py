"""The HTTP side of the CLI: one httpx2 client on the server's URL with the admin credential, and
server errors turned into one clear line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
import httpx2

DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT = httpx2.Timeout(30.0, read=300.0)


class ServerError(click.ClickException):
    """An error answer from the server, shown as its JSON message (or a network failure)."""

    exit_code = 1


def error_line(response: httpx2.Response) -> str:
    """One line for an error response: the server's JSON message, its field, status and code."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "message" in body:
        field = f" [{body['field']}]" if body.get("field") else ""
        return f"{body['message']}{field} (HTTP {response.status_code} {body.get('error', '')})".replace(
            " )", ")"
        )
    text = response.text.strip().splitlines()[0][:200] if response.text.strip() else response.reason_phrase
    return f"{text} (HTTP {response.status_code})"


class Remote:
    """A running lrs-bridge server, called with one credential."""

    def __init__(
        self, url: str, key: str, secret: str, transport: httpx2.BaseTransport | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self._client = httpx2.Client(
            base_url=self.url,
            auth=httpx2.BasicAuth(key, secret),
            timeout=TIMEOUT,
            transport=transport,
            headers={"User-Agent": "lrs-bridge-cli"},
        )

    def close(self) -> None:
        self._client.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer of a request; ServerError with the server's message otherwise."""
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx2.HTTPError as exc:
            raise ServerError(f"cannot reach {self.url}: {exc}") from None
        if response.is_error:
            raise ServerError(error_line(response))
        return response.json()

    @contextmanager
    def stream(self, path: str, params: dict[str, str]) -> Iterator[httpx2.Response]:
        """A streamed GET; ServerError with the server's message when it answers an error."""
        try:
            with self._client.stream("GET", path, params=params) as response:
                if response.is_error:
                    response.read()
                    raise ServerError(error_line(response))
                yield response
        except httpx2.HTTPError as exc:
            raise ServerError(f"cannot reach {self.url}: {exc}") from None
