"""Commit limits are checked before the merge: 413 naming the setting and the element, nothing stored
but the audit row (issue 8: 1,001 interactions were refused only after the attempt held them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.storage.indexes import (
    SCORM_ATTEMPTS,
    SCORM_AUDIT,
    SCORM_COMMITS,
    SCORM_ENROLLMENTS,
    SCORM_SESSIONS,
    STATEMENTS,
)
from tests.scorm.helpers import attempt_of, commit, find, find_one, post
from tests.support import basic_auth, make_database, make_settings


def interactions(first: int, count: int) -> dict[str, str]:
    return {f"cmi.interactions.{n}.id": f"q{n}" for n in range(first, first + count)}


def test_limits_1001_interactions_are_refused_before_anything_is_stored(client: TestClient) -> None:
    response = client.post("/scorm/commits", json=commit("2004", "s", 0, interactions(0, 1001), "initialize"))
    assert response.status_code == 413
    body = response.json()
    assert body["field"] == "cmi.interactions.1000" and body["limit"] == 1000
    assert "LRS_MAX_INTERACTIONS_PER_ATTEMPT" in body["message"]
    for name in (SCORM_ATTEMPTS, SCORM_SESSIONS, SCORM_ENROLLMENTS, SCORM_COMMITS, STATEMENTS):
        assert find(client, name, {}) == [], name
    assert [r["outcome"] for r in find(client, SCORM_AUDIT, {})] == ["rejected"]
    # the same sequence, within the limit, is applied once
    answered = {f"cmi.interactions.{n}.learner_response": "r" for n in range(1000)}
    types = {f"cmi.interactions.{n}.type": "other" for n in range(1000)}
    answer = post(client, commit("2004", "s", 0, interactions(0, 1000) | answered | types, "initialize"))
    assert answer["outcome"] == "applied" and answer["attempt"]["commit_count"] == 1
    # initialized + one responded per interaction: more than LRS_MAX_BATCH_STATEMENTS, stored in parts
    assert len(answer["statement_ids"]) == 1001 == len(find(client, STATEMENTS, {}))


@pytest.fixture
def small() -> Iterator[TestClient]:
    settings = make_settings(
        max_interactions_per_attempt=3,
        max_objectives_per_attempt=2,
        max_attempt_cmi_bytes=300,
        max_commit_cmi_bytes=280,
    )
    with TestClient(
        create_app(settings, make_database(settings)), headers={"Authorization": basic_auth()}
    ) as c:
        yield c


@pytest.mark.parametrize(
    ("second", "field", "setting"),
    [
        pytest.param(
            interactions(2, 2), "cmi.interactions.3", "LRS_MAX_INTERACTIONS_PER_ATTEMPT", id="interactions"
        ),
        pytest.param(
            {"cmi.objectives.0.id": "a", "cmi.objectives.1.id": "b", "cmi.objectives.2.id": "c"},
            "cmi.objectives.2",
            "LRS_MAX_OBJECTIVES_PER_ATTEMPT",
            id="objectives",
        ),
        pytest.param({"cmi.suspend_data": "x" * 250}, "cmi", "LRS_MAX_ATTEMPT_CMI_BYTES", id="attempt-bytes"),
        pytest.param({"cmi.suspend_data": "x" * 281}, "cmi", "LRS_MAX_COMMIT_CMI_BYTES", id="commit-bytes"),
    ],
)
def test_limits_of_the_attempt_are_checked_before_the_merge(
    small: TestClient, second: dict[str, str], field: str, setting: str
) -> None:
    post(small, commit("2004", "s", 0, {"cmi.entry": "ab-initio", **interactions(0, 2)}, "initialize"))
    before = find_one(small, SCORM_ATTEMPTS, attempt_of(1))
    statements = len(find(small, STATEMENTS, {}))
    response = small.post("/scorm/commits", json=commit("2004", "s", 1, second))
    assert response.status_code == 413, response.text
    assert response.json()["field"] == field and setting in response.json()["message"]
    assert find_one(small, SCORM_ATTEMPTS, attempt_of(1)) == before  # nothing merged
    assert len(find(small, STATEMENTS, {})) == statements
    assert find(small, SCORM_COMMITS, {"sequence": 1}) == []
    assert [r["outcome"] for r in find(small, SCORM_AUDIT, {"sequence": 1})] == ["rejected"]
    # a commit within the limits still applies as the session's next one
    assert post(small, commit("2004", "s", 2, {"cmi.location": "p"}))["attempt"]["commit_count"] == 2
