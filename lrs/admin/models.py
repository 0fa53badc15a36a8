"""Admin request models (strict in: unknown fields are refused) and their parsers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lrs.credentials import ALL_SCOPES
from lrs.errors import InvalidRequest


class CredentialIn(BaseModel):
    """POST /admin/credentials."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    label: str = Field(min_length=1)
    scopes: list[str] = Field(min_length=1)
    expires_at: datetime | None = None

    @field_validator("scopes")
    @classmethod
    def _known(cls, scopes: list[str]) -> list[str]:
        unknown = [s for s in scopes if s not in ALL_SCOPES]
        if unknown:
            raise ValueError(f"unknown scope {unknown[0]!r}; known: {', '.join(ALL_SCOPES)}")
        return scopes

    @field_validator("expires_at")
    @classmethod
    def _future_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        except OverflowError:
            raise ValueError("out of the representable date range") from None
        if value <= datetime.now(UTC):
            raise ValueError("must be in the future")
        return value


def _describe(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "body"
    reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors())
    return reasons, field


def parse_credential(content: bytes, max_label_chars: int) -> CredentialIn:
    """A credential request; InvalidRequest (422) naming the field at fault."""
    try:
        raw: Any = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"body: not JSON ({exc})", field="body") from None
    if not isinstance(raw, dict):
        raise InvalidRequest("body: a JSON object {label, scopes, expires_at}", field="body")
    try:
        body = CredentialIn.model_validate(raw)
    except ValidationError as exc:
        message, field = _describe(exc)
        raise InvalidRequest(message, field=field) from None
    if len(body.label) > max_label_chars:
        raise InvalidRequest(
            f"label: {len(body.label)} characters; the limit is {max_label_chars}", field="label"
        )
    return body
