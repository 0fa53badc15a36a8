"""Issue 8 defects 2 and 5 over HTTP: input out of bounds is a 4xx naming what was wrong, stored
nothing (a batch is all or nothing), and never leaves behind data that breaks a later read."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

HOME = "https://lms.example.com"
COURSE_IRI = "https://lms.example.com/xapi/courses/c1"
AGENT = json.dumps({"mbox": "mailto:ann@example.com"})
REPORTS = [
    "/reports/enrollments",
    "/reports/attempts",
    "/reports/time-spent",
    "/reports/attempt-counts",
    "/reports/learners/u1/courses",
    "/reports/courses",
    "/reports/abandoned-attempts",
]
DOCUMENT_LISTS = [
    ("/xapi/activities/state", {"activityId": COURSE_IRI, "agent": AGENT}),
    ("/xapi/activities/profile", {"activityId": COURSE_IRI}),
    ("/xapi/agents/profile", {"agent": AGENT}),
]
EAST_OF_YEAR_1 = "0001-01-01T00:00:00+01:00"
WEST_OF_YEAR_9999 = "9999-12-31T23:59:59-01:00"


def statement(**extra: Any) -> dict[str, Any]:
    return {
        "actor": {"account": {"homePage": HOME, "name": "u1"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": COURSE_IRI},
        **extra,
    }


def deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def commit(sequence: Any, cmi: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "learner": {"id": "u1"},
        "course": {"id": "c1"},
        "sco": {"id": "s1"},
        "version": "2004",
        "session_id": "session-1",
        "sequence": sequence,
        "cmi": cmi,
        **extra,
    }


def stored_count(client: TestClient) -> int:
    response = client.get("/xapi/statements", params={"limit": "100"})
    assert response.status_code == 200, response.text
    return len(response.json()["statements"])


def assert_error(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] and body["message"]
    if field is not None:
        assert body["field"] == field, body
    return body


@pytest.mark.parametrize("levels", [250, 252, 482, 600])
def test_statements_deeply_nested_extension_is_refused_and_the_batch_stores_nothing(
    client: TestClient, levels: int
) -> None:
    batch = [statement(), statement(result={"extensions": {"http://example.com/e": deep(levels)}})]
    body = assert_error(client.post("/xapi/statements", json=batch), 400)
    assert "LRS_MAX_JSON_DEPTH" in body["message"] and body["field"].startswith("[1].result.extensions")
    assert stored_count(client) == 0


def test_statements_nesting_up_to_the_limit_is_stored_and_read_back(client: TestClient) -> None:
    # level 1 the statement, 2 result, 3 extensions, then the value: 64 levels in all
    value = deep(61)
    response = client.post(
        "/xapi/statements", json=statement(result={"extensions": {"http://e.org/x": value}})
    )
    assert response.status_code == 200, response.text
    sid = response.json()[0]
    assert client.get("/xapi/statements").status_code == 200
    again = client.get("/xapi/statements", params={"statementId": sid})
    assert again.json()["result"]["extensions"]["http://e.org/x"] == value


def test_statements_nul_in_an_extension_key_is_400_and_the_batch_stores_nothing(client: TestClient) -> None:
    bad = statement(result={"extensions": {"http://example.com/e": {"a\u0000b": 1}}})
    assert_error(client.post("/xapi/statements", json=[statement(), bad]), 400, "a\x00b")
    bad_key = statement(result={"extensions": {"http://example.com/\u0000": 1}})
    assert_error(client.post("/xapi/statements", json=[statement(), bad_key]), 400)
    assert stored_count(client) == 0


def test_statements_numbers_beyond_int64_or_float_are_400(client: TestClient) -> None:
    for literal in (str(2**63), "1e400", "9" * 5000):
        raw = json.dumps(statement(result={"extensions": {"http://e.org/n": 0}})).replace(
            " 0}", f" {literal}}}"
        )
        response = client.post("/xapi/statements", content=raw, headers={"Content-Type": "application/json"})
        assert_error(response, 400, "result.extensions.http://e.org/n")
    assert stored_count(client) == 0


@pytest.mark.parametrize(
    "duration",
    ["P" + "9" * 30 + "Y", "PT" + "9" * 400 + "S", "P100000000W", "P101Y"],
)
def test_statements_duration_over_the_maximum_is_400(client: TestClient, duration: str) -> None:
    response = client.post("/xapi/statements", json=[statement(), statement(result={"duration": duration})])
    body = assert_error(response, 400, "[1].result.duration")
    assert "LRS_MAX_DURATION_SECONDS" in body["message"]
    assert stored_count(client) == 0


def test_statements_duration_at_the_maximum_is_stored_and_reported(client: TestClient) -> None:
    assert client.post("/xapi/statements", json=statement(result={"duration": "P100Y"})).status_code == 200
    items = client.get("/reports/time-spent").json()["items"]
    assert [row["learner"] for row in items] == ["u1"]
    assert all(isinstance(v, int | float) for row in items for k, v in row.items() if k.endswith("_s"))
    assert "inf" not in client.get("/reports/time-spent?format=csv").text


def test_statements_duplicate_keys_are_400_naming_the_key(client: TestClient) -> None:
    raw = b'{"actor": {"mbox": "mailto:a@b.c"}, "verb": {"id": "http://e.org/v"}, "object": {"id": "http://e.org/a"}, "object": {"id": "http://e.org/b"}}'
    body = assert_error(
        client.post("/xapi/statements", content=raw, headers={"Content-Type": "application/json"}),
        400,
        "object",
    )
    assert "duplicate key 'object'" in body["message"]


@pytest.mark.parametrize("value", [EAST_OF_YEAR_1, WEST_OF_YEAR_9999])
def test_statements_dates_outside_the_range_are_400(client: TestClient, value: str) -> None:
    for name in ("since", "until"):
        assert_error(client.get("/xapi/statements", params={name: value}), 400, name)
    assert_error(client.post("/xapi/statements", json=statement(timestamp=value)), 400, "[0].timestamp")
    stored = {"stored": value, "authority": {"mbox": "mailto:x@e.org"}}
    assert_error(client.post("/xapi/statements", json=[statement(**stored)]), 400, "[0].stored")


def test_statements_limit_with_thousands_of_digits_is_400(client: TestClient) -> None:
    assert_error(client.get("/xapi/statements", params={"limit": "9" * 5000}), 400, "limit")


@pytest.mark.parametrize(("path", "params"), DOCUMENT_LISTS)
@pytest.mark.parametrize("value", [EAST_OF_YEAR_1, WEST_OF_YEAR_9999])
def test_documents_since_outside_the_range_is_400(
    client: TestClient, path: str, params: dict[str, str], value: str
) -> None:
    assert_error(client.get(path, params={**params, "since": value}), 400, "since")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        pytest.param(b'{"a": 1, "a": 2}', "a", id="duplicate-key"),
        pytest.param(json.dumps({"a": deep(70)}).encode(), None, id="too-deep"),
        pytest.param(b'{"n": 1e400}', "n", id="infinite-number"),
    ],
)
def test_documents_json_out_of_bounds_is_400(client: TestClient, raw: bytes, field: str | None) -> None:
    params = {"activityId": COURSE_IRI, "agent": AGENT, "stateId": "s1"}
    for method in ("PUT", "POST"):
        response = client.request(
            method,
            "/xapi/activities/state",
            params=params,
            content=raw,
            headers={"Content-Type": "application/json"},
        )
        assert_error(response, 400, field)
    assert client.get("/xapi/activities/state", params=params).status_code == 404


def test_state_activity_id_must_be_an_iri(client: TestClient) -> None:
    params = {"activityId": "nope", "agent": AGENT, "stateId": "s1"}
    assert_error(client.put("/xapi/activities/state", params=params, json={"a": 1}), 400, "activityId")
    assert_error(client.get("/xapi/activities/state", params=params), 400, "activityId")


@pytest.mark.parametrize("path", REPORTS)
@pytest.mark.parametrize(
    ("name", "value"), [("from", EAST_OF_YEAR_1), ("to", WEST_OF_YEAR_9999), ("to", "9999-12-31")]
)
def test_reports_dates_outside_the_range_are_400(
    client: TestClient, path: str, name: str, value: str
) -> None:
    assert_error(client.get(path, params={name: value}), 400, name)


@pytest.mark.parametrize("path", REPORTS)
def test_reports_limit_and_offset_with_thousands_of_digits_are_400(client: TestClient, path: str) -> None:
    for name in ("limit", "offset"):
        assert_error(client.get(path, params={name: "9" * 5000}), 400, name)


def test_reports_idle_beyond_the_maximum_is_400(client: TestClient) -> None:
    body = assert_error(client.get("/reports/abandoned-attempts", params={"idle": "100000000w"}), 400, "idle")
    assert "LRS_MAX_DURATION_SECONDS" in body["message"]
    assert client.get("/reports/abandoned-attempts", params={"idle": "5200w"}).status_code == 200


def test_commits_sequence_beyond_int64_is_400(client: TestClient) -> None:
    raw = json.dumps(commit(0, {})).replace('"sequence": 0', f'"sequence": {2**63}')
    body = assert_error(
        client.post("/scorm/commits", content=raw, headers={"Content-Type": "application/json"}),
        400,
        "sequence",
    )
    assert "64-bit" in body["message"]


@pytest.mark.parametrize("value", [EAST_OF_YEAR_1, WEST_OF_YEAR_9999])
def test_commits_timestamp_outside_the_range_is_refused(client: TestClient, value: str) -> None:
    assert_error(client.post("/scorm/commits", json=commit(1, {}, timestamp=value)), 422, "timestamp")


def test_commits_duplicate_keys_are_400_naming_the_key(client: TestClient) -> None:
    raw = json.dumps(commit(1, {})).replace('"sequence": 1', '"sequence": 1, "sequence": 2')
    assert_error(
        client.post("/scorm/commits", content=raw, headers={"Content-Type": "application/json"}),
        400,
        "sequence",
    )


def test_commits_too_deep_are_400(client: TestClient) -> None:
    assert_error(client.post("/scorm/commits", json={**commit(1, {}), "extra": deep(80)}), 400)


@pytest.mark.parametrize(
    ("element", "value"),
    [
        ("cmi.session_time", "PT" + "9" * 400 + "S"),
        ("cmi.total_time", "P101Y"),
        ("cmi.session_time", "P" + "9" * 30 + "Y"),
    ],
)
def test_commits_infinite_or_too_long_duration_is_422_and_the_learner_keeps_working(
    client: TestClient, element: str, value: str
) -> None:
    response = client.post("/scorm/commits", json=commit(1, {element: value}))
    body = assert_error(response, 422)
    assert body["problems"][0]["element"] == element
    nxt = client.post("/scorm/commits", json=commit(2, {"cmi.session_time": "PT10S"}))
    assert nxt.status_code == 200, nxt.text
    for path in ("/reports/time-spent", "/reports/enrollments"):
        rows = client.get(path).json()["items"]
        assert rows and all(
            row[k] == 10.0 for row in rows for k in ("total_time_s", "time_spent_s") if k in row
        )
    assert "inf" not in client.get("/reports/time-spent?format=csv").text


def test_commits_duration_at_the_maximum_is_applied_and_reported(client: TestClient) -> None:
    assert client.post("/scorm/commits", json=commit(1, {"cmi.session_time": "P100Y"})).status_code == 200
    assert client.post("/scorm/commits", json=commit(2, {"cmi.session_time": "P100Y"})).status_code == 200
    rows = client.get("/reports/time-spent").json()["items"]
    assert rows and all(
        isinstance(v, int | float) for row in rows for k, v in row.items() if k.endswith("_s")
    )


@pytest.mark.parametrize(
    ("element", "value"),
    [
        ("cmi.score.raw", "9" * 400),
        ("cmi.score.raw", "1" + "0" * 16),
        ("cmi.score.max", "-1" + "0" * 16),
        ("cmi.interactions.0.weighting", "9" * 400),
    ],
)
def test_commits_score_beyond_the_maximum_magnitude_is_422(
    client: TestClient, element: str, value: str
) -> None:
    cmi = {element: value, "cmi.interactions.0.id": "q1"} if "interactions" in element else {element: value}
    body = assert_error(client.post("/scorm/commits", json=commit(1, cmi)), 422)
    assert [p["element"] for p in body["problems"]] == [element]


def test_commits_scores_at_the_maximum_magnitude_keep_report_averages_finite(client: TestClient) -> None:
    for n, learner in enumerate(("u1", "u2", "u3")):
        cmi = {"cmi.score.raw": "1" + "0" * 15, "cmi.success_status": "passed"}
        response = client.post(
            "/scorm/commits", json={**commit(1, cmi), "learner": {"id": learner}, "session_id": f"s{n}"}
        )
        assert response.status_code == 200, response.text
    row = client.get("/reports/courses").json()["items"][0]
    assert row["average_score"] == 1e15
    assert "inf" not in client.get("/reports/courses?format=csv").text


@pytest.mark.parametrize("learner", ["a/b", "/", "x/courses", "a//b"])
def test_reports_learner_courses_reads_learner_ids_holding_slashes(client: TestClient, learner: str) -> None:
    assert (
        client.post("/scorm/commits", json={**commit(1, {}), "learner": {"id": learner}}).status_code == 200
    )
    response = client.get("/reports/learners/" + quote(learner, safe="") + "/courses")
    assert response.status_code == 200, response.text
    assert [row["course"] for row in response.json()["items"]] == ["c1"]
