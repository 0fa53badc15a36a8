"""multipart/mixed statement requests and responses (xAPI 1.0.3 Data 2.4.11, Communication 1.5.2)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from lrs.errors import BadRequest, PayloadTooLarge

_CRLF = b"\r\n"


@dataclass
class MultipartStatements:
    """The statement(s) JSON of the first part, and the raw data of the others keyed by sha2."""

    statements_json: bytes
    parts: dict[str, bytes] = field(default_factory=dict)
    content_types: dict[str, str] = field(default_factory=dict)


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart Content-Type; BadRequest when absent."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary" and value.strip():
            return value.strip().strip('"')
    raise BadRequest("multipart/mixed Content-Type without a boundary", field="Content-Type")


def _headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.split(_CRLF):
        if not line.strip():
            continue
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise BadRequest(f"malformed multipart part header {line[:60]!r}", field="multipart")
        headers[name.strip().lower()] = value.strip()
    return headers


def parse_multipart(body: bytes, content_type: str, max_attachment_bytes: int) -> MultipartStatements:
    """Split a multipart/mixed statements request; 400 for any structural or hash problem."""
    boundary = boundary_of(content_type).encode("latin-1")
    delimiter = b"--" + boundary
    if delimiter not in body:
        raise BadRequest("multipart body does not contain its boundary", field="multipart")
    chunks = body.split(delimiter)[1:]
    parts: list[tuple[dict[str, str], bytes]] = []
    for chunk in chunks:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(_CRLF):
            chunk = chunk[2:]
        head, sep, data = chunk.partition(_CRLF + _CRLF)
        if not sep:
            if chunk.startswith(_CRLF):  # a part with no headers
                head, data = b"", chunk[2:]
            else:
                raise BadRequest("multipart part without a blank line after its headers", field="multipart")
        if data.endswith(_CRLF):
            data = data[:-2]
        parts.append((_headers(head), data))
    if not parts:
        raise BadRequest("multipart body has no parts", field="multipart")
    first_headers, statements_json = parts[0]
    if first_headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise BadRequest(
            "the first multipart part must be application/json (the statements)", field="multipart[0]"
        )
    result = MultipartStatements(statements_json)
    for i, (headers, data) in enumerate(parts[1:], start=1):
        sha2 = headers.get("x-experience-api-hash")
        if not sha2:
            raise BadRequest("attachment part without X-Experience-API-Hash", field=f"multipart[{i}]")
        if headers.get("content-transfer-encoding", "").lower() != "binary":
            raise BadRequest(
                "attachment part needs Content-Transfer-Encoding: binary", field=f"multipart[{i}]"
            )
        if len(data) > max_attachment_bytes:
            raise_too_large(max_attachment_bytes, i)
        if hashlib.sha256(data).hexdigest() != sha2.lower():
            raise BadRequest(
                f"attachment part's data does not hash to its X-Experience-API-Hash {sha2}",
                field=f"multipart[{i}]",
            )
        result.parts[sha2] = data
        result.content_types[sha2] = headers.get("content-type", "application/octet-stream")
    return result


def raise_too_large(limit: int, index: int) -> None:
    """413 naming the attachment size limit."""
    raise PayloadTooLarge(
        f"attachment exceeds the limit of {limit} bytes (LRS_MAX_ATTACHMENT_BYTES)",
        field=f"multipart[{index}]",
        limit=limit,
    )


def build_multipart(first_json: bytes, attachments: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed body: the JSON, then each (sha2, content type, data); returns (body, boundary)."""
    boundary = uuid.uuid4().hex
    delimiter = b"--" + boundary.encode()
    out = [delimiter, _CRLF, b"Content-Type: application/json", _CRLF, _CRLF, first_json, _CRLF]
    for sha2, content_type, data in attachments:
        out += [
            delimiter,
            _CRLF,
            f"Content-Type: {content_type}".encode("latin-1", "replace"),
            _CRLF,
            b"Content-Transfer-Encoding: binary",
            _CRLF,
            f"X-Experience-API-Hash: {sha2}".encode(),
            _CRLF,
            _CRLF,
            data,
            _CRLF,
        ]
    out += [delimiter, b"--", _CRLF]
    return b"".join(out), boundary
