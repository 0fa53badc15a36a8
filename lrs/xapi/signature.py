"""Signed Statements: check the JWS attached to a statement (xAPI 1.0.3 Data 2.6, 2.0.0 9274.1.1 2.2.6)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, NoReturn

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from lrs.errors import InvalidStatement
from lrs.xapi.validation import comparable_duration, parse_timestamp

SIGNATURE_USAGE_TYPE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_CONTENT_TYPE = "application/octet-stream"
ALGORITHMS: dict[str, hashes.HashAlgorithm] = {
    "RS256": hashes.SHA256(),
    "RS384": hashes.SHA384(),
    "RS512": hashes.SHA512(),
}
# Properties the LRS may assign or that are not part of the statement (Data 2.3.1 immutability exceptions).
LRS_ASSIGNED = ("authority", "stored", "version", "attachments")
FIELD = "attachments"
B64URL_RE = re.compile(r"^[A-Za-z0-9_-]*$")


def is_signature_attachment(attachment: Any) -> bool:
    """True for the attachment entry that carries a statement signature (usageType .../signature)."""
    return isinstance(attachment, dict) and attachment.get("usageType") == SIGNATURE_USAGE_TYPE


def verify_signed_statement(statement: dict[str, Any], jws: bytes, version: str) -> None:
    """Raise InvalidStatement unless `jws` is a compact JWS (RS256/384/512) of this statement (Data 2.6)."""
    header, payload, signing_input, signature = split_jws(jws)
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        fail(f"signature algorithm {alg!r} is not allowed; use RS256, RS384 or RS512")
    try:
        original = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        fail("the JWS payload is not a JSON serialization of the statement")
    if not isinstance(original, dict):
        fail("the JWS payload is not a JSON object (a statement)")
    if not statements_equivalent(original, statement):
        fail("the signed statement (JWS payload) differs from the statement received")
    if not signature:
        fail("the JWS has an empty signature")
    if "x5c" in header:
        verify_with_certificate(header["x5c"], alg, signing_input, signature)


def split_jws(jws: bytes) -> tuple[dict[str, Any], bytes, bytes, bytes]:
    """Split a compact JWS into (header, payload, signing input, signature) or fail."""
    try:
        text = jws.decode("ascii").strip()
    except UnicodeDecodeError:
        fail("the signature is not a JWS compact serialization (non-ASCII bytes)")
    parts = text.split(".")
    if len(parts) != 3:
        fail(f"the signature is not a JWS compact serialization (3 dot-separated parts, got {len(parts)})")
    header_raw, payload, signature = (
        b64url_decode(part, name)
        for part, name in zip(parts, ("header", "payload", "signature"), strict=True)
    )
    try:
        header = json.loads(header_raw)
    except (UnicodeDecodeError, ValueError):
        fail("the JWS header is not JSON")
    if not isinstance(header, dict):
        fail("the JWS header is not a JSON object")
    return header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def b64url_decode(part: str, name: str) -> bytes:
    """Decode one unpadded base64url JWS segment (RFC 7515 section 2)."""
    if not B64URL_RE.match(part):
        fail(f"the JWS {name} is not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        fail(f"the JWS {name} is not base64url")


def verify_with_certificate(x5c: Any, alg: str, signing_input: bytes, signature: bytes) -> None:
    """Verify the RSA signature with the leaf certificate of the x5c chain (RFC 7515 4.1.6)."""
    if not isinstance(x5c, list) or not x5c or not isinstance(x5c[0], str):
        fail("the JWS x5c header must be a non-empty array of base64 certificates")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(x5c[0], validate=True))
    except (binascii.Error, ValueError):
        fail("the JWS x5c certificate cannot be read")
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        fail("the JWS x5c certificate does not hold an RSA key")
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), ALGORITHMS[alg])
    except InvalidSignature:
        fail("the JWS signature does not verify with the x5c certificate")


def statements_equivalent(original: dict[str, Any], received: dict[str, Any]) -> bool:
    """Logical equivalence of the signed and received statement (Data 2.3.1 comparison requirements)."""
    left, right = dict(original), dict(received)
    for key in LRS_ASSIGNED:
        left.pop(key, None)
        right.pop(key, None)
    for key in ("id", "timestamp"):
        if key not in left:  # the LRS may have assigned it; only a value the signer chose must match
            right.pop(key, None)
    if "id" in left and "id" in right and isinstance(left["id"], str) and isinstance(right["id"], str):
        left["id"], right["id"] = left["id"].lower(), right["id"].lower()
    return bool(normalise(left) == normalise(right))


def normalise(value: Any, key: str = "") -> Any:
    """Comparable form: timestamps as instants, Group members unordered, numbers as floats."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [normalise(v) for v in value]
        if key == "member":
            return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))
        return items
    if key == "duration" and isinstance(value, str):
        return comparable_duration(value)
    if key in ("timestamp", "stored") and isinstance(value, str):
        try:
            return parse_timestamp(value)
        except InvalidStatement:
            return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def fail(message: str) -> NoReturn:
    """Raise InvalidStatement for a malformed signature."""
    raise InvalidStatement(f"signed statement: {message}", field=FIELD)
