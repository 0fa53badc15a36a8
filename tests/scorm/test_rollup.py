"""Course rollup: the pure rules over organization trees, and a multi-SCO course over HTTP."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from lrs.scorm.manifest import parse_manifest
from lrs.scorm.rollup import Status, course_status, roll_up
from lrs.storage.indexes import SCORM_ENROLLMENTS
from tests.scorm.helpers import COURSE, ENROLLMENT, LEARNER, find_one
from tests.scorm.test_launches import bearer_post, runtime_commit
from tests.scorm.test_manifest import load

DONE = Status("completed", "unknown", None, True)
PASSED = Status("completed", "passed", 0.9, True)
FAILED = Status("completed", "failed", 0.3, True)
STARTED = Status("incomplete", "unknown", None, True)


def organization(name: str) -> dict[str, Any]:
    manifest = parse_manifest(load(name))
    org: dict[str, Any] = orjson.loads(orjson.dumps(manifest.organizations[0]))
    return org


GOLF = ("playing_item", "etiquette_item", "handicap_item")


@pytest.mark.parametrize(
    ("statuses", "completion", "success", "status"),
    [
        pytest.param({}, "unknown", "unknown", "in progress", id="nothing-yet"),
        pytest.param({"playing_item": DONE}, "incomplete", "unknown", "in progress", id="one-of-three"),
        pytest.param({s: DONE for s in GOLF}, "completed", "unknown", "completed", id="all-completed"),
        pytest.param({s: PASSED for s in GOLF}, "completed", "passed", "passed", id="all-passed"),
        pytest.param(
            {"playing_item": FAILED, "etiquette_item": PASSED, "handicap_item": PASSED},
            "completed",
            "failed",
            "failed",
            id="one-failed-all-known",
        ),
        pytest.param(
            {"playing_item": PASSED, "etiquette_item": DONE, "handicap_item": PASSED},
            "completed",
            "unknown",
            "completed",
            id="success-unknown-for-one",
        ),
    ],
)
def test_rollup_defaults_over_a_nested_12_organization(
    statuses: dict[str, Status], completion: str, success: str, status: str
) -> None:
    rolled = roll_up(organization("golf_12.xml"), statuses)
    assert rolled is not None
    assert (rolled.completion, rolled.success, course_status(rolled)) == (completion, success, status)


def test_rollup_measure_is_the_weighted_mean_with_unknown_as_zero() -> None:
    rolled = roll_up(organization("golf_12.xml"), {"playing_item": PASSED, "etiquette_item": FAILED})
    assert rolled is not None and rolled.measure == pytest.approx((0.9 + (0.3 + 0) / 2 * 1) / 2)


def test_rollup_2004_rules_exclusions_and_any_child_satisfied() -> None:
    org = organization("nested_2004_4th.xml")
    # sco_intro does not count for success (rollupObjectiveSatisfied="false"); module_2 is satisfied
    # by any satisfied child (its own rule)
    statuses = {"sco_intro": FAILED, "sco_hazards": PASSED, "sco_exam": PASSED}
    rolled = roll_up(org, statuses)
    assert rolled is not None and (rolled.completion, rolled.success) == ("completed", "passed")
    rolled = roll_up(org, statuses | {"sco_hazards": FAILED})
    assert rolled is not None and rolled.success == "failed"
    rolled = roll_up(org, {"sco_intro": DONE, "sco_hazards": PASSED})
    assert rolled is not None and (rolled.completion, rolled.success) == ("incomplete", "unknown")


def test_rollup_multi_sco_course_completes_when_every_sco_has(client: TestClient) -> None:
    package = client.post(
        "/scorm/packages", params={"course": COURSE["id"]}, content=load("golf_12.xml")
    ).json()
    statuses = []
    for sco in GOLF:
        body = {"learner": LEARNER, "course": COURSE, "package": package["id"], "sco": sco}
        started = client.post("/scorm/launches", json=body).json()
        assert started["attempt"] == 1
        cmi = {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "70", "cmi.core.exit": ""}
        answer = bearer_post(client, started["token"], runtime_commit(started, 0, cmi, "terminate"))
        statuses.append(answer["enrollment"]["status"])
        enrollment = find_one(client, SCORM_ENROLLMENTS, ENROLLMENT)
        assert enrollment["status"] == statuses[-1]
        assert (enrollment["completed_at"] is None) == (sco != GOLF[-1])
    assert statuses == ["in progress", "in progress", "completed"]
    rollup = find_one(client, SCORM_ENROLLMENTS, ENROLLMENT)["rollup"]
    assert (rollup["scos"], rollup["scos_completed"], rollup["score_raw"]) == (3, 3, 70.0)
    report = client.get("/reports/enrollments", params={"learner": LEARNER["id"]}).json()["items"][0]
    assert report["status"] == "completed"


def test_rollup_multi_sco_launch_resumes_each_sco_with_its_own_data(client: TestClient) -> None:
    package = client.post(
        "/scorm/packages", params={"course": COURSE["id"]}, content=load("golf_12.xml")
    ).json()

    def start(sco: str) -> Any:
        body = {"learner": LEARNER, "course": COURSE, "package": package["id"], "sco": sco}
        return client.post("/scorm/launches", json=body).json()

    first = start("playing_item")
    suspend = {
        "cmi.core.lesson_location": "p-3",
        "cmi.suspend_data": "playing",
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.exit": "suspend",
        "cmi.core.session_time": "00:02:00",
    }
    bearer_post(client, first["token"], runtime_commit(first, 0, suspend, "terminate"))
    other = start("etiquette_item")
    assert (other["attempt"], other["entry"], other["cmi"]["cmi.core.lesson_location"]) == (
        1,
        "ab-initio",
        "",
    )
    assert "cmi.core.lesson_status" not in other["cmi"]
    done = {"cmi.core.lesson_status": "completed", "cmi.core.exit": "", "cmi.core.session_time": "00:05:00"}
    bearer_post(client, other["token"], runtime_commit(other, 0, done, "terminate"))
    again = start("playing_item")
    assert (again["attempt"], again["entry"]) == (1, "resume")
    assert (again["cmi"]["cmi.core.lesson_location"], again["cmi"]["cmi.suspend_data"]) == ("p-3", "playing")
    assert (again["cmi"]["cmi.core.lesson_status"], again["cmi"]["cmi.core.total_time"]) == (
        "incomplete",
        "0000:02:00.00",
    )
    # the SCO that ended normally starts over (its recorded completion still counts in the rollup)
    assert start("etiquette_item")["entry"] == "ab-initio"
