"""Dashboard pages over HTTP: sign-in, cookie and CSRF checks, scopes, and page figures that equal
what the report endpoints answer for the same store."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.app import create_app
from lrs.settings import Settings
from lrs.signing import Signer
from lrs.storage import Database
from tests.dashboard.seed import seed
from tests.support import API_KEY, API_SECRET, basic_auth, make_settings

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def dash(settings: Settings, database: Database) -> Iterator[TestClient]:
    """A client with no credential header (the dashboard signs in with a form), on a seeded store."""
    with TestClient(create_app(settings, database), base_url="http://testserver") as client:
        seed_headers = {"Authorization": basic_auth(), "X-Experience-API-Version": "1.0.3"}
        client.headers.update(seed_headers)
        seed(client)
        for name in seed_headers:
            del client.headers[name]
        yield client


def sign_in(client: TestClient, key: str = API_KEY, secret: str = API_SECRET) -> Any:
    form = client.get("/dashboard/login")
    token = CSRF.search(form.text).group(1)  # type: ignore[union-attr]
    return client.post(
        "/dashboard/login", data={"csrf": token, "key": key, "secret": secret}, follow_redirects=False
    )


def page_csrf(client: TestClient, path: str) -> str:
    return CSRF.search(client.get(path).text).group(1)  # type: ignore[union-attr]


def api(client: TestClient, path: str, **params: str) -> Any:
    headers = {"Authorization": basic_auth()}
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


def new_credential(client: TestClient, scopes: list[str]) -> tuple[str, str]:
    response = client.post(
        "/admin/credentials", json={"label": "t", "scopes": scopes}, headers={"Authorization": basic_auth()}
    )
    assert response.status_code == 201, response.text
    return response.json()["key"], response.json()["secret"]


def cells(html: str, table_id: str) -> list[dict[str, str]]:
    """Rows of a table as {data-col: text} (plus the row's data-* key)."""
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr (data-[a-z]+=\"[^\"]*\")>(.*?)</tr>", body, re.S):
        found = {m[0]: m[1].strip() for m in re.findall(r'data-col="([a-z_]+)"[^>]*>([^<]*)<', row[1])}
        key, value = row[0].split("=", 1)
        found[key] = value.strip('"')
        rows.append(found)
    return rows


def test_dashboard_pages_redirect_to_sign_in_without_a_session(dash: TestClient) -> None:
    for path in ("/dashboard/", "/dashboard/courses", "/dashboard/courses/safety", "/dashboard/system"):
        response = dash.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/dashboard/login?reason=")


def test_dashboard_sign_in_sets_a_signed_httponly_strict_cookie(dash: TestClient) -> None:
    response = sign_in(dash)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/courses"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("lrs_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    assert "Max-Age=28800" in cookie
    assert API_SECRET not in cookie
    page = dash.get("/dashboard/courses")
    assert page.status_code == 200 and "Safety basics" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_dashboard_sign_in_with_a_wrong_secret_is_refused(dash: TestClient) -> None:
    response = sign_in(dash, secret="wrong")
    assert response.status_code == 401
    assert "Unknown key or wrong secret" in response.text
    assert "lrs_session" not in dash.cookies
    assert dash.get("/dashboard/courses", follow_redirects=False).status_code == 303


def test_dashboard_sign_in_without_or_with_a_foreign_csrf_token_is_refused(dash: TestClient) -> None:
    dash.get("/dashboard/login")
    missing = dash.post("/dashboard/login", data={"key": API_KEY, "secret": API_SECRET})
    assert missing.status_code == 403 and "CSRF token is missing" in missing.text
    foreign = Signer("k").sign("csrf", {"sid": "x"})
    forged = dash.post("/dashboard/login", data={"csrf": foreign, "key": API_KEY, "secret": API_SECRET})
    assert forged.status_code == 403 and "CSRF token is invalid" in forged.text
    other_form = CSRF.search(TestClient(dash.app).get("/dashboard/login").text).group(1)  # type: ignore[union-attr]
    replayed = dash.post("/dashboard/login", data={"csrf": other_form, "key": API_KEY, "secret": API_SECRET})
    assert replayed.status_code == 403 and "another session" in replayed.text


def test_dashboard_forged_and_expired_cookies_are_refused(dash: TestClient) -> None:
    sign_in(dash)
    good = dash.cookies["lrs_session"]
    version, body, mac = good.split(".")
    dash.cookies.clear()
    dash.cookies.set("lrs_session", f"{version}.{body[:-3]}abc.{mac}")
    tampered = dash.get("/dashboard/courses", follow_redirects=False)
    assert tampered.status_code == 303 and "signature" in tampered.headers["location"]
    expired = Signer(dash.app.state.signer._key, clock=lambda: 0.0).sign(
        "session", {"key": API_KEY, "sid": "s"}
    )  # type: ignore[attr-defined]
    dash.cookies.clear()
    dash.cookies.set("lrs_session", expired)
    late = dash.get("/dashboard/courses", follow_redirects=False)
    assert late.status_code == 303 and "expired" in late.headers["location"]


def test_dashboard_forms_need_the_session_csrf_token(dash: TestClient) -> None:
    sign_in(dash)
    assert dash.post("/dashboard/logout", data={}).status_code == 403
    assert dash.post("/dashboard/credentials", data={"label": "x", "scopes": "all"}).status_code == 403
    assert dash.get("/dashboard/courses").status_code == 200  # still signed in
    out = dash.post(
        "/dashboard/logout", data={"csrf": page_csrf(dash, "/dashboard/courses")}, follow_redirects=False
    )
    assert out.status_code == 303
    assert dash.get("/dashboard/courses", follow_redirects=False).status_code == 303


def test_dashboard_pages_out_of_scope_are_forbidden(dash: TestClient) -> None:
    key, secret = new_credential(dash, ["statements/write"])
    sign_in(dash, key, secret)
    for path in (
        "/dashboard/courses",
        "/dashboard/courses/safety",
        "/dashboard/learners/ann",
        "/dashboard/credentials",
    ):
        response = dash.get(path)
        assert response.status_code == 403, path
        assert "Safety basics" not in response.text and "scope" in response.text
    assert dash.get("/dashboard/system").status_code == 200


def test_dashboard_reader_without_admin_gets_no_credentials_page(dash: TestClient) -> None:
    key, secret = new_credential(dash, ["reports/read"])
    sign_in(dash, key, secret)
    assert dash.get("/dashboard/courses").status_code == 200
    page = dash.get("/dashboard/credentials")
    assert page.status_code == 403 and "lacks the &#39;admin&#39; scope" in page.text
    assert 'href="/dashboard/credentials"' not in dash.get("/dashboard/courses").text


def test_dashboard_revoked_credential_loses_its_session(dash: TestClient) -> None:
    key, secret = new_credential(dash, ["reports/read"])
    sign_in(dash, key, secret)
    assert dash.get("/dashboard/courses").status_code == 200
    dash.delete(f"/admin/credentials/{key}", headers={"Authorization": basic_auth()})
    response = dash.get("/dashboard/courses", follow_redirects=False)
    assert response.status_code == 303 and "revoked" in response.headers["location"]


def test_dashboard_courses_table_equals_the_courses_report(dash: TestClient) -> None:
    sign_in(dash)
    report = {r["course"]: r for r in api(dash, "/reports/courses").json()["items"]}
    rows = {r["data-course"]: r for r in cells(dash.get("/dashboard/courses").text, "courses")}
    assert set(rows) == set(report) == {"safety", "fire"}
    safety = rows["safety"]
    assert int(safety["learners"]) == report["safety"]["learners"] == 3
    assert safety["completion_rate"] == "33.3 %" and report["safety"]["completion_rate"] == 0.3333
    assert float(safety["average_score"]) == report["safety"]["average_score"] == 65.0
    assert safety["average_time_s"] == "15m 08s"  # (2100 + 900 + 300 + dee's video 330) / 4 = 907.5 s
    assert report["safety"]["average_time_s"] == 907.5
    assert int(safety["abandoned_attempts"]) == report["safety"]["abandoned_attempts"] == 0


def test_dashboard_courses_sort_and_filter_follow_the_report(dash: TestClient) -> None:
    sign_in(dash)
    for order in ("asc", "desc"):
        shown = [
            r["data-course"]
            for r in cells(dash.get(f"/dashboard/courses?sort=pass_rate&order={order}").text, "courses")
        ]
        expected = [
            r["course"] for r in api(dash, "/reports/courses", sort="pass_rate", order=order).json()["items"]
        ]
        assert shown == expected
    assert [
        r["data-course"]
        for r in cells(dash.get("/dashboard/courses?sort=pass_rate&order=desc").text, "courses")
    ] == ["fire", "safety"]
    only = cells(dash.get("/dashboard/courses?course=fire").text, "courses")
    assert [r["data-course"] for r in only] == ["fire"]


def test_dashboard_courses_csv_is_the_report_csv(dash: TestClient) -> None:
    sign_in(dash)
    download = dash.get("/dashboard/courses?sort=pass_rate&order=desc&format=csv")
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="courses.csv"' in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["course"] for r in rows] == ["fire", "safety"]
    assert download.text == api(dash, "/reports/courses", sort="pass_rate", order="desc", format="csv").text


def test_dashboard_course_page_shows_the_report_figures(dash: TestClient) -> None:
    sign_in(dash)
    html = dash.get("/dashboard/courses/safety").text
    enrollments = api(dash, "/reports/enrollments", course="safety").json()["items"]
    rows = {r["data-learner"]: r for r in cells(html, "learners")}
    assert set(rows) == {e["learner"] for e in enrollments} == {"ann", "bob", "cy"}
    for e in enrollments:
        assert rows[e["learner"]]["status"] == e["status"]
        assert int(rows[e["learner"]]["attempts"]) == e["attempts"]
    assert rows["ann"]["status"] == "passed" and rows["ann"]["attempts"] == "2"
    statuses = dict(re.findall(r'data-status="([a-z ]+)">(\d+)<', html))
    assert statuses == {
        "not attempted": "0",
        "in progress": "1",
        "completed": "0",
        "passed": "1",
        "failed": "1",
    }
    days = re.search(r'id="time-data">(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
    assert '"scorm_s":3300.0' in days and '"other_s":330.0' in days  # 2100 + 900 + 300; dee's video
    failed_only = cells(dash.get("/dashboard/courses/safety?status=failed").text, "learners")
    assert [r["data-learner"] for r in failed_only] == ["bob"]


def test_dashboard_learner_and_attempt_pages(dash: TestClient) -> None:
    sign_in(dash)
    learner = dash.get("/dashboard/learners/ann").text
    assert {r["data-course"] for r in cells(learner, "learner-courses")} == {"safety", "fire"}
    attempts = cells(learner, "learner-attempts")
    report = api(dash, "/reports/attempts", learner="ann").json()["items"]
    assert [a["data-attempt"] for a in attempts] == [a["attempt_id"] for a in report]
    first = next(a["attempt_id"] for a in report if a["course"] == "safety" and a["number"] == 1)
    page = dash.get(f"/dashboard/attempts/{first}").text
    detail = api(dash, f"/reports/attempts/{first}").json()
    assert f'id="att-success">{detail["success_status"]}<' in page
    assert 'data-col="time_source">reported (session_time)<' in page
    assert "cmi.core.lesson_status" in page and "ann-s1" in page
    assert page.count('data-col="outcome">applied<') == 3  # the commit log of the session
    assert dash.get("/dashboard/attempts/nope").status_code == 404


def test_dashboard_statements_page_follows_more(dash: TestClient) -> None:
    sign_in(dash)
    settings_size = 1
    dash.app.state.settings.dashboard_page_size = settings_size  # type: ignore[attr-defined]
    first = dash.get("/dashboard/statements?verb=https://w3id.org/xapi/video/verbs/paused")
    ids = re.findall(r'<li data-id="([^"]+)">', first.text)
    more = re.search(r'id="more" rel="next" href="([^"]+)"', first.text).group(1)  # type: ignore[union-attr]
    second = dash.get(more.replace("&amp;", "&"))
    ids += re.findall(r'<li data-id="([^"]+)">', second.text)
    assert len(ids) == 2 and len(set(ids)) == 2
    bad = dash.get("/dashboard/statements?since=yesterday")
    assert bad.status_code == 200 and 'id="statements-problem"' in bad.text


def test_dashboard_credentials_page_creates_and_revokes(dash: TestClient) -> None:
    sign_in(dash)
    created = dash.post(
        "/dashboard/credentials",
        data={
            "csrf": page_csrf(dash, "/dashboard/credentials"),
            "label": "analytics",
            "scopes": ["reports/read", "statements/read"],
        },
    )
    assert created.status_code == 201
    key = re.search(r'id="new-key">([^<]+)<', created.text).group(1)  # type: ignore[union-attr]
    secret = re.search(r'id="new-secret">([^<]+)<', created.text).group(1)  # type: ignore[union-attr]
    assert dash.get("/admin/whoami", auth=(key, secret)).json()["scopes"] == [
        "reports/read",
        "statements/read",
    ]
    listing = dash.get("/dashboard/credentials").text
    assert secret not in listing and key in listing
    revoke = dash.post(
        f"/dashboard/credentials/{key}/revoke", data={"csrf": page_csrf(dash, "/dashboard/credentials")}
    )
    assert revoke.status_code == 200
    assert dash.get("/admin/whoami", auth=(key, secret)).status_code == 401
    state = {r["data-key"]: r["state"] for r in cells(dash.get("/dashboard/credentials").text, "credentials")}
    assert state[key] == "revoked"


def test_dashboard_system_page(dash: TestClient) -> None:
    sign_in(dash)
    page = dash.get("/dashboard/system").text
    assert 'id="sys-store">embedded in-memory<' in page or 'id="sys-store">MongoDB<' in page
    assert 'id="sys-health">healthy<' in page
    assert re.search(r'data-collection="scorm_enrollments">4<', page)


def test_dashboard_can_be_disabled(database: Database) -> None:
    settings = make_settings(dashboard_enabled=False)
    with TestClient(create_app(settings, database)) as client:
        assert client.get("/dashboard/login").status_code == 404
