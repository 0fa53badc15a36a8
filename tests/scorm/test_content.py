"""Interactions of every type, objectives and comments in both versions; validation and its audit."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_AUDIT, SCORM_SESSIONS, STATEMENTS
from tests.scorm.helpers import attempt_detail, commit, find, find_one, post

INTERACTIONS_12 = [  # type, student_response, the xAPI response expected
    ("true-false", "t", "true"),
    ("choice", "a,b", "a[,]b"),
    ("fill-in", "Paris", "Paris"),
    ("matching", "1.a,2.b", "1[.]a[,]2[.]b"),
    ("performance", "step1", "step1"),
    ("sequencing", "c,a,b", "c[,]a[,]b"),
    ("likert", "4", "4"),
    ("numeric", "3.5", "3.5"),
]
INTERACTIONS_2004 = [
    ("true-false", "true", "true"),
    ("choice", "a[,]b", "a[,]b"),
    ("fill-in", "Paris", "Paris"),
    ("long-fill-in", "A long answer", "A long answer"),
    ("matching", "1[.]a[,]2[.]b", "1[.]a[,]2[.]b"),
    ("performance", "step1[.]done", "step1[.]done"),
    ("sequencing", "c[,]a[,]b", "c[,]a[,]b"),
    ("likert", "agree", "agree"),
    ("numeric", "3.5", "3.5"),
    ("other", "anything", "anything"),
]


def responded(client: TestClient, ids: list[str]) -> list[dict[str, Any]]:
    docs = {d["_id"]: d["statement"] for d in find(client, STATEMENTS, {"_id": {"$in": ids}})}
    return [docs[i] for i in ids if docs[i]["verb"]["id"].endswith("/responded")]


@pytest.mark.parametrize(
    ("version", "table"),
    [
        pytest.param("1.2", INTERACTIONS_12, id="scorm-1.2"),
        pytest.param("2004", INTERACTIONS_2004, id="scorm-2004"),
    ],
)
def test_commit_interactions_of_every_type(
    client: TestClient, version: str, table: list[tuple[str, str, str]]
) -> None:
    response_key = "student_response" if version == "1.2" else "learner_response"
    cmi = {}
    for n, (kind, response, _) in enumerate(table):
        cmi |= {
            f"cmi.interactions.{n}.id": f"q{n}",
            f"cmi.interactions.{n}.type": kind,
            f"cmi.interactions.{n}.{response_key}": response,
        }
    cmi["cmi.interactions.0.result"] = "correct"
    answer = post(client, commit(version, "s", 0, cmi))
    statements = responded(client, answer["statement_ids"])
    assert len(statements) == len(table)
    for statement, (kind, _, expected) in zip(statements, table, strict=True):
        assert statement["object"]["definition"]["interactionType"] == kind
        assert statement["result"]["response"] == expected
    assert statements[0]["result"]["success"] is True
    stored = attempt_detail(client)["interactions"]
    assert [i["type"] for i in stored] == [kind for kind, _, _ in table]
    again = post(client, commit(version, "s", 1, {"cmi.interactions.1.result": "neutral"}))
    assert len(responded(client, again["statement_ids"])) == 1  # only the changed interaction


def test_commit_objectives_become_objective_statements(client: TestClient) -> None:
    answer = post(
        client,
        commit(
            "2004",
            "s",
            0,
            {
                "cmi.objectives.0.id": "obj-a",
                "cmi.objectives.0.success_status": "passed",
                "cmi.objectives.0.score.scaled": "0.8",
                "cmi.objectives.1.id": "obj-b",
                "cmi.objectives.1.completion_status": "incomplete",
            },
        ),
    )
    statements = [d["statement"] for d in find(client, STATEMENTS, {"_id": {"$in": answer["statement_ids"]}})]
    about = sorted(
        (s["verb"]["id"].rsplit("/", 1)[1], s["object"]["id"].rsplit("/", 1)[1]) for s in statements
    )
    assert about == [("passed", "obj-a"), ("scored", "obj-a")]
    objectives = attempt_detail(client)["objectives"]
    assert [(o["id"], o["success"], o["score_scaled"]) for o in objectives] == [
        ("obj-a", "passed", 0.8),
        ("obj-b", "unknown", None),
    ]


@pytest.mark.parametrize(
    ("version", "first", "second", "texts"),
    [
        pytest.param(
            "1.2",
            {"cmi.comments": "Too long."},
            {"cmi.comments": "Too long. Typo on p3."},
            ["Too long.", "Typo on p3."],
            id="scorm-1.2-appended",
        ),
        pytest.param(
            "2004",
            {"cmi.comments_from_learner.0.comment": "Too long."},
            {
                "cmi.comments_from_learner.1.comment": "Typo on p3.",
                "cmi.comments_from_learner.1.location": "p3",
            },
            ["Too long.", "Typo on p3."],
            id="scorm-2004-indexed",
        ),
    ],
)
def test_commit_comments_become_commented_statements(
    client: TestClient, version: str, first: dict[str, str], second: dict[str, str], texts: list[str]
) -> None:
    ids = post(client, commit(version, "s", 0, first))["statement_ids"]
    ids += post(client, commit(version, "s", 1, second))["statement_ids"]
    statements = [find_one(client, STATEMENTS, i)["statement"] for i in ids]
    assert [s["result"]["response"] for s in statements] == texts
    assert all(s["verb"]["id"].endswith("/commented") for s in statements)
    assert len(attempt_detail(client)["comments"]) == (1 if version == "1.2" else 2)


def test_commit_invalid_cmi_is_422_naming_each_element_and_audited(client: TestClient) -> None:
    body = commit(
        "2004",
        "s",
        0,
        {
            "cmi.score.scaled": "1.5",
            "cmi.completion_status": "done",
            "cmi.core.lesson_status": "passed",
            "cmi.location": "ok",
        },
    )
    response = client.post("/scorm/commits", json=body, headers={"User-Agent": "player/1.0"})
    assert response.status_code == 422
    error = response.json()
    assert error["error"] == "invalid_commit"
    assert sorted((p["element"], p["value"]) for p in error["problems"]) == [
        ("cmi.completion_status", "done"),
        ("cmi.core.lesson_status", "passed"),
        ("cmi.score.scaled", "1.5"),
    ]
    assert "cmi.score.scaled='1.5': must be within [-1, 1]" in error["message"]
    [row] = find(client, SCORM_AUDIT, {"session_id": "s"})
    assert (row["outcome"], row["sequence"], row["user_agent"]) == ("rejected", 0, "player/1.0")
    assert {r["element"] for r in row["reasons"]} == {
        "cmi.score.scaled",
        "cmi.completion_status",
        "cmi.core.lesson_status",
    }
    assert find(client, SCORM_SESSIONS, {}) == [] and find(client, SCORM_ATTEMPTS, {}) == []
    log = client.get("/scorm/commits", params={"session_id": "s"}).json()["commits"]
    assert log[0]["payload"] == body and log[0]["outcome"] == "rejected"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"sequence": -1}, "sequence", id="negative-sequence"),
        pytest.param({"version": "3"}, "version", id="unknown-version"),
        pytest.param({"learner": {"name": "no id"}}, "learner.id", id="learner-without-id"),
        pytest.param({"event": "launch"}, "event", id="unknown-event"),
    ],
)
def test_commit_bad_shape_is_422_naming_the_field(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    response = client.post("/scorm/commits", json=commit("1.2", "s", 0, {}) | change)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request" and field in response.json()["fields"]
    assert find(client, SCORM_AUDIT, {})[0]["outcome"] == "rejected"
