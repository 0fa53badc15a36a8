"""No accepted write can break a read (issue 8): extreme but valid statements and commits are written,
then read back through every read path: statements by id and by query in every format, with
attachments, page by page; activities and agents; every report in JSON and CSV; the learner's next commit."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.settings import Settings
from tests.hardening.conftest import TRIED
from tests.support import MONGODB_URL, basic_auth, make_database, make_settings

HOME = "https://lms.example.com"
COURSES = "https://lms.example.com/xapi/courses/"
SETTINGS: Settings = make_settings()
MAX_DEPTH = SETTINGS.max_json_depth
MAX_S = int(SETTINGS.max_duration_seconds)
REPORTS = [
    "/reports/enrollments",
    "/reports/attempts",
    "/reports/time-spent",
    "/reports/time-spent?group=day",
    "/reports/attempt-counts",
    "/reports/courses",
    "/reports/abandoned-attempts?idle=1s",
]
EDGE_TIMESTAMPS = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00-01:00",
    "9999-12-31T23:59:59.999Z",
    "9999-12-31T23:59:59+01:00",
    "1970-01-01T00:00:00Z",
    "2026-11-20T10:00:00.123456789+14:00",
]

# --- strategies: extreme but valid ---------------------------------------------------------------
long_text = st.one_of(
    st.text(max_size=50),
    st.sampled_from(["", "\x00", "\u202eevil", "e\u0301", "\U0001f600" * 3000, "x" * 20_000, "$set", "a.b"]),
)
keys = long_text.filter(lambda k: "\x00" not in k)  # NUL in a key is refused (BSON keys are C strings)
int64 = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1), st.sampled_from([-(2**63), 2**63 - 1])
)
big_float = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1.7976931348623157e308, -1.7976931348623157e308, 5e-324, -0.0]),
)
scalar = st.one_of(st.none(), st.booleans(), int64, big_float, long_text)


def nest(value: Any, levels: int) -> Any:
    for _ in range(levels):
        value = [value] if levels % 2 else {"k": value}
    return value


def extension_value(levels_available: int) -> st.SearchStrategy[Any]:
    """A JSON value using at most `levels_available` levels, often all of them."""
    shallow = st.recursive(
        scalar,
        lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(keys, c, max_size=3)),
        max_leaves=8,
    )
    return st.one_of(
        shallow,
        st.builds(nest, scalar, st.just(levels_available)),
        st.builds(nest, scalar, st.integers(0, levels_available)),
    )


iri_tail = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=30)
durations = st.one_of(
    st.sampled_from(["PT0S", "P0D", f"PT{MAX_S}S", "P100Y", "P5214W", "PT0.01S", "P99Y11M29DT23H59M59.99S"]),
    st.integers(0, MAX_S).map(lambda n: f"PT{n}S"),
)
timestamps = st.one_of(
    st.sampled_from(EDGE_TIMESTAMPS),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
)


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    course = draw(iri_tail)
    learner = draw(st.text(alphabet=st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=40))
    raw = draw(big_float)
    # statement (1) -> result (2) -> extensions (3) -> the value's own levels
    levels = MAX_DEPTH - 3
    return {
        "id": str(uuid.uuid4()),  # fresh per example: a replayed example must not conflict with itself
        "actor": {
            "objectType": "Agent",
            "name": draw(long_text),
            "account": {"homePage": HOME, "name": learner},
        },
        "verb": {"id": f"http://example.com/verbs/{draw(iri_tail)}", "display": {"en-US": draw(long_text)}},
        "object": {
            "id": COURSES + quote(course, safe=""),
            "definition": {
                "name": {"en-US": draw(long_text), "zh-Hant-TW": draw(long_text)},
                "extensions": {f"http://example.com/ext/{draw(iri_tail)}": draw(extension_value(levels - 2))},
            },
        },
        "result": {
            "score": {
                "raw": raw,
                "min": min(raw, -1e308),
                "max": max(raw, 1e308),
                "scaled": draw(st.floats(-1, 1)),
            },
            "success": draw(st.booleans()),
            "duration": draw(durations),
            "response": draw(long_text),
            "extensions": {
                "http://example.com/ext/deep": draw(extension_value(levels)),
                "https://w3id.org/xapi/video/extensions/played-segments": draw(
                    st.sampled_from(["", f"0[.]{MAX_S}", "0[.]1.5[,]1[.]2", "1e308[.]2"])
                ),
            },
        },
        "context": {
            "registration": str(uuid.uuid4()),
            "contextActivities": {"parent": {"id": COURSES + quote(course, safe="")}},
            "extensions": {"https://w3id.org/xapi/video/extensions/session-id": draw(long_text)},
        },
        "timestamp": draw(timestamps),
    }


MAX_NUMBER = SETTINGS.max_cmi_number
decimal_text = st.one_of(
    st.decimals(min_value=-MAX_NUMBER, max_value=MAX_NUMBER, allow_nan=False, places=7).map(
        lambda d: format(d, "f")
    ),
    st.sampled_from([MAX_NUMBER, -MAX_NUMBER, 5e-324]).map(lambda f: format(Decimal(f), "f")),
)
# a numeric interaction's response is text, not a score: any finite real
response_text = big_float.map(lambda f: format(Decimal(f), "f"))


@st.composite
def commits(draw: st.DrawFn) -> dict[str, Any]:
    learner = draw(
        st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=30).filter(
            str.strip
        )
    )
    cmi = {
        "cmi.session_time": draw(durations.filter(lambda d: "W" not in d)),
        "cmi.score.raw": draw(decimal_text),
        "cmi.score.scaled": draw(st.sampled_from(["-1", "1", "0.5", "-0.0000001"])),
        "cmi.completion_status": draw(st.sampled_from(["completed", "incomplete", "unknown"])),
        "cmi.success_status": draw(st.sampled_from(["passed", "failed", "unknown"])),
        "cmi.location": draw(st.text(max_size=1000)),
        "cmi.suspend_data": draw(st.sampled_from(["", "\U0001f600" * 1000, "x" * 64000])),
        "cmi.interactions.0.id": "urn:q:" + draw(iri_tail),
        "cmi.interactions.0.type": "numeric",
        "cmi.interactions.0.learner_response": draw(response_text),
        "cmi.interactions.0.latency": draw(durations.filter(lambda d: "W" not in d)),
        "cmi.interactions.0.result": draw(st.sampled_from(["correct", "neutral", "12.5"])),
    }
    return {
        "learner": {"id": learner, "name": draw(long_text)},
        "course": {"id": draw(iri_tail), "title": draw(long_text)},
        "sco": {"id": draw(iri_tail), "title": draw(long_text)},
        "version": "2004",
        "session_id": str(uuid.uuid4()),
        "sequence": draw(st.integers(0, 2**31)),
        "event": draw(st.sampled_from(["initialize", "commit", "terminate"])),
        "cmi": cmi,
        "timestamp": draw(timestamps),
    }


# --- reading back ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reader() -> Iterator[TestClient]:
    database = make_database(SETTINGS)
    headers = {"Authorization": basic_auth(), "X-Experience-API-Version": "2.0.0"}
    with TestClient(create_app(SETTINGS, database), headers=headers, raise_server_exceptions=False) as client:
        yield client
        if MONGODB_URL:
            client.portal.call(database.drop)  # type: ignore[attr-defined]


def get(client: TestClient, url: str, params: dict[str, str] | None = None, status: int = 200) -> Any:
    TRIED["read-back"] += 1
    response = client.get(url, params=params)
    if response.status_code >= 500:
        TRIED["5xx"] += 1
    assert response.status_code == status, (url, params, response.status_code, response.text[:500])
    return response


def read_report(client: TestClient, path: str) -> None:
    body = get(client, path).json()
    assert isinstance(body["items"], list) and body["total"] >= 0
    for row in body["items"]:
        for key, value in row.items():
            if key.endswith("_s") and value is not None:
                assert 0 <= value <= 10**300, (path, key, value)  # finite, never null-for-infinity
    sep = "&" if "?" in path else "?"
    table = list(csv.reader(io.StringIO(get(client, f"{path}{sep}format=csv").text)))
    # (abandoned-attempts?idle=1s may gain rows between the two reads: compare shapes, not counts)
    assert table and all(len(row) == len(table[0]) for row in table)
    assert not any(cell in ("inf", "-inf", "nan") for row in table for cell in row)


def read_statement_paths(client: TestClient, statement: dict[str, Any]) -> None:
    sid = statement["id"]
    agent = json.dumps({"account": statement["actor"]["account"]})
    for fmt in ("exact", "ids", "canonical"):
        for attachments in ("false", "true"):
            get(client, "/xapi/statements", {"statementId": sid, "format": fmt, "attachments": attachments})
            query = {"agent": agent, "format": fmt, "attachments": attachments, "limit": "1"}
            page = get(client, "/xapi/statements", query)
            if attachments == "false" and page.json()["more"]:
                get(client, page.json()["more"])
    for query in (
        {"activity": statement["object"]["id"], "related_activities": "true", "ascending": "true"},
        {"verb": statement["verb"]["id"], "since": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59Z"},
        {},
    ):
        get(client, "/xapi/statements", query)
    get(client, "/xapi/activities", {"activityId": statement["object"]["id"]})
    get(client, "/xapi/agents", {"agent": agent})
    get(client, "/reports/learners/" + quote(statement["actor"]["account"]["name"], safe="") + "/courses")


@given(statement=statements())
def test_extreme_statement_is_read_back_through_every_path(
    reader: TestClient, statement: dict[str, Any]
) -> None:
    TRIED["read-back"] += 1
    response = reader.post("/xapi/statements", json=statement)
    assert response.status_code == 200, response.text[:500]
    exact = get(reader, "/xapi/statements", {"statementId": statement["id"]}).json()
    assert exact["result"]["extensions"] == statement["result"]["extensions"]
    assert exact["result"]["score"] == statement["result"]["score"]
    assert exact["object"]["definition"] == statement["object"]["definition"]
    read_statement_paths(reader, statement)
    for path in REPORTS:
        read_report(reader, path)


@given(commit=commits())
def test_extreme_commit_keeps_every_report_and_the_next_commit_working(
    reader: TestClient, commit: dict[str, Any]
) -> None:
    TRIED["read-back"] += 1
    first = reader.post("/scorm/commits", json=commit)
    assert first.status_code == 200, first.text[:500]
    attempt_id = first.json()["attempt"]["id"]
    following = {
        **commit,
        "sequence": commit["sequence"] + 1,
        "event": "commit",
        "cmi": {"cmi.session_time": "PT1S"},
    }
    TRIED["read-back"] += 1
    nxt = reader.post("/scorm/commits", json=following)
    assert nxt.status_code == 200, nxt.text[:500]
    TRIED["read-back"] += 1
    next_session = {
        **following,
        "session_id": str(uuid.uuid4()),
        "sequence": 0,
        "timestamp": "2026-11-20T10:00:00Z",
    }
    assert reader.post("/scorm/commits", json=next_session).status_code == 200
    for path in [*REPORTS, f"/reports/attempts/{attempt_id}"]:
        if path.startswith("/reports/attempts/"):
            get(reader, path)
            get(reader, path + "?format=csv")
        else:
            read_report(reader, path)
    get(reader, "/reports/learners/" + quote(commit["learner"]["id"], safe="") + "/courses")
    get(reader, "/scorm/commits", {"session_id": commit["session_id"]})
    for statement_id in first.json()["statement_ids"]:
        for fmt in ("exact", "canonical"):
            get(reader, "/xapi/statements", {"statementId": statement_id, "format": fmt})
