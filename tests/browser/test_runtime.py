"""The browser runtime in headless Chromium: the project's SCORM packages, launched through the demo's
launcher page (or an LMS page built from POST /scorm/launches), against a real uvicorn; every report
figure checked afterwards."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import BrowserContext, Frame, Page, Route
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import Bridge, keep_screenshot

pytestmark = pytest.mark.uvicorn

FAST = {"retry_base_ms": "100", "retry_max_ms": "400", "autocommit": "0"}


def launch(page: Page, bridge: Bridge, package: str, learner: str, **params: str) -> dict[str, Any]:
    """Open the launcher page for a demo learner; the launch answer it started the runtime with."""
    query = {"package": package, "learner": learner, **FAST, **params}
    page.goto(f"{bridge.base}/demo/launch?{urlencode(query)}")
    return dict(page.evaluate("JSON.parse(document.getElementById('launch-answer').textContent)"))


def content(page: Page) -> Frame:
    """The SCO's frame, once it found the API and ran what its URL asked."""
    frame = page.frame(name="content")
    assert frame is not None
    frame.wait_for_function("window.sco && window.sco.ready")
    return frame


def settled(page: Page, acknowledged: int) -> dict[str, Any]:
    """Wait until the runtime has nothing queued and the bridge acknowledged `acknowledged` commits."""
    page.wait_for_function(
        "n => { const c = window.LrsBridge.current;"
        " return c && c.pending === 0 && !c.sender.busy && c.stats.acknowledged >= n; }",
        arg=acknowledged,
    )
    return dict(page.evaluate("JSON.parse(JSON.stringify(window.LrsBridge.current.stats))"))


def applied(bridge: Bridge, session_id: str) -> list[int]:
    """The sequences of a session the bridge applied, in order received."""
    return [c["sequence"] for c in bridge.audit(session_id) if c["outcome"] == "applied"]


def eventually(check: Any, seconds: float = 10.0) -> None:
    """Poll a condition the browser makes true in the background (a keepalive request in flight)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def enrollment(bridge: Bridge, learner: str) -> dict[str, Any]:
    items = bridge.report("/reports/enrollments", learner=learner)["items"]
    assert len(items) == 1, items
    return dict(items[0])


def attempts(bridge: Bridge, learner: str) -> list[dict[str, Any]]:
    return list(bridge.report("/reports/attempts", learner=learner)["items"])


def test_runtime_tracks_a_scorm12_course_end_to_end(page: Page, bridge: Bridge) -> None:
    learner = "demo-full-12"
    answer = launch(
        page,
        bridge,
        "scorm12-single",
        learner,
        content="interactions=3&objectives=2&score=92&status=passed&location=p5&session=75"
        "&comment=clear&commit=1&exit=logout&finish=1",
    )
    sco = content(page)
    assert sco.evaluate("window.sco.start") == {
        "entry": "ab-initio",
        "location": "",
        "suspend": "",
        "learner": "Demo Learner",
        "learnerId": learner,
        "mode": "normal",
        "launchData": "chapter=1",
    }
    stats = settled(page, 3)  # initialize, commit, terminate
    assert stats["rejected"] == 0
    assert applied(bridge, answer["session_id"]) == [0, 1, 2]

    row = enrollment(bridge, learner)
    assert row["status"] == "passed"
    assert (row["attempts"], row["best_score_raw"], row["best_score_scaled"]) == (1, 92.0, 0.92)
    assert row["time_spent_s"] == 75.0 and row["time_measured"] is False
    assert row["completed_at"] is not None
    (attempt,) = attempts(bridge, learner)
    assert (attempt["completion_status"], attempt["success_status"]) == ("completed", "passed")
    assert (attempt["score_raw"], attempt["score_min"], attempt["score_max"]) == (92.0, 0.0, 100.0)
    assert (attempt["sessions"], attempt["commit_count"], attempt["version"]) == (1, 3, "1.2")
    detail = bridge.report(f"/reports/attempts/{attempt['attempt_id']}")
    assert detail["cmi"]["cmi.core.lesson_location"] == "p5"
    assert detail["cmi"]["cmi.core.exit"] == "logout"
    assert detail["cmi"]["cmi.comments"] == "clear"
    assert [i["id"] for i in detail["interactions"]] == ["question-1", "question-2", "question-3"]
    assert [i["result"] for i in detail["interactions"]] == ["correct", "incorrect", "correct"]
    assert [o["id"] for o in detail["objectives"]] == ["obj-1", "obj-2"]
    time_row = bridge.report("/reports/time-spent", learner=learner)["items"][0]
    assert time_row["scorm_s"] == 75.0
    counts = bridge.report("/reports/attempt-counts", learner=learner)["items"][0]
    assert (counts["attempts"], counts["passed_attempts"], counts["failed_attempts"]) == (1, 1, 0)
    course = bridge.report("/reports/courses", course=answer["course"]["id"])["items"][0]
    assert (course["learners"], course["completed"], course["passed"], course["failed"]) == (1, 1, 1, 0)
    assert (course["completion_rate"], course["pass_rate"], course["average_score"]) == (1.0, 1.0, 92.0)
    (mine,) = bridge.report(f"/reports/learners/{learner}/courses")["items"]
    assert (mine["status"], mine["best_score_raw"], mine["attempts"], mine["time_spent_s"]) == (
        "passed",
        92.0,
        1,
        75.0,
    )


def test_runtime_tracks_a_scorm2004_multi_sco_course(page: Page, bridge: Bridge) -> None:
    learner = "demo-full-2004"
    first = launch(
        page,
        bridge,
        "scorm2004-multi",
        learner,
        sco="item-intro",
        content="status=completed&location=intro-2&session=30&commit=1&finish=1",
    )
    content(page)
    settled(page, 3)
    second = launch(
        page,
        bridge,
        "scorm2004-multi",
        learner,
        sco="item-assessment",
        content="interactions=4&objectives=1&score=85&status=passed&session=90&finish=1",
    )
    sco = content(page)
    assert sco.evaluate("window.sco.version") == "2004"
    settled(page, 2)
    assert applied(bridge, first["session_id"]) == [0, 1, 2]
    assert applied(bridge, second["session_id"]) == [0, 1]
    assert second["cmi"]["cmi.scaled_passing_score"] == "0.7"
    assert second["cmi"]["cmi.objectives.0.id"] == "assessment-passed"

    # the course rolls up: both SCOs completed; the intro reports no success, so the course is
    # completed rather than passed (README "Course rollup")
    row = enrollment(bridge, learner)
    assert (row["status"], row["attempts"], row["time_spent_s"]) == ("completed", 1, 120.0)
    assert (row["best_score_raw"], row["best_score_scaled"]) == (85.0, 0.85)
    (last,) = attempts(bridge, learner)
    assert (last["sessions"], last["commit_count"]) == (2, 5)
    assert (last["success_status"], last["score_scaled"]) == ("passed", 0.85)
    detail = bridge.report(f"/reports/attempts/{last['attempt_id']}")
    assert len(detail["interactions"]) == 4
    assert detail["objectives"][0]["id"] == "assessment-passed"
    assert detail["cmi"]["cmi.score.scaled"] == "0.85"


def _down(failure: str) -> Any:
    def handler(route: Route) -> None:
        if failure == "network":
            route.abort("internetdisconnected")
        else:
            route.fulfill(status=503, json={"error": "storage_unavailable", "message": "down"})

    return handler


@pytest.mark.parametrize("failure", ["network", "503"])
def test_runtime_queue_flushes_in_order_after_an_outage(page: Page, bridge: Bridge, failure: str) -> None:
    learner = f"demo-outage-{failure}"
    answer = launch(page, bridge, "scorm2004-single", learner)
    sco = content(page)
    settled(page, 1)  # initialize

    page.route("**/scorm/commits", _down(failure))
    sco.evaluate("window.sco.answer(2); window.sco.commit()")
    sco.evaluate("window.sco.location('page-4'); window.sco.suspend('s=4'); window.sco.commit()")
    sco.evaluate("window.sco.score(88); window.sco.status('passed'); window.sco.sessionTime(200)")
    sco.evaluate("window.sco.finish()")
    page.wait_for_function("window.LrsBridge.current.stats.retries >= 2")
    queued = page.evaluate("window.LrsBridge.current.pending")
    assert queued == 3
    stored = page.evaluate(
        f"JSON.parse(localStorage.getItem('lrs-bridge:v1:session:{answer['session_id']}'))"
    )
    assert [c["sequence"] for c in stored["commits"]] == [1, 2, 3]
    assert applied(bridge, answer["session_id"]) == [0]

    page.unroute("**/scorm/commits")
    stats = settled(page, 4)
    assert stats["rejected"] == 0
    assert sorted(applied(bridge, answer["session_id"])) == [0, 1, 2, 3]
    row = enrollment(bridge, learner)
    assert (row["status"], row["best_score_raw"], row["time_spent_s"]) == ("passed", 88.0, 200.0)
    (attempt,) = attempts(bridge, learner)
    detail = bridge.report(f"/reports/attempts/{attempt['attempt_id']}")
    assert detail["cmi"]["cmi.location"] == "page-4"
    assert detail["cmi"]["cmi.suspend_data"] == "s=4"
    assert len(detail["interactions"]) == 2


def test_runtime_autocommit_timer_sends_what_the_content_never_committed(page: Page, bridge: Bridge) -> None:
    learner = "demo-timer"
    answer = launch(page, bridge, "scorm12-single", learner, autocommit="1")
    sco = content(page)
    settled(page, 1)
    sco.evaluate("window.sco.location('p9'); window.sco.score(60)")  # no LMSCommit
    settled(page, 2)
    assert applied(bridge, answer["session_id"]) == [0, 1]
    (attempt,) = attempts(bridge, learner)
    assert attempt["score_raw"] == 60.0


def test_runtime_sets_aside_a_commit_the_bridge_refuses_for_good(page: Page, bridge: Bridge) -> None:
    learner = "demo-422"
    refused = {"error": "invalid_commit", "message": "cmi.core.score.raw='x': bad"}
    answer = launch(page, bridge, "scorm12-single", learner)
    sco = content(page)
    settled(page, 1)
    page.route("**/scorm/commits", lambda route: route.fulfill(status=422, json=refused))
    sco.evaluate("window.sco.score(10); window.sco.commit()")
    page.wait_for_function("window.LrsBridge.current.stats.rejected === 1")
    page.unroute("**/scorm/commits")
    sco.evaluate("window.sco.score(20); window.sco.commit()")  # the queue moves on
    stats = settled(page, 2)
    assert (stats["rejected"], stats["retries"]) == (1, 0)  # a 422 is never retried
    assert applied(bridge, answer["session_id"]) == [0, 2]
    stored = page.evaluate(
        f"JSON.parse(localStorage.getItem('lrs-bridge:v1:session:{answer['session_id']}'))"
    )
    assert stored["rejected"][0]["sequence"] == 1 and stored["rejected"][0]["status"] == 422
    assert stored["rejected"][0]["answer"] == refused


def test_runtime_reload_mid_session_loses_nothing(page: Page, bridge: Bridge) -> None:
    learner = "demo-reload"
    first = launch(page, bridge, "scorm12-single", learner)
    sco = content(page)
    sco.evaluate("window.sco.location('p2'); window.sco.suspend('half'); window.sco.commit()")
    settled(page, 2)
    # set and never committed: pagehide sends it (keepalive) as the reload replaces the page
    sco.evaluate("window.sco.score(70); window.sco.status('incomplete'); window.sco.location('p3')")
    page.reload()
    content(page)
    second = dict(page.evaluate("JSON.parse(document.getElementById('launch-answer').textContent)"))
    assert second["session_id"] != first["session_id"]
    assert second["entry"] == "resume" and second["attempt"] == 1
    settled(page, 1)
    eventually(lambda: sorted(applied(bridge, first["session_id"])) == [0, 1, 2])
    (attempt,) = attempts(bridge, learner)
    assert (attempt["score_raw"], attempt["completion_status"], attempt["sessions"]) == (
        70.0,
        "incomplete",
        2,
    )
    detail = bridge.report(f"/reports/attempts/{attempt['attempt_id']}")
    assert detail["cmi"]["cmi.core.lesson_location"] == "p3"
    assert detail["cmi"]["cmi.suspend_data"] == "half"


def test_runtime_tab_crash_flushes_the_draft_on_the_next_load(
    context: BrowserContext, page: Page, bridge: Bridge
) -> None:
    learner = "demo-crash"
    first = launch(page, bridge, "scorm2004-single", learner)
    sco = content(page)
    settled(page, 1)
    sco.evaluate("window.sco.score(81); window.sco.location('crash-point')")
    page.wait_for_function(
        "id => (JSON.parse(localStorage.getItem('lrs-bridge:v1:session:' + id)) || {}).draft",
        arg=first["session_id"],
    )
    # chrome://crash kills the renderer at once: no pagehide, no unload handler, no keepalive request
    with pytest.raises(PlaywrightError):
        page.goto("chrome://crash", timeout=5000)
    page.close()
    again = context.new_page()
    launch(again, bridge, "scorm2004-single", learner)
    content(again)
    again.wait_for_function("window.LrsBridge.current.pending === 0 && !window.LrsBridge.current.sender.busy")
    assert applied(bridge, first["session_id"]) == [0, 1]
    (attempt,) = attempts(bridge, learner)
    assert attempt["score_raw"] == 81.0
    detail = bridge.report(f"/reports/attempts/{attempt['attempt_id']}")
    assert detail["cmi"]["cmi.location"] == "crash-point"
    keep_screenshot(again, "test_runtime_tab_crash_next_load")


def test_runtime_suspend_then_resume_restores_entry_location_and_suspend_data(
    page: Page, bridge: Bridge
) -> None:
    learner = "demo-resume"
    launch(
        page,
        bridge,
        "scorm2004-single",
        learner,
        content="location=chapter-3&suspend=answers%3Dabc&session=40&exit=suspend&finish=1",
    )
    content(page)
    settled(page, 2)
    second = launch(page, bridge, "scorm2004-single", learner)
    sco = content(page)
    assert second["entry"] == "resume" and second["attempt"] == 1
    start = sco.evaluate("window.sco.start")
    assert (start["entry"], start["location"], start["suspend"]) == ("resume", "chapter-3", "answers=abc")
    sco.evaluate("window.sco.score(95); window.sco.status('passed'); window.sco.sessionTime(20)")
    sco.evaluate("window.sco.finish()")
    settled(page, 2)
    row = enrollment(bridge, learner)
    assert (row["status"], row["attempts"], row["time_spent_s"]) == ("passed", 1, 60.0)
    (attempt,) = attempts(bridge, learner)
    assert attempt["sessions"] == 2


def test_runtime_new_attempt_after_failing(page: Page, bridge: Bridge) -> None:
    learner = "demo-retry"
    first = launch(
        page, bridge, "scorm12-single", learner, content="score=40&status=failed&session=50&finish=1"
    )
    content(page)
    settled(page, 2)
    second = launch(
        page, bridge, "scorm12-single", learner, content="score=90&status=passed&session=30&finish=1"
    )
    sco = content(page)
    settled(page, 2)
    assert (first["attempt"], second["attempt"]) == (1, 2)
    assert sco.evaluate("window.sco.start.entry") == "ab-initio"
    row = enrollment(bridge, learner)
    assert (row["status"], row["attempts"], row["best_score_raw"], row["last_score_raw"]) == (
        "passed",
        2,
        90.0,
        90.0,
    )
    assert row["time_spent_s"] == 80.0
    by_number = {a["number"]: a for a in attempts(bridge, learner)}
    assert (by_number[1]["success_status"], by_number[2]["success_status"]) == ("failed", "passed")
    counts = bridge.report("/reports/attempt-counts", learner=learner)["items"][0]
    assert (counts["attempts"], counts["failed_attempts"], counts["passed_attempts"]) == (2, 1, 1)


def _tampered(token: str) -> str:
    version, payload, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["lid"] = "demo-someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{version}.{forged}.{mac}"


def _with_token(token_for: Any) -> Any:
    def handler(route: Route) -> None:
        headers = dict(route.request.headers)
        headers["authorization"] = "Bearer " + token_for(headers["authorization"].split(" ", 1)[1])
        route.continue_(headers=headers)

    return handler


@pytest.mark.parametrize(
    ("case", "status"),
    [
        pytest.param("tampered", 401, id="tampered-token"),
        pytest.param("other-learner", 403, id="other-token"),
    ],
)
def test_runtime_refused_tokens_are_audited_and_change_nothing(
    page: Page, bridge: Bridge, case: str, status: int
) -> None:
    learner = f"demo-token-{case}"
    if case == "other-learner":
        other = bridge.http.post(
            "/scorm/launches",
            json={
                "learner": {"id": "demo-token-owner", "name": "Owner"},
                "course": {"id": "demo-scorm12-single", "title": "Fire safety basics"},
                "inline_sco": {"id": "item-fire-safety", "title": "Fire safety basics", "version": "1.2"},
            },
        )
        assert other.status_code == 201, other.text
        page.route("**/scorm/commits", _with_token(lambda _own: other.json()["token"]))
    else:
        page.route("**/scorm/commits", _with_token(_tampered))
    answer = launch(
        page, bridge, "scorm12-single", learner, auth_retries="1", content="score=90&status=passed&finish=1"
    )
    content(page)
    page.wait_for_function(
        "window.LrsBridge.current.stats.rejected >= 2 && window.LrsBridge.current.pending === 0"
    )
    refused = bridge.audit(answer["session_id"])
    assert refused and all(c["outcome"] == "rejected" for c in refused)
    assert {r["status"] for c in refused for r in c["reasons"]} == {status}
    (attempt,) = attempts(bridge, learner)
    assert (attempt["commit_count"], attempt["score_raw"]) == (0, None)
    stored = page.evaluate(
        f"JSON.parse(localStorage.getItem('lrs-bridge:v1:session:{answer['session_id']}'))"
    )
    assert {r["status"] for r in stored["rejected"]} == {status}


LMS_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>LMS course page</title>
<script src="{runtime_url}"></script>
<script>LrsBridge.start({answer}, {{retryBaseMs: 100}});</script>
</head><body><iframe name="content" src="{sco_url}" width="900" height="600"></iframe></body></html>"""


def test_runtime_on_an_lms_page_built_from_the_launch_endpoint(page: Page, bridge: Bridge) -> None:
    """The integration an LMS writes: its server calls POST /scorm/launches, its page includes the
    runtime script and starts it with the answer, the content comes from the LMS's own host."""
    created = bridge.http.post(
        "/scorm/launches",
        json={
            "learner": {"id": "demo-lms-page", "name": "Lee"},
            "course": {"id": "lms-course-7", "title": "Safety"},
            "inline_sco": {
                "id": "sco-1",
                "title": "Fire safety basics",
                "href": "index.html",
                "version": "1.2",
                "mastery_score": 80,
                "launch_data": "chapter=1",
            },
        },
    )
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["runtime_url"] == bridge.base + "/scorm/runtime/v1/lrs-bridge-runtime.js"
    html = LMS_PAGE.format(
        runtime_url=answer["runtime_url"],
        answer=json.dumps(answer),
        sco_url="/demo/packages/scorm12-single/index.html?score=85&status=passed&session=64&finish=1",
    )
    page.route(bridge.base + "/lms/course", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(bridge.base + "/lms/course")
    sco = content(page)
    assert sco.evaluate("window.sco.start.learnerId") == "demo-lms-page"
    settled(page, 2)
    row = enrollment(bridge, "demo-lms-page")
    assert (row["course"], row["status"], row["best_score_raw"], row["time_spent_s"]) == (
        "lms-course-7",
        "passed",
        85.0,
        64.0,
    )
