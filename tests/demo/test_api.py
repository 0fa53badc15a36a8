"""The demo's pages over HTTP: off by default, demo learners only, package files confined."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from tests.support import make_database, make_settings


@pytest.fixture
def demo() -> Iterator[TestClient]:
    settings = make_settings(demo=True)
    with TestClient(create_app(settings, make_database(settings))) as client:
        yield client


def _answer(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="launch-answer">(.*?)</script>', html)
    assert match, "the launcher page carries the launch answer"
    return dict(json.loads(match.group(1)))


@pytest.mark.parametrize(
    "path", ["/demo/", "/demo/launch?package=scorm12-single", "/demo/packages/scorm12-single/index.html"]
)
def test_demo_off_by_default_answers_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_demo_index_lists_every_test_package_sco(demo: TestClient) -> None:
    html = demo.get("/demo/").text
    for sco in (
        "item-fire-safety",
        "item-lesson",
        "item-quiz",
        "item-first-aid",
        "item-intro",
        "item-assessment",
    ):
        assert f"sco={sco}" in html
    assert "LRS_DEMO=true" in html


def test_demo_launch_page_starts_the_runtime_from_a_real_launch(demo: TestClient) -> None:
    response = demo.get("/demo/launch?package=scorm2004-single&learner=demo-ann&name=Ann&autocommit=5")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    answer = _answer(html)
    assert answer["version"] == "2004" and answer["entry"] == "ab-initio"
    assert answer["learner"] == {"id": "demo-ann", "name": "Ann"}
    assert answer["course"] == {"id": "demo-scorm2004-single", "title": "First aid essentials"}
    cmi = answer["cmi"]
    assert isinstance(cmi, dict)
    assert (cmi["cmi.scaled_passing_score"], cmi["cmi.launch_data"]) == ("0.8", "unit=1")
    assert (cmi["cmi.objectives.0.id"], cmi["cmi.objectives.1.id"]) == ("obj-1", "obj-2")
    assert '<script src="http://testserver/scorm/runtime/v1/lrs-bridge-runtime.js"></script>' in html
    assert '{"autocommitSeconds": 5.0}' in html
    assert 'src="/demo/packages/scorm2004-single/index.html"' in html
    # the runtime starts in <head>, before the content frame exists
    assert html.index("LrsBridge.start(") < html.index("<iframe")


def test_demo_launch_passes_content_parameters_after_the_manifest_ones(demo: TestClient) -> None:
    html = demo.get(
        "/demo/launch?package=scorm12-multi&sco=item-quiz&learner=demo-ann&content=score%3D90"
    ).text
    assert 'src="/demo/packages/scorm12-multi/quiz.html?mode=quiz&amp;score=90"' in html
    assert _answer(html)["cmi"]["cmi.student_data.mastery_score"] == "70"  # type: ignore[index]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        pytest.param("package=scorm12-single&learner=u42", 400, "learner", id="real-learner-id"),
        pytest.param("package=nope&learner=demo-a", 404, "package", id="unknown-package"),
        pytest.param("package=scorm12-single&learner=demo-a&sco=nope", 404, "sco", id="unknown-sco"),
        pytest.param(
            "package=scorm12-single&learner=demo-a&autocommit=x", 400, "autocommit", id="bad-option"
        ),
    ],
)
def test_demo_launch_refuses_what_it_cannot_launch(
    demo: TestClient, query: str, status: int, field: str
) -> None:
    response = demo.get(f"/demo/launch?{query}")
    assert response.status_code == status
    assert response.json()["field"] == field


def test_demo_package_files_are_served_and_confined(demo: TestClient) -> None:
    ok = demo.get("/demo/packages/scorm12-single/sco.js")
    assert ok.status_code == 200 and "findAPI" in ok.text
    for path in ("/demo/packages/scorm12-single/../../conftest.py", "/demo/packages/scorm12-single/%2e%2e/x"):
        assert demo.get(path).status_code == 404


def test_demo_results_show_what_the_bridge_recorded(demo: TestClient) -> None:
    answer = _answer(demo.get("/demo/launch?package=scorm12-single&learner=demo-bo").text)
    commit = {
        "learner": answer["learner"],
        "course": answer["course"],
        "sco": {"id": "item-fire-safety", "title": "Fire safety basics"},
        "version": "1.2",
        "session_id": answer["session_id"],
        "sequence": 0,
        "event": "terminate",
        "cmi": {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "88"},
        "timestamp": "2026-12-01T10:00:00Z",
    }
    posted = demo.post("/scorm/commits", json=commit, headers={"Authorization": f"Bearer {answer['token']}"})
    assert posted.status_code == 200, posted.text
    html = demo.get("/demo/results?learner=demo-bo").text
    assert "<td>Fire safety basics</td><td>passed</td><td>88.0</td><td>1</td>" in html
