"""State, Activity Profile and Agent Profile resources over HTTP (xAPI 1.0.3 Communication 2.2-2.7,
3.1; xAPI 2.0.0 4.1.4, 4.1.6.2, 4.1.6.5, 4.1.6.6)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.settings import Settings
from lrs.storage import Database
from tests.support import basic_auth, make_settings

AGENT = {"objectType": "Agent", "account": {"homePage": "http://www.example.com/agentId/1", "name": "Rick"}}
ACTIVITY = "http://www.example.com/activityId/hashset"
REGISTRATION = "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
STATE = "/xapi/activities/state"
ACTIVITY_PROFILE = "/xapi/activities/profile"
AGENT_PROFILE = "/xapi/agents/profile"


def state_params(**extra: Any) -> dict[str, str]:
    params = {"activityId": ACTIVITY, "agent": json.dumps(AGENT), "stateId": "s1"}
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def activity_profile_params(**extra: Any) -> dict[str, str]:
    params = {"activityId": ACTIVITY, "profileId": "p1"}
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def agent_profile_params(**extra: Any) -> dict[str, str]:
    params = {"agent": json.dumps(AGENT), "profileId": "p1"}
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


RESOURCES = [
    pytest.param((STATE, state_params), id="state"),
    pytest.param((ACTIVITY_PROFILE, activity_profile_params), id="activity-profile"),
    pytest.param((AGENT_PROFILE, agent_profile_params), id="agent-profile"),
]
CREATE = {"If-None-Match": "*"}  # accepted by every resource in every version


@pytest.fixture
def client2(settings: Settings, second_database: Database) -> Iterator[TestClient]:
    """An authenticated client sending X-Experience-API-Version 2.0.0 (its own store)."""
    app = create_app(settings, second_database)
    headers = {"Authorization": basic_auth(), "X-Experience-API-Version": "2.0.0"}
    with TestClient(app, base_url="http://testserver", headers=headers) as test_client:
        yield test_client


@pytest.mark.parametrize("resource", RESOURCES)
def test_document_put_then_get_returns_content_type_etag_last_modified(
    client: TestClient, resource: Any
) -> None:
    path, params = resource
    assert (
        client.put(
            path, params=params(), content=b"hello", headers={**CREATE, "Content-Type": "text/plain"}
        ).status_code
        == 204
    )
    r = client.get(path, params=params())
    assert r.status_code == 200 and r.content == b"hello"
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["etag"] == '"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"'  # sha1("hello")
    modified = datetime.strptime(r.headers["last-modified"], "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert abs(modified - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize("resource", RESOURCES)
def test_document_head_has_headers_and_no_body(client: TestClient, resource: Any) -> None:
    path, params = resource
    client.post(path, params=params(), json={"a": 1})
    get, head = client.get(path, params=params()), client.head(path, params=params())
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"] and head.headers["last-modified"]
    assert head.headers["content-type"] == "application/json"


@pytest.mark.parametrize("resource", RESOURCES)
def test_document_post_merges_json_objects_one_level(client: TestClient, resource: Any) -> None:
    path, params = resource
    assert (
        client.post(path, params=params(), json={"car": {"make": "Ford"}, "driver": "Dale"}).status_code
        == 204
    )
    assert client.post(path, params=params(), json={"car": {"model": "Ram"}}).status_code == 204
    assert client.get(path, params=params()).json() == {"car": {"model": "Ram"}, "driver": "Dale"}


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(({"a": 1}, None), (None, ("abcdefg", "not/json")), id="posted-not-json"),
        pytest.param(
            (None, ("/ asdf /", "application/octet-stream")), ({"a": 1}, None), id="stored-not-json"
        ),
        pytest.param(({"a": 1}, None), (None, ('{"a": 2}{', "application/json")), id="posted-invalid-json"),
        pytest.param(({"a": 1}, None), ([1, 2], None), id="posted-json-array"),
    ],
)
def test_document_post_refuses_merge_unless_both_json_objects(
    client: TestClient, resource: Any, first: Any, second: Any
) -> None:
    path, params = resource

    def send(method: str, doc: Any, headers: dict[str, str]) -> int:
        value, raw = doc
        if raw is None:
            return client.request(method, path, params=params(), json=value, headers=headers).status_code
        return client.request(
            method,
            path,
            params=params(),
            content=raw[0].encode(),
            headers={**headers, "Content-Type": raw[1]},
        ).status_code

    assert send("PUT", first, CREATE) == 204
    before = client.get(path, params=params()).content
    r = send("POST", second, {})
    assert r == 400
    assert client.get(path, params=params()).content == before


@pytest.mark.parametrize("resource", RESOURCES)
def test_document_post_creates_when_absent(client: TestClient, resource: Any) -> None:
    path, params = resource
    assert client.post(path, params=params(), json={"a": 1}).status_code == 204
    assert client.get(path, params=params()).json() == {"a": 1}


@pytest.mark.parametrize("resource", RESOURCES)
def test_document_delete_one_then_get_is_404(client: TestClient, resource: Any) -> None:
    path, params = resource
    client.post(path, params=params(), json={"a": 1})
    assert client.delete(path, params=params()).status_code == 204
    r = client.get(path, params=params())
    assert r.status_code == 404 and r.json()["error"] == "not_found"


@pytest.mark.parametrize("resource", RESOURCES)
def test_document_get_ids_filtered_by_since(client: TestClient, resource: Any) -> None:
    path, params = resource
    id_param = "stateId" if path == STATE else "profileId"
    client.post(path, params=params(**{id_param: "old"}), json={"a": 1})
    time.sleep(0.01)
    cut = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    time.sleep(0.01)
    client.post(path, params=params(**{id_param: "new"}), json={"a": 1})
    everything = {**params(), id_param: None}
    everything = {k: v for k, v in everything.items() if v is not None}
    assert sorted(client.get(path, params=everything).json()) == ["new", "old"]
    assert client.get(path, params={**everything, "since": cut}).json() == ["new"]


def test_state_ids_are_per_registration_and_delete_all_only_touches_them(client: TestClient) -> None:
    client.post(STATE, params=state_params(stateId="a"), json={"a": 1})
    client.post(STATE, params=state_params(stateId="b", registration=REGISTRATION), json={"b": 1})
    all_reg = {"activityId": ACTIVITY, "agent": json.dumps(AGENT), "registration": REGISTRATION}
    assert client.get(STATE, params=all_reg).json() == ["b"]
    assert client.delete(STATE, params=all_reg).status_code == 204
    assert client.get(STATE, params=all_reg).json() == []
    assert client.get(STATE, params=state_params(stateId=None)).json() == ["a"]


def test_state_agent_matched_by_identifier_not_name(client: TestClient) -> None:
    client.post(STATE, params=state_params(), json={"a": 1})
    renamed = json.dumps({**AGENT, "name": "Someone else"})
    assert client.get(STATE, params=state_params(agent=renamed)).json() == {"a": 1}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        pytest.param(STATE, state_params(activityId=None), "activityId", id="state-no-activityId"),
        pytest.param(STATE, state_params(agent=None), "agent", id="state-no-agent"),
        pytest.param(STATE, state_params(stateId=None), "stateId", id="state-put-no-stateId"),
        pytest.param(STATE, state_params(agent="not json"), "agent", id="state-agent-not-json"),
        pytest.param(STATE, state_params(agent="true"), "agent", id="state-agent-true"),
        pytest.param(STATE, state_params(agent=json.dumps({"name": "x"})), "agent", id="state-agent-no-ifi"),
        pytest.param(
            STATE,
            state_params(agent=json.dumps({**AGENT, "mbox": "mailto:a@b.c"})),
            "agent",
            id="state-agent-two-ifis",
        ),
        pytest.param(STATE, state_params(registration="true"), "registration", id="state-registration"),
        pytest.param(STATE, state_params(foo="bar"), "foo", id="state-unknown-param"),
        pytest.param(STATE, state_params(since="2020-01-01T00:00:00Z"), "since", id="state-put-since"),
        pytest.param(
            ACTIVITY_PROFILE,
            activity_profile_params(activityId=None),
            "activityId",
            id="activity-profile-no-activityId",
        ),
        pytest.param(
            ACTIVITY_PROFILE,
            activity_profile_params(profileId=None),
            "profileId",
            id="activity-profile-no-profileId",
        ),
        pytest.param(AGENT_PROFILE, agent_profile_params(agent=None), "agent", id="agent-profile-no-agent"),
        pytest.param(AGENT_PROFILE, agent_profile_params(agent="true"), "agent", id="agent-profile-agent"),
        pytest.param(
            AGENT_PROFILE, agent_profile_params(profileId=None), "profileId", id="agent-profile-no-profileId"
        ),
    ],
)
def test_document_put_refuses_bad_parameters(
    client: TestClient, path: str, params: dict[str, str], field: str
) -> None:
    r = client.put(path, params=params, json={"a": 1}, headers=CREATE)
    assert r.status_code == 400 and r.json()["field"] == field, r.text


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        pytest.param(STATE, state_params(stateId=None, since="yesterday"), "since", id="state-since"),
        pytest.param(STATE, state_params(registration="abc"), "registration", id="state-registration"),
        pytest.param(
            ACTIVITY_PROFILE,
            activity_profile_params(profileId=None, since="1"),
            "since",
            id="activity-profile-since",
        ),
        pytest.param(
            AGENT_PROFILE, agent_profile_params(profileId=None, since="x"), "since", id="agent-profile-since"
        ),
        pytest.param(
            AGENT_PROFILE,
            agent_profile_params(agent='{"objectType": "Agent"}'),
            "agent",
            id="agent-profile-agent-no-ifi",
        ),
    ],
)
def test_document_get_refuses_bad_parameters(
    client: TestClient, path: str, params: dict[str, str], field: str
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 400 and r.json()["field"] == field, r.text


def test_document_over_size_limit_is_413_naming_limit(database: Database) -> None:
    settings = make_settings(max_document_bytes=10)
    with TestClient(
        create_app(settings, database),
        headers={"Authorization": basic_auth(), "X-Experience-API-Version": "1.0.3"},
    ) as c:
        r = c.put(STATE, params=state_params(), content=b"x" * 11, headers={"Content-Type": "text/plain"})
        assert r.status_code == 413 and "10 bytes" in r.json()["message"]
        assert (
            c.put(
                STATE, params=state_params(), content=b"x" * 10, headers={"Content-Type": "text/plain"}
            ).status_code
            == 204
        )


def test_document_put_invalid_json_declared_json_is_400(client: TestClient) -> None:
    r = client.put(
        STATE, params=state_params(), content=b'{"a": ', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400


# --- concurrency (Communication 3.1; 2.0.0 4.1.4) ---


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_document_if_match_wrong_etag_is_412_and_changes_nothing(
    client: TestClient, resource: Any, method: str
) -> None:
    path, params = resource
    client.put(path, params=params(), json={"a": 1}, headers=CREATE)
    r = client.request(
        method,
        path,
        params=params(),
        json={"b": 2} if method != "DELETE" else None,
        headers={"If-Match": '"1234"'},
    )
    assert r.status_code == 412
    assert client.get(path, params=params()).json() == {"a": 1}


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_document_if_match_current_etag_is_204(client: TestClient, resource: Any, method: str) -> None:
    path, params = resource
    client.put(path, params=params(), json={"a": 1}, headers=CREATE)
    etag = client.get(path, params=params()).headers["etag"]
    r = client.request(
        method,
        path,
        params=params(),
        json={"b": 2} if method != "DELETE" else None,
        headers={"If-Match": etag},
    )
    assert r.status_code == 204


@pytest.mark.parametrize("resource", RESOURCES)
def test_document_if_none_match_star_refuses_existing(client: TestClient, resource: Any) -> None:
    path, params = resource
    assert client.put(path, params=params(), json={"a": 1}, headers=CREATE).status_code == 204
    assert client.put(path, params=params(), json={"b": 1}, headers=CREATE).status_code == 412
    assert client.get(path, params=params()).json() == {"a": 1}


@pytest.mark.parametrize("resource", RESOURCES)
def test_document_if_match_on_missing_document_is_412(client: TestClient, resource: Any) -> None:
    path, params = resource
    r = client.put(path, params=params(), json={"a": 1}, headers={"If-Match": "*"})
    assert r.status_code == 412
    assert client.get(path, params=params()).status_code == 404


@pytest.mark.parametrize("resource", RESOURCES)
def test_document_two_puts_with_same_if_match_one_wins(client: TestClient, resource: Any) -> None:
    path, params = resource
    client.put(path, params=params(), json={"v": 0}, headers=CREATE)
    etag = client.get(path, params=params()).headers["etag"]
    codes = [
        client.put(path, params=params(), json={"v": n}, headers={"If-Match": etag}).status_code
        for n in (1, 2)
    ]
    assert codes == [204, 412]
    assert client.get(path, params=params()).json() == {"v": 1}


@pytest.mark.parametrize(
    ("version", "path", "params", "create", "overwrite"),
    [
        pytest.param("1.0.3", STATE, state_params, 204, 204, id="1.0.3-state"),
        pytest.param(
            "1.0.3", ACTIVITY_PROFILE, activity_profile_params, 400, 409, id="1.0.3-activity-profile"
        ),
        pytest.param("1.0.3", AGENT_PROFILE, agent_profile_params, 400, 409, id="1.0.3-agent-profile"),
        pytest.param("2.0.0", STATE, state_params, 204, 409, id="2.0.0-state"),
        pytest.param(
            "2.0.0", ACTIVITY_PROFILE, activity_profile_params, 204, 409, id="2.0.0-activity-profile"
        ),
        pytest.param("2.0.0", AGENT_PROFILE, agent_profile_params, 204, 409, id="2.0.0-agent-profile"),
    ],
)
def test_document_put_without_precondition_headers_per_version(
    client: TestClient, client2: TestClient, version: str, path: str, params: Any, create: int, overwrite: int
) -> None:
    c = client if version == "1.0.3" else client2
    assert c.put(path, params=params(), json={"a": 1}).status_code == create
    if create != 204:
        c.put(path, params=params(), json={"a": 1}, headers=CREATE)
    r = c.put(path, params=params(), json={"b": 2})
    assert r.status_code == overwrite
    if overwrite == 409:
        assert "If-Match" in r.json()["message"]
        assert c.get(path, params=params()).json() == {"a": 1}


def test_state_post_and_delete_without_headers_allowed_in_2_0(client2: TestClient) -> None:
    assert client2.post(STATE, params=state_params(), json={"a": 1}).status_code == 204
    assert client2.post(STATE, params=state_params(), json={"b": 1}).status_code == 204
    assert client2.get(STATE, params=state_params()).json() == {"a": 1, "b": 1}
    assert client2.delete(STATE, params=state_params()).status_code == 204


def test_document_last_modified_advances_on_update(client: TestClient) -> None:
    client.post(STATE, params=state_params(), json={"a": 1})
    first = client.get(STATE, params=state_params()).headers
    time.sleep(1.05)
    client.post(STATE, params=state_params(), json={"b": 1})
    second = client.get(STATE, params=state_params()).headers
    assert second["last-modified"] != first["last-modified"] and second["etag"] != first["etag"]


# --- scopes ---


def test_document_scopes_read_only_credential_can_read_not_write(client: TestClient) -> None:
    from lrs.credentials import create_credential

    db = client.app.state.db  # type: ignore[attr-defined]
    client.portal.call(
        lambda: create_credential(
            db,
            "reader",
            ["all/read"],  # type: ignore[union-attr]
            key="reader",
            secret="reader-secret",
        )
    )
    reader = {"Authorization": basic_auth("reader", "reader-secret")}
    client.post(STATE, params=state_params(), json={"a": 1})
    assert client.get(STATE, params=state_params(), headers=reader).status_code == 200
    assert client.put(STATE, params=state_params(), json={}, headers=reader).status_code == 403
    assert (
        client.put(
            ACTIVITY_PROFILE, params=activity_profile_params(), json={}, headers={**reader, **CREATE}
        ).status_code
        == 403
    )


def test_document_without_credentials_is_401(client: TestClient) -> None:
    r = client.get(STATE, params=state_params(), headers={"Authorization": ""})
    assert r.status_code == 401


@pytest.mark.parametrize("resource", RESOURCES)
def test_document_if_none_match_etag_list_refuses_only_the_current_etag(
    client: TestClient, resource: Any
) -> None:
    path, params = resource
    client.put(path, params=params(), json={"a": 1}, headers=CREATE)
    etag = client.get(path, params=params()).headers["etag"]
    stale = '"' + "0" * 40 + '"'
    assert (
        client.put(
            path, params=params(), json={"b": 1}, headers={"If-None-Match": f"{stale}, {etag}"}
        ).status_code
        == 412
    )
    assert client.get(path, params=params()).json() == {"a": 1}
    assert (
        client.put(path, params=params(), json={"c": 1}, headers={"If-None-Match": stale}).status_code == 204
    )
    assert client.get(path, params=params()).json() == {"c": 1}


def test_document_if_match_accepts_unquoted_and_weak_forms(client: TestClient) -> None:
    client.put(STATE, params=state_params(), json={"a": 1})
    etag = client.get(STATE, params=state_params()).headers["etag"]
    assert (
        client.put(
            STATE, params=state_params(), json={"b": 1}, headers={"If-Match": etag.strip('"')}
        ).status_code
        == 204
    )
    etag = client.get(STATE, params=state_params()).headers["etag"]
    assert (
        client.put(STATE, params=state_params(), json={"c": 1}, headers={"If-Match": f"W/{etag}"}).status_code
        == 204
    )
