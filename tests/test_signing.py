"""lrs.signing: tokens verify only unchanged, of their own kind, with the same key, before expiry."""

from __future__ import annotations

import pytest

from lrs.errors import InvalidToken
from lrs.signing import Signer, load_signer
from tests.support import Store, open_store


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_signer_round_trip_keeps_payload() -> None:
    signer = Signer("k")
    assert signer.verify("more", signer.sign("more", {"a": [1, "x"]})) == {"a": [1, "x"]}


def test_signer_rejects_tampered_payload() -> None:
    signer = Signer("k")
    version, body, mac = signer.sign("more", {"limit": 10}).split(".")
    forged = Signer("k").sign("more", {"limit": 10_000_000}).split(".")[1]
    with pytest.raises(InvalidToken, match="signature"):
        signer.verify("more", f"{version}.{forged[:-2]}AA.{mac}")
    with pytest.raises(InvalidToken):
        signer.verify("more", f"{version}.{body}.{mac[:-2]}AA")


def test_signer_rejects_token_of_another_kind() -> None:
    signer = Signer("k")
    with pytest.raises(InvalidToken, match="another kind"):
        signer.verify("launch", signer.sign("more", {"x": 1}))


def test_signer_rejects_other_key() -> None:
    with pytest.raises(InvalidToken):
        Signer("other").verify("more", Signer("k").sign("more", {"x": 1}))


def test_signer_rejects_expired_token() -> None:
    clock = Clock()
    signer = Signer("k", clock=clock)
    token = signer.sign("launch", {"s": 1}, ttl_s=60)
    clock.now += 59
    assert signer.verify("launch", token) == {"s": 1}
    clock.now += 2
    with pytest.raises(InvalidToken, match="expired"):
        signer.verify("launch", token)


@pytest.mark.parametrize("token", ["", "v1", "v2.a.b", "v1.!!.x", "a.b.c.d"])
def test_signer_rejects_garbage(token: str) -> None:
    with pytest.raises(InvalidToken):
        Signer("k").verify("more", token)


def test_load_signer_shares_one_key_per_store(store: Store) -> None:
    first, second = store.run(load_signer(store.db, None)), store.run(load_signer(store.db, None))
    assert second.verify("more", first.sign("more", {"n": 1})) == {"n": 1}
    with open_store() as elsewhere:
        other = elsewhere.run(load_signer(elsewhere.db, None))
    with pytest.raises(InvalidToken):
        other.verify("more", first.sign("more", {"n": 1}))
