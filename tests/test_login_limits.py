"""Failed logins limited per key and per client address, counted in the database (shared)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from lrs.errors import TooManyRequests
from lrs.login_limits import LoginLimiter, LoginLimits, counter_ids
from lrs.settings import Settings
from lrs.storage.indexes import AUTH_FAILURES
from tests.support import API_KEY, API_SECRET, basic_auth, make_settings

WINDOW = 300
HTTP_WINDOW = 86_400  # a day: requests of one test never straddle two windows
# windows in the future: counters expire after their window (the TTL index works on mongomock too)
FIRST = int(time.time()) // WINDOW + 10


@pytest.fixture
def settings() -> Settings:
    return make_settings(
        auth_max_failures_per_key=3,
        auth_max_failures_per_address=5,
        auth_failure_window_seconds=HTTP_WINDOW,
        auth_cache_seconds=0,
    )


@pytest.fixture
def limiters(client: TestClient) -> Iterator[tuple[TestClient, LoginLimiter, LoginLimiter]]:
    """Two limiters on the app's store, as two workers (or instances) would have."""
    db = client.app.state.db  # type: ignore[attr-defined]
    limits = LoginLimits(per_key=3, per_address=5, window_s=WINDOW)
    yield client, LoginLimiter(db, limits), LoginLimiter(db, limits)


def wrong(client: TestClient, key: str = API_KEY) -> int:
    return client.get("/admin/whoami", headers={"Authorization": basic_auth(key, "wrong")}).status_code


def test_login_limits_key_over_its_limit_is_429_with_retry_after(client: TestClient) -> None:
    assert [wrong(client) for _ in range(3)] == [401, 401, 401]
    refused = client.get("/admin/whoami", headers={"Authorization": basic_auth(API_KEY, API_SECRET)})
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_requests" and "credential key" in refused.json()["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= HTTP_WINDOW


def test_login_limits_address_over_its_limit_is_429_for_every_key(client: TestClient) -> None:
    assert [wrong(client, f"guess-{n}") for n in range(5)] == [401] * 5
    refused = client.get("/admin/whoami", headers={"Authorization": basic_auth(API_KEY, API_SECRET)})
    assert refused.status_code == 429 and "client address" in refused.json()["message"]
    assert int(refused.headers["retry-after"]) >= 1


def test_login_limits_unknown_keys_are_limited_like_known_ones(client: TestClient) -> None:
    """A limit that only known keys reached would tell which keys exist."""
    assert [wrong(client, "nobody") for _ in range(4)] == [401, 401, 401, 429]


def test_login_limits_an_address_that_logged_in_is_exempt_from_the_key_limit(client: TestClient) -> None:
    right = {"Authorization": basic_auth(API_KEY, API_SECRET)}
    assert client.get("/admin/whoami", headers=right).status_code == 200
    assert [wrong(client) for _ in range(4)] == [401] * 4  # past the key's limit of 3
    assert client.get("/admin/whoami", headers=right).status_code == 200
    assert [wrong(client), wrong(client)] == [401, 429]  # ... but not past the address's own limit of 5


def test_login_limits_key_limit_holds_for_other_addresses(
    limiters: tuple[TestClient, LoginLimiter, LoginLimiter],
) -> None:
    client, first, second = limiters
    now = (FIRST + 8) * WINDOW + 1.0
    client.portal.call(lambda: first.record_success("k", "10.0.0.1", now))  # type: ignore[union-attr]
    for n in range(3):
        client.portal.call(lambda n=n: first.record_failure("k", f"10.0.1.{n}", now))  # type: ignore[union-attr, misc]
    client.portal.call(lambda: second.check("k", "10.0.0.1", now))  # type: ignore[union-attr]
    with pytest.raises(TooManyRequests):
        client.portal.call(lambda: second.check("k", "10.0.2.1", now))  # type: ignore[union-attr]


def test_login_limits_are_shared_by_every_limiter_on_the_store(
    limiters: tuple[TestClient, LoginLimiter, LoginLimiter],
) -> None:
    client, first, second = limiters
    now = FIRST * WINDOW + 10.0
    for _ in range(3):
        client.portal.call(lambda: first.record_failure("k", "10.0.0.1", now))  # type: ignore[union-attr]
    with pytest.raises(TooManyRequests) as refused:
        client.portal.call(lambda: second.check("k", "10.0.0.2", now))  # type: ignore[union-attr]
    assert refused.value.headers["Retry-After"] == str(WINDOW - 10)
    client.portal.call(lambda: second.check("other", "10.0.0.2", now))  # type: ignore[union-attr]


def test_login_limits_count_per_address_and_end_with_the_window(
    limiters: tuple[TestClient, LoginLimiter, LoginLimiter],
) -> None:
    client, first, second = limiters
    now = (FIRST + 2) * WINDOW + 0.0
    for n in range(5):
        client.portal.call(lambda n=n: first.record_failure(f"k{n}", "10.0.0.1", now))  # type: ignore[union-attr, misc]
    with pytest.raises(TooManyRequests):
        client.portal.call(lambda: second.check("fresh", "10.0.0.1", now))  # type: ignore[union-attr]
    client.portal.call(lambda: second.check("fresh", "10.0.0.2", now))  # type: ignore[union-attr]
    client.portal.call(lambda: second.check("fresh", "10.0.0.1", now + WINDOW))  # type: ignore[union-attr]


def test_login_limits_counters_are_keyed_documents_without_the_raw_key(
    limiters: tuple[TestClient, LoginLimiter, LoginLimiter],
) -> None:
    client, first, _ = limiters
    now = (FIRST + 4) * WINDOW + 0.0
    for _ in range(2):
        client.portal.call(lambda: first.record_failure("$secret.key", "10.0.0.1", now))  # type: ignore[union-attr]
    db = client.app.state.db  # type: ignore[attr-defined]
    ids = counter_ids("$secret.key", "10.0.0.1", FIRST + 4)
    docs = client.portal.call(lambda: db.collection(AUTH_FAILURES).find({"_id": {"$in": list(ids.values())}}))  # type: ignore[union-attr]
    assert sorted((d["_id"], d["count"]) for d in docs) == sorted([(ids["key"], 2), (ids["addr"], 2)])
    assert ids["addr"] == f"addr:10.0.0.1:{FIRST + 4}" and "$secret.key" not in ids["key"]
    assert all(d["expires_at"] is not None for d in docs)


def test_login_limits_zero_means_no_limit(
    limiters: tuple[TestClient, LoginLimiter, LoginLimiter],
) -> None:
    client, first, _ = limiters
    db = client.app.state.db  # type: ignore[attr-defined]
    unlimited = LoginLimiter(db, LoginLimits(per_key=0, per_address=0, window_s=WINDOW))
    now = (FIRST + 6) * WINDOW + 0.0
    for _ in range(6):
        client.portal.call(lambda: first.record_failure("k", "10.0.0.1", now))  # type: ignore[union-attr]
    client.portal.call(lambda: unlimited.check("k", "10.0.0.1", now))  # type: ignore[union-attr]
