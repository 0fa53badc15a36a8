"""Signed statements: compact JWS parsing, algorithm, payload equivalence and x5c verification."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from lrs.errors import InvalidStatement
from lrs.xapi.signature import SIGNATURE_USAGE_TYPE, is_signature_attachment, verify_signed_statement

HASHES = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}
STATEMENT: dict[str, Any] = {
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
    "object": {"id": "http://example.com/activities/1"},
    "timestamp": "2024-01-02T03:04:05.000Z",
}


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def cert(key: rsa.RSAPrivateKey) -> str:
    """A self-signed certificate for `key`, base64 DER as x5c wants it."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lrs-bridge test signer")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(payload: Any, key: rsa.RSAPrivateKey, alg: str = "RS256", **header: Any) -> bytes:
    """Compact JWS of `payload` (a dict is JSON-serialised) signed with `key`."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = f"{b64(json.dumps({'alg': alg, **header}).encode())}.{b64(body)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), HASHES.get(alg, hashes.SHA256()))
    return f"{signing_input}.{b64(signature)}".encode()


def received(**changes: Any) -> dict[str, Any]:
    """The statement as the LRS receives it: with the signature attachment entry (and changes)."""
    statement = copy.deepcopy(STATEMENT)
    statement["attachments"] = [
        {
            "usageType": SIGNATURE_USAGE_TYPE,
            "display": {"en-US": "signature"},
            "contentType": "application/octet-stream",
            "length": 1,
            "sha2": "0" * 64,
        }
    ]
    statement.update(changes)
    return statement


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_verify_signed_statement_accepts_rsa_with_x5c(key: rsa.RSAPrivateKey, cert: str, alg: str) -> None:
    verify_signed_statement(received(), sign(STATEMENT, key, alg, x5c=[cert]), "1.0.3")


def test_verify_signed_statement_accepts_without_x5c(key: rsa.RSAPrivateKey) -> None:
    verify_signed_statement(received(), sign(STATEMENT, key), "2.0.0")


def test_verify_signed_statement_ignores_lrs_assigned_properties(key: rsa.RSAPrivateKey, cert: str) -> None:
    payload = {k: v for k, v in STATEMENT.items() if k not in ("id", "timestamp")}
    statement = received(
        authority={"mbox": "mailto:lrs@example.com"}, stored="2024-01-02T03:04:06Z", version="1.0.3"
    )
    verify_signed_statement(statement, sign(payload, key, x5c=[cert]), "1.0.3")


def test_verify_signed_statement_compares_timestamps_as_instants(key: rsa.RSAPrivateKey) -> None:
    statement = received(timestamp="2024-01-02T04:04:05+01:00")
    verify_signed_statement(statement, sign(STATEMENT, key), "1.0.3")


def test_verify_signed_statement_ignores_group_member_order(key: rsa.RSAPrivateKey) -> None:
    members = [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}]
    payload = {**STATEMENT, "actor": {"objectType": "Group", "member": members}}
    statement = received(actor={"objectType": "Group", "member": members[::-1]})
    verify_signed_statement(statement, sign(payload, key), "1.0.3")


def tampered_signature(jws: bytes) -> bytes:
    head, body, signature = jws.split(b".")
    return b".".join((head, body, signature[:-4] + (b"AAAA" if signature[-4:] != b"AAAA" else b"BBBB")))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda k, c: sign({**STATEMENT, "verb": {"id": "http://e.com/v"}}, k),
            "differs",
            id="payload-differs",
        ),
        pytest.param(
            lambda k, c: sign({**STATEMENT, "id": "0" * 8 + STATEMENT["id"][8:]}, k),
            "differs",
            id="payload-id-differs",
        ),
        pytest.param(lambda k, c: sign(STATEMENT, k, "HS256"), "HS256", id="alg-hs256"),
        pytest.param(lambda k, c: sign(STATEMENT, k, "none"), "'none'", id="alg-none"),
        pytest.param(
            lambda k, c: sign(b"{'actor': 1}", k), "not a JSON serialization", id="payload-not-json"
        ),
        pytest.param(lambda k, c: sign(b"[1]", k), "JSON object", id="payload-not-object"),
        pytest.param(lambda k, c: b"abc.def", "3 dot-separated parts", id="two-parts"),
        pytest.param(lambda k, c: b"!!!.e30.e30", "header is not base64url", id="header-not-base64"),
        pytest.param(
            lambda k, c: b64(b"nope").encode() + b".e30.AA", "header is not JSON", id="header-not-json"
        ),
        pytest.param(
            lambda k, c: sign(STATEMENT, k).rsplit(b".", 1)[0] + b".", "empty signature", id="empty-signature"
        ),
        pytest.param(
            lambda k, c: tampered_signature(sign(STATEMENT, k, x5c=[c])),
            "does not verify",
            id="tampered-signature",
        ),
        pytest.param(
            lambda k, c: sign(
                STATEMENT, rsa.generate_private_key(public_exponent=65537, key_size=1024), x5c=[c]
            ),
            "does not verify",
            id="signed-by-other-key",
        ),
        pytest.param(lambda k, c: sign(STATEMENT, k, x5c="cert"), "x5c", id="x5c-not-array"),
        pytest.param(
            lambda k, c: sign(STATEMENT, k, x5c=["bm90IGEgY2VydA=="]),
            "cannot be read",
            id="x5c-not-certificate",
        ),
        pytest.param(lambda k, c: "é".encode(), "non-ASCII", id="not-ascii"),
    ],
)
def test_verify_signed_statement_rejects_malformed(
    key: rsa.RSAPrivateKey, cert: str, make: Any, message: str
) -> None:
    with pytest.raises(InvalidStatement) as caught:
        verify_signed_statement(received(), make(key, cert), "1.0.3")
    assert caught.value.status_code == 400
    assert caught.value.field == "attachments"
    assert message in caught.value.message


def test_is_signature_attachment_matches_usage_type() -> None:
    assert is_signature_attachment(received()["attachments"][0])
    assert not is_signature_attachment({"usageType": "http://example.com/other"})
    assert not is_signature_attachment("x")


def test_signature_durations_compare_to_the_hundredth_of_a_second() -> None:
    """xAPI 2.0.0 4.2.7: precision beyond 0.01 s is not part of the comparison."""
    from lrs.xapi.signature import statements_equivalent

    signed = {"actor": {"mbox": "mailto:a@b.c"}, "result": {"duration": "PT1.12S"}}
    assert statements_equivalent(signed, {**signed, "result": {"duration": "PT1.1237S"}})
    assert not statements_equivalent(signed, {**signed, "result": {"duration": "PT1.13S"}})
