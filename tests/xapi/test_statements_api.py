"""The Statement Resource over HTTP: PUT/POST/GET, parameters, formats, voiding, more, headers."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from starlette.testclient import TestClient

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def statement(**extra: Any) -> dict[str, Any]:
    return {
        "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/attempted",
            "display": {"en-US": "attempted", "en-GB": "attempted (GB)"},
        },
        "object": {
            "id": "http://example.com/course",
            "definition": {"name": {"en-US": "Course", "en-GB": "Course (GB)"}},
        },
        **extra,
    }


def post(client: TestClient, *statements: dict[str, Any]) -> list[str]:
    response = client.post("/xapi/statements", json=list(statements))
    assert response.status_code == 200, response.text
    ids: list[str] = response.json()
    return ids


def test_statements_put_stores_and_get_returns_it(client: TestClient) -> None:
    sid = str(uuid.uuid4())
    assert client.put(f"/xapi/statements?statementId={sid}", json=statement()).status_code == 204
    got = client.get(f"/xapi/statements?statementId={sid}")
    assert got.status_code == 200
    assert got.json()["id"] == sid and got.json()["verb"]["id"].endswith("attempted")
    assert got.headers["x-experience-api-version"] == "1.0.3"
    assert "x-experience-api-consistent-through" in got.headers and "last-modified" in got.headers


@pytest.mark.parametrize(
    ("query", "body"),
    [
        pytest.param("", statement(), id="no-statementId"),
        pytest.param(f"?statementId={uuid.uuid4()}", statement(id=str(uuid.uuid4())), id="id-mismatch"),
        pytest.param("?statementId=nope", statement(), id="not-a-uuid"),
        pytest.param(f"?statementId={uuid.uuid4()}&verb=x", statement(), id="extra-param"),
    ],
)
def test_statements_put_refuses_bad_requests(client: TestClient, query: str, body: dict[str, Any]) -> None:
    assert client.put(f"/xapi/statements{query}", json=body).status_code == 400


def test_statements_put_same_id_different_statement_conflicts(client: TestClient) -> None:
    sid = str(uuid.uuid4())
    client.put(f"/xapi/statements?statementId={sid}", json=statement())
    assert client.put(f"/xapi/statements?statementId={sid}", json=statement()).status_code == 204
    other = statement(object={"id": "http://example.com/other"})
    assert client.put(f"/xapi/statements?statementId={sid}", json=other).status_code == 409


def test_statements_post_batch_is_all_or_nothing(client: TestClient) -> None:
    good = statement(id=str(uuid.uuid4()))
    response = client.post("/xapi/statements", json=[good, {"verb": {"id": "http://x"}}])
    assert response.status_code == 400
    assert client.get(f"/xapi/statements?statementId={good['id']}").status_code == 404


def test_statements_post_single_object_returns_list_of_ids(client: TestClient) -> None:
    response = client.post("/xapi/statements", json=statement())
    assert response.status_code == 200 and len(response.json()) == 1


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x"])
def test_statements_post_refuses_other_content_types(client: TestClient, content_type: str) -> None:
    response = client.post(
        "/xapi/statements", content=json.dumps(statement()), headers={"Content-Type": content_type}
    )
    assert response.status_code == 400


def test_statements_post_accepts_json_with_charset(client: TestClient) -> None:
    response = client.post(
        "/xapi/statements",
        content=json.dumps(statement()),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


def test_statements_voided_only_via_voided_statement_id(client: TestClient) -> None:
    [target] = post(client, statement())
    [voiding] = post(
        client, statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target})
    )
    assert client.get(f"/xapi/statements?statementId={target}").status_code == 404
    assert client.get(f"/xapi/statements?voidedStatementId={target}").json()["id"] == target
    assert client.get(f"/xapi/statements?statementId={voiding}").status_code == 200
    ids = [s["id"] for s in client.get("/xapi/statements").json()["statements"]]
    assert target not in ids and voiding in ids


def test_statements_filter_includes_statements_targeting_a_match(client: TestClient) -> None:
    [target] = post(client, statement(verb={"id": "http://example.com/verbs/special"}))
    [ref] = post(client, statement(object={"objectType": "StatementRef", "id": target}))
    post(client, statement())
    ids = [
        s["id"]
        for s in client.get("/xapi/statements?verb=http://example.com/verbs/special").json()["statements"]
    ]
    assert sorted(ids) == sorted([target, ref])


SPECIAL = "http://example.com/verbs/special"


def ref_to(target: str, **extra: Any) -> dict[str, Any]:
    return statement(object={"objectType": "StatementRef", "id": target}, **extra)


def special_ids(client: TestClient, **params: str) -> list[str]:
    body = client.get("/xapi/statements", params={"verb": SPECIAL, **params}).json()
    return sorted(s["id"] for s in body["statements"])


def test_statements_filter_includes_a_chain_of_statements_targeting_a_match(client: TestClient) -> None:
    [target] = post(client, statement(verb={"id": SPECIAL}))
    [first] = post(client, ref_to(target))
    [second] = post(client, ref_to(first))  # targets a targeting statement: included too
    post(client, ref_to(str(uuid.uuid4())), statement())
    assert special_ids(client) == sorted([target, first, second])


def test_statements_filter_includes_statements_stored_before_their_target(client: TestClient) -> None:
    target, first = str(uuid.uuid4()), str(uuid.uuid4())
    [second] = post(client, ref_to(first))  # a chain whose end arrives last
    post(client, {**ref_to(target), "id": first})
    assert special_ids(client) == []
    post(client, {**statement(verb={"id": SPECIAL}), "id": target})
    assert special_ids(client) == sorted([target, first, second])


def test_statements_filter_of_several_conditions_needs_one_target_matching_all(client: TestClient) -> None:
    bob = {"objectType": "Agent", "mbox": "mailto:bob@example.com"}
    [special_by_ann] = post(client, statement(verb={"id": SPECIAL}))
    [by_bob] = post(client, statement(actor=bob))
    [ref_ann] = post(client, ref_to(special_by_ann))
    [chain] = post(client, ref_to(by_bob))  # bob's, but not special
    assert special_ids(client, agent=json.dumps(bob)) == []
    ann = json.dumps({"mbox": "mailto:ann@example.com"})
    assert special_ids(client, agent=ann) == sorted([special_by_ann, ref_ann])
    assert chain not in special_ids(client)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"verb": "http://example.com/v2"}, {"b"}, id="verb"),
        pytest.param({"activity": "http://example.com/a2"}, {"b"}, id="activity"),
        pytest.param(
            {"activity": "http://example.com/parent", "related_activities": "true"},
            {"c"},
            id="related-activities",
        ),
        pytest.param({"agent": json.dumps({"mbox": "mailto:bob@example.com"})}, {"c"}, id="agent"),
        pytest.param(
            {"agent": json.dumps({"mbox": "mailto:ins@example.com"}), "related_agents": "true"},
            {"c"},
            id="related-agents",
        ),
        pytest.param({"registration": "6f3b1a0e-3d1c-4e7e-9a3b-2b8f0a4c1d2e"}, {"a"}, id="registration"),
    ],
)
def test_statements_get_filters(client: TestClient, query: dict[str, str], expected: set[str]) -> None:
    a = statement(context={"registration": "6F3B1A0E-3D1C-4E7E-9A3B-2B8F0A4C1D2E"})
    b = statement(verb={"id": "http://example.com/v2"}, object={"id": "http://example.com/a2"})
    c = statement(
        actor={"mbox": "mailto:bob@example.com"},
        context={
            "instructor": {"mbox": "mailto:ins@example.com"},
            "contextActivities": {"parent": [{"id": "http://example.com/parent"}]},
        },
    )
    ids = dict(zip("abc", post(client, a, b, c), strict=True))
    got = {s["id"] for s in client.get("/xapi/statements", params=query).json()["statements"]}
    assert got == {ids[k] for k in expected}


def test_statements_since_until_and_ascending(client: TestClient) -> None:
    first = post(client, statement())[0]
    stored = client.get(f"/xapi/statements?statementId={first}").json()["stored"]
    second = post(client, statement())[0]
    since = client.get("/xapi/statements", params={"since": stored}).json()["statements"]
    until = client.get("/xapi/statements", params={"until": stored}).json()["statements"]
    asc = client.get("/xapi/statements", params={"ascending": "true"}).json()["statements"]
    assert [s["id"] for s in since] == [second]
    assert [s["id"] for s in until] == [first]
    assert [s["id"] for s in asc] == [first, second]


def test_statements_more_pages_through_everything_once(client: TestClient) -> None:
    ids = post(client, *[statement() for _ in range(5)])
    seen: list[str] = []
    page = client.get("/xapi/statements?limit=2").json()
    while True:
        seen += [s["id"] for s in page["statements"]]
        if not page["more"]:
            break
        assert page["more"].startswith("/xapi/statements?more=")
        page = client.get(page["more"]).json()
    assert sorted(seen) == sorted(ids) and len(seen) == 5


def test_statements_limit_zero_means_server_page_size(client: TestClient) -> None:
    post(client, *[statement() for _ in range(3)])
    assert len(client.get("/xapi/statements?limit=0").json()["statements"]) == 3


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("unknown=1", id="unknown-parameter"),
        pytest.param(f"statementId={uuid.uuid4()}&voidedStatementId={uuid.uuid4()}", id="both-ids"),
        pytest.param(f"statementId={uuid.uuid4()}&verb=http://x", id="statementId-with-filter"),
        pytest.param("agent={not json", id="malformed-agent"),
        pytest.param('agent={"name":"no ifi"}', id="agent-without-ifi"),
        pytest.param("since=yesterday", id="bad-since"),
        pytest.param("limit=-1", id="negative-limit"),
        pytest.param("format=full", id="bad-format"),
        pytest.param("ascending=maybe", id="bad-boolean"),
        pytest.param("more=garbage!", id="bad-more"),
    ],
)
def test_statements_get_refuses_bad_parameters(client: TestClient, query: str) -> None:
    response = client.get(f"/xapi/statements?{query}")
    assert response.status_code == 400
    assert "x-experience-api-consistent-through" in response.headers


def test_statements_format_ids_and_canonical(client: TestClient) -> None:
    [sid] = post(client, statement())
    ids = client.get(f"/xapi/statements?statementId={sid}&format=ids").json()
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
    assert ids["verb"] == {"id": "http://adlnet.gov/expapi/verbs/attempted"}
    assert ids["object"] == {"id": "http://example.com/course"}
    canonical = client.get(
        f"/xapi/statements?statementId={sid}&format=canonical", headers={"Accept-Language": "en-GB"}
    ).json()
    assert canonical["verb"]["display"] == {"en-GB": "attempted (GB)"}
    assert canonical["object"]["definition"]["name"] == {"en-GB": "Course (GB)"}
    exact = client.get(f"/xapi/statements?statementId={sid}", headers={"Accept-Language": "en-GB"}).json()
    assert set(exact["verb"]["display"]) == {"en-US", "en-GB"}


def test_statements_head_has_headers_and_no_body(client: TestClient) -> None:
    post(client, statement())
    response = client.head("/xapi/statements")
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"].startswith("application/json")


def test_statements_read_mine_sees_only_own(client: TestClient) -> None:
    from lrs.credentials import create_credential
    from tests.support import basic_auth

    post(client, statement())
    app = client.app
    client.portal.call(
        lambda: create_credential(
            app.state.db,
            "mine",
            [
                "statements/read/mine",  # type: ignore[attr-defined]
                "statements/write",
            ],
            key="mine",
            secret="mine-secret",
        )
    )
    headers = {"Authorization": basic_auth("mine", "mine-secret")}
    client.post("/xapi/statements", json=statement(), headers=headers)
    everything = client.get("/xapi/statements").json()["statements"]
    own = client.get("/xapi/statements", headers=headers).json()["statements"]
    assert len(everything) == 2 and len(own) == 1


def test_activities_returns_merged_definition_and_404(client: TestClient) -> None:
    post(
        client,
        statement(),
        statement(object={"id": "http://example.com/course", "definition": {"name": {"fr": "Cours"}}}),
    )
    got = client.get("/xapi/activities", params={"activityId": "http://example.com/course"})
    assert got.status_code == 200
    assert got.json()["definition"]["name"] == {"en-US": "Course", "en-GB": "Course (GB)", "fr": "Cours"}
    assert client.get("/xapi/activities", params={"activityId": "http://example.com/none"}).status_code == 404
    assert client.get("/xapi/activities").status_code == 400


def test_about_answers_without_version_header_or_auth(client: TestClient) -> None:
    response = client.get("/xapi/about", headers={"X-Experience-API-Version": "", "Authorization": ""})
    assert response.status_code == 200
    assert "2.0.0" in response.json()["version"] and "1.0.3" in response.json()["version"]


def test_activities_unknown_is_bare_activity_in_2_0(client: TestClient) -> None:
    response = client.get(
        "/xapi/activities",
        params={"activityId": "http://example.com/never"},
        headers={"X-Experience-API-Version": "2.0.0"},
    )
    assert response.status_code == 200
    assert response.json() == {"objectType": "Activity", "id": "http://example.com/never"}


def test_statements_single_context_activity_returned_as_array(client: TestClient) -> None:
    [sid] = post(client, statement(context={"contextActivities": {"parent": {"id": "http://example.com/p"}}}))
    got = client.get(f"/xapi/statements?statementId={sid}").json()
    assert got["context"]["contextActivities"]["parent"] == [{"id": "http://example.com/p"}]
