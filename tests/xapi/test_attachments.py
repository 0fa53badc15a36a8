"""multipart/mixed: parsing requests, building responses, and attachments over HTTP."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.errors import BadRequest, PayloadTooLarge
from lrs.xapi.attachments import build_multipart, parse_multipart

DATA = b"here is a simple attachment\x00\xff"
SHA = hashlib.sha256(DATA).hexdigest()
CT = 'multipart/mixed; boundary="abc123"'


def statement(**attachment: Any) -> dict[str, Any]:
    att = {
        "usageType": "http://example.com/usage",
        "display": {"en-US": "A"},
        "contentType": "text/plain",
        "length": len(DATA),
        "sha2": SHA,
        **attachment,
    }
    return {
        "actor": {"mbox": "mailto:a@example.com"},
        "verb": {"id": "http://example.com/v"},
        "object": {"id": "http://example.com/a"},
        "attachments": [att],
    }


def multipart(first: bytes, *parts: tuple[dict[str, str], bytes], boundary: str = "abc123") -> bytes:
    out = b"--" + boundary.encode() + b"\r\nContent-Type: application/json\r\n\r\n" + first + b"\r\n"
    for headers, data in parts:
        out += b"--" + boundary.encode() + b"\r\n"
        out += b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) + b"\r\n" + data + b"\r\n"
    return out + b"--" + boundary.encode() + b"--\r\n"


PART_HEADERS = {
    "Content-Type": "text/plain",
    "Content-Transfer-Encoding": "binary",
    "X-Experience-API-Hash": SHA,
}


def test_parse_multipart_splits_statements_and_parts() -> None:
    parsed = parse_multipart(multipart(b'{"a": 1}', (PART_HEADERS, DATA)), CT, 1000)
    assert parsed.statements_json == b'{"a": 1}'
    assert parsed.parts == {SHA: DATA} and parsed.content_types == {SHA: "text/plain"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(multipart(b"{}", (PART_HEADERS, DATA)), "multipart/mixed", id="no-boundary-in-header"),
        pytest.param(b"{}", CT, id="no-boundary-in-body"),
        pytest.param(
            multipart(b"{}", ({**PART_HEADERS, "Content-Transfer-Encoding": "base64"}, DATA)),
            CT,
            id="not-binary",
        ),
        pytest.param(
            multipart(b"{}", ({"Content-Type": "text/plain", "Content-Transfer-Encoding": "binary"}, DATA)),
            CT,
            id="no-hash-header",
        ),
        pytest.param(
            multipart(b"{}", ({**PART_HEADERS, "X-Experience-API-Hash": "0" * 64}, DATA)),
            CT,
            id="hash-mismatch",
        ),
        pytest.param(multipart(b"{}").replace(b"application/json", b"text/plain"), CT, id="first-not-json"),
    ],
)
def test_parse_multipart_refuses_malformed(body: bytes, content_type: str) -> None:
    with pytest.raises(BadRequest):
        parse_multipart(body, content_type, 1000)


def test_parse_multipart_attachment_over_limit_is_413() -> None:
    with pytest.raises(PayloadTooLarge, match=f"limit of {len(DATA) - 1} bytes"):
        parse_multipart(multipart(b"{}", (PART_HEADERS, DATA)), CT, len(DATA) - 1)


def test_build_multipart_round_trips() -> None:
    body, boundary = build_multipart(b'{"x": 1}', [(SHA, "text/plain", DATA)])
    parsed = parse_multipart(body, f"multipart/mixed; boundary={boundary}", 1000)
    assert parsed.statements_json == b'{"x": 1}' and parsed.parts == {SHA: DATA}


def test_statements_post_multipart_then_get_attachments(client: TestClient) -> None:
    body = multipart(json.dumps(statement()).encode(), (PART_HEADERS, DATA))
    response = client.post("/xapi/statements", content=body, headers={"Content-Type": CT})
    assert response.status_code == 200, response.text
    [sid] = response.json()
    got = client.get(f"/xapi/statements?statementId={sid}&attachments=true")
    assert got.headers["content-type"].startswith("multipart/mixed")
    parsed = parse_multipart(got.content, got.headers["content-type"], 1000)
    assert json.loads(parsed.statements_json)["id"] == sid and parsed.parts == {SHA: DATA}
    plain = client.get(f"/xapi/statements?statementId={sid}")
    assert plain.headers["content-type"] == "application/json"


def test_statements_post_attachment_without_part_is_refused(client: TestClient) -> None:
    assert client.post("/xapi/statements", json=statement()).status_code == 400


def test_statements_post_part_without_attachment_is_refused(client: TestClient) -> None:
    s = statement(fileUrl="http://example.com/file.txt")
    s["attachments"][0]["sha2"] = "0" * 64
    body = multipart(json.dumps(s).encode(), (PART_HEADERS, DATA))
    assert client.post("/xapi/statements", content=body, headers={"Content-Type": CT}).status_code == 400


def test_statements_post_file_url_attachment_as_json(client: TestClient) -> None:
    assert (
        client.post("/xapi/statements", json=statement(fileUrl="http://example.com/f.txt")).status_code == 200
    )
