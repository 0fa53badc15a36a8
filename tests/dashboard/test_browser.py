"""The dashboard in headless Chromium (Debian's, driven by Playwright) against a real uvicorn:
sign in, open every page, and check that what a person sees equals what the report endpoints answer.

Screenshots land in test-artifacts/dashboard/ (not committed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.dashboard.seed import seed
from tests.support import API_KEY, API_SECRET, basic_auth, make_settings, running_server

pytestmark = [pytest.mark.uvicorn, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "dashboard"


@pytest.fixture(scope="module")
def dashboard_url() -> Iterator[str]:
    settings = make_settings()
    with running_server(settings) as url:
        with httpx.Client(
            base_url=url, headers={"Authorization": basic_auth(), "X-Experience-API-Version": "1.0.3"}
        ) as client:
            seed(client)
        yield url


@pytest.fixture
def page(browser: Any, dashboard_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(base_url=dashboard_url, accept_downloads=True)
    tab = context.new_page()
    yield tab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def api(dashboard_url: str, path: str, key: str = API_KEY, secret: str = API_SECRET, **params: str) -> Any:
    response = httpx.get(dashboard_url + path, params=params, auth=(key, secret))
    assert response.status_code == 200, response.text
    return response


def sign_in(page: Any, key: str = API_KEY, secret: str = API_SECRET) -> None:
    page.goto("/dashboard/courses")
    assert "/dashboard/login" in page.url  # no session yet: sent to sign in
    page.get_by_label("Key").fill(key)
    page.get_by_label("Secret").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/courses")


def table(page: Any, selector: str) -> list[dict[str, str]]:
    """Rows of a table as {data-col: text, key: the row's data-course/-learner/...}."""
    return page.eval_on_selector_all(
        f"{selector} tbody tr",
        """rows => rows.map(r => {
            const out = {key: r.dataset.course || r.dataset.learner || r.dataset.attempt || r.dataset.key || ''};
            r.querySelectorAll('[data-col]').forEach(c => out[c.dataset.col] = c.textContent.trim());
            return out;
        })""",
    )


def test_browser_courses_page_matches_the_report_sorts_filters_and_downloads(
    page: Any, dashboard_url: str
) -> None:
    sign_in(page)
    report = {r["course"]: r for r in api(dashboard_url, "/reports/courses").json()["items"]}
    rows = {r["key"]: r for r in table(page, "#courses")}
    assert set(rows) == set(report) == {"safety", "fire"}
    for course, row in rows.items():
        assert int(row["learners"]) == report[course]["learners"]
        assert int(row["abandoned_attempts"]) == report[course]["abandoned_attempts"]
    assert rows["safety"]["completion_rate"] == "33.3 %" and rows["fire"]["pass_rate"] == "100.0 %"

    page.get_by_role("link", name="Pass rate").click()  # ascending
    page.wait_for_url("**sort=pass_rate**")
    expected = [
        r["course"]
        for r in api(dashboard_url, "/reports/courses", sort="pass_rate", order="asc").json()["items"]
    ]
    assert [r["key"] for r in table(page, "#courses")] == expected == ["safety", "fire"]
    assert page.get_attribute("th[aria-sort='ascending']", "aria-sort") == "ascending"
    page.get_by_role("link", name="Pass rate").click()  # descending
    page.wait_for_url("**order=desc**")
    assert [r["key"] for r in table(page, "#courses")] == ["fire", "safety"]

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    downloaded = Path(info.value.path()).read_text(encoding="utf-8")
    csv_rows = list(csv.DictReader(io.StringIO(downloaded)))
    assert [r["course"] for r in csv_rows] == [r["key"] for r in table(page, "#courses")]
    assert [r["learners"] for r in csv_rows] == [r["learners"] for r in table(page, "#courses")]

    page.get_by_label("Course id").fill("fire")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**course=fire**")
    assert [r["key"] for r in table(page, "#courses")] == ["fire"]


def test_browser_course_page_draws_both_charts_with_the_report_data(page: Any, dashboard_url: str) -> None:
    sign_in(page)
    page.get_by_role("link", name="Safety basics").click()
    page.wait_for_url("**/dashboard/courses/safety")
    page.wait_for_function("window.LrsDashboard !== undefined")
    status = page.evaluate(
        "() => { const c = LrsDashboard.Chart.getChart(document.getElementById('status-chart'));"
        " return {labels: c.data.labels, data: c.data.datasets[0].data}; }"
    )
    assert status == {
        "labels": ["not attempted", "in progress", "completed", "passed", "failed"],
        "data": [0, 1, 0, 1, 1],  # cy in progress, ann passed, bob failed
    }
    time = page.evaluate(
        "() => LrsDashboard.Chart.getChart(document.getElementById('time-chart')).data.datasets"
        ".map(d => [d.label, d.data.reduce((a, b) => a + b, 0)])"
    )
    by_day = api(dashboard_url, "/reports/time-spent", course="safety", group="day").json()["items"]
    scorm_minutes = sum(r["scorm_s"] for r in by_day) / 60
    other_minutes = sum(r["statement_duration_s"] + r["video_s"] for r in by_day) / 60
    assert time[0][0] == "SCORM" and time[0][1] == pytest.approx(scorm_minutes, abs=0.2) == 55.0
    assert time[1][0].startswith("Other xAPI") and time[1][1] == pytest.approx(other_minutes, abs=0.2) == 5.5
    assert page.locator("#status-chart").bounding_box()["height"] > 50  # it was laid out, not empty

    enrollments = api(dashboard_url, "/reports/enrollments", course="safety").json()["items"]
    rows = {r["key"]: r for r in table(page, "#learners")}
    assert {k: (r["status"], int(r["attempts"])) for k, r in rows.items()} == {
        e["learner"]: (e["status"], e["attempts"]) for e in enrollments
    }
    page.get_by_label("Status", exact=True).select_option("failed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**status=failed**")
    assert [r["key"] for r in table(page, "#learners")] == ["bob"]


def test_browser_learner_attempt_and_statement_pages(page: Any, dashboard_url: str) -> None:
    sign_in(page)
    page.goto("/dashboard/courses/safety")
    page.get_by_role("link", name="Ann").click()
    page.wait_for_url("**/dashboard/learners/ann")
    attempts = api(dashboard_url, "/reports/attempts", learner="ann").json()["items"]
    shown = table(page, "#learner-attempts")
    assert [r["key"] for r in shown] == [a["attempt_id"] for a in attempts]
    assert [r["success_status"] for r in shown] == [a["success_status"] for a in attempts]
    safety_first = next(a for a in attempts if a["course"] == "safety" and a["number"] == 1)
    page.locator(f"tr[data-attempt='{safety_first['attempt_id']}'] a").click()
    page.wait_for_url(f"**/dashboard/attempts/{safety_first['attempt_id']}")
    assert page.locator("#att-success").inner_text() == "failed"
    assert page.locator("#att-score").inner_text().startswith("40")
    assert page.locator("table.audit td[data-col='outcome']").all_inner_texts() == ["applied"] * 3
    page.locator("#cmi-tree summary").click()
    assert page.locator("#cmi-tree code", has_text="cmi.core.lesson_status").is_visible()

    page.get_by_role("link", name="Statements").click()
    page.get_by_label("Verb IRI").fill("https://w3id.org/xapi/video/verbs/paused")
    page.get_by_role("button", name="Search").click()
    items = page.locator("#statements li[data-id]")
    assert items.count() == 2
    items.first.locator("summary").click()
    assert "video/extensions/played-segments" in items.first.locator("pre").inner_text()


def test_browser_system_page_and_keyboard_navigation(page: Any) -> None:
    sign_in(page)
    page.goto("/dashboard/system")
    assert page.locator("#sys-store").inner_text() == "embedded in-memory"
    assert page.get_by_role("alert").first.inner_text().startswith("In-memory store")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto("/dashboard/courses")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_browser_out_of_scope_forged_cookie_and_missing_csrf_are_refused(
    page: Any, dashboard_url: str
) -> None:
    created = httpx.post(
        dashboard_url + "/admin/credentials",
        json={"label": "writer", "scopes": ["statements/write"]},
        auth=(API_KEY, API_SECRET),
    ).json()
    sign_in(page, created["key"], created["secret"])
    response = page.goto("/dashboard/courses")
    assert response.status == 403
    assert "lacks the 'reports/read' scope" in page.locator("#error-message").inner_text()

    cookie = next(c for c in page.context.cookies() if c["name"] == "lrs_session")
    page.context.add_cookies([{**cookie, "value": cookie["value"][:-4] + "AAAA"}])
    page.goto("/dashboard/system")
    assert "/dashboard/login" in page.url and "signature" in page.url

    sign_in(page)
    page.evaluate("document.querySelector('form.signout input[name=csrf]').remove()")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert "CSRF token is missing" in page.locator("#error-message").inner_text()
    page.goto("/dashboard/courses")
    assert page.url.endswith("/dashboard/courses")  # the refused sign-out left the session alone
