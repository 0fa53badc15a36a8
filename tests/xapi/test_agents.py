"""The Agents resource over HTTP: GET /xapi/agents?agent= -> Person (xAPI 1.0.3 Communication 2.4)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.storage.indexes import INDEXES, STATEMENTS
from lrs.xapi.agents import person_pipeline

AGENTS = "/xapi/agents"


def post_statement(client: TestClient, actor: dict[str, Any]) -> None:
    statement = {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
        "object": {"id": "http://www.example.com/meetings/1"},
    }
    r = client.post("/xapi/statements", json=statement)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("agent", "key"),
    [
        pytest.param({"mbox": "mailto:xapi@adlnet.gov"}, "mbox", id="mbox"),
        pytest.param({"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"}, "mbox_sha1sum", id="sha1"),
        pytest.param({"openid": "http://openid.example.org/12345"}, "openid", id="openid"),
        pytest.param(
            {"account": {"homePage": "http://www.example.com", "name": "13936749"}}, "account", id="account"
        ),
    ],
)
def test_agents_returns_person_with_ifi_as_array(client: TestClient, agent: dict[str, Any], key: str) -> None:
    r = client.get(AGENTS, params={"agent": json.dumps({"objectType": "Agent", "name": "Ann", **agent})})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == {"objectType": "Person", "name": ["Ann"], key: [agent[key]]}


def test_agents_adds_names_seen_as_actor_of_statements(client: TestClient) -> None:
    mbox = "mailto:learner@example.com"
    post_statement(client, {"objectType": "Agent", "name": "Learner One", "mbox": mbox})
    post_statement(client, {"objectType": "Agent", "name": "L. One", "mbox": mbox})
    post_statement(
        client, {"objectType": "Agent", "name": "Someone Else", "mbox": "mailto:other@example.com"}
    )
    person = client.get(AGENTS, params={"agent": json.dumps({"mbox": mbox})}).json()
    assert person == {"objectType": "Person", "name": ["L. One", "Learner One"], "mbox": [mbox]}


def test_agents_head_has_no_body(client: TestClient) -> None:
    r = client.head(AGENTS, params={"agent": json.dumps({"mbox": "mailto:a@example.com"})})
    assert r.status_code == 200 and r.content == b""


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="missing"),
        pytest.param({"agent": "{not json"}, id="not-json"),
        pytest.param({"agent": json.dumps({"objectType": "Agent", "name": "x"})}, id="no-ifi"),
        pytest.param({"agent": json.dumps({"mbox": "mailto:a@b.c"}), "foo": "1"}, id="unknown-param"),
    ],
)
def test_agents_refuses_bad_agent_parameter(client: TestClient, params: dict[str, str]) -> None:
    assert client.get(AGENTS, params=params).status_code == 400


def test_agents_person_query_uses_the_statements_agent_index() -> None:
    match = person_pipeline({"mbox": "mailto:a@b.c"})[0]["$match"]
    assert match["agent"] == "mbox:mailto:a@b.c"
    assert any(i.collection == STATEMENTS and i.keys[0] == ("agent", 1) for i in INDEXES)
