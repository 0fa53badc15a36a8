"""Dashboard endpoints: each checks the session (and scope), asks views for its data, renders a page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lrs import credentials
from lrs.dashboard import views
from lrs.dashboard.rendering import SECURITY_HEADERS, render
from lrs.dashboard.session import (
    LOGIN_COOKIE,
    DashboardUser,
    check_csrf,
    csrf_token,
    current_user,
    end_session,
    keep_login_nonce,
    login_nonce,
    require_scope,
    start_session,
)
from lrs.errors import Unauthorized
from lrs.reports.csv import render_csv
from lrs.reports.filters import ATTEMPT_STATUSES, ENROLLMENT_STATUSES

REPORTS = "reports/read"


async def _reader(request: Request, scope: str = REPORTS) -> DashboardUser:
    user = await current_user(request)
    require_scope(user, scope)
    return user


def _page_size(request: Request) -> int:
    return int(request.app.state.settings.dashboard_page_size)


async def home(request: Request) -> Response:
    await current_user(request)
    return RedirectResponse("/dashboard/courses", status_code=303)


async def login_form(request: Request) -> Response:
    """GET /dashboard/login: the sign-in form (key and secret of an API credential)."""
    return _login_page(request, request.query_params.get("reason", ""), 200)


def _login_page(request: Request, message: str, status: int) -> Response:
    nonce = login_nonce()
    token = csrf_token(request, nonce)
    response = render(request, "login.html", None, status_code=status, message=message, csrf=token)
    keep_login_nonce(request, response, nonce)
    return response


async def login(request: Request) -> Response:
    """POST /dashboard/login: check the credential, then set the session cookie."""
    form = await request.form()
    check_csrf(request, form.get("csrf"), request.cookies.get(LOGIN_COOKIE))
    key, secret = str(form.get("key", "")).strip(), str(form.get("secret", ""))
    try:
        authenticator = request.app.state.authenticator
        await authenticator.verify(key, secret, authenticator.client_address(request))
    except Unauthorized:
        return _login_page(request, "Unknown key or wrong secret.", 401)
    response = RedirectResponse("/dashboard/courses", status_code=303, headers={"Cache-Control": "no-store"})
    start_session(request, response, key)
    return response


async def logout(request: Request) -> Response:
    """POST /dashboard/logout."""
    user = await current_user(request)
    check_csrf(request, (await request.form()).get("csrf"), user.sid)
    response = RedirectResponse("/dashboard/login?reason=Signed+out.", status_code=303)
    end_session(response)
    return response


async def courses(request: Request) -> Response:
    """GET /dashboard/courses (?format=csv downloads the rows shown)."""
    user = await _reader(request)
    f = views.page_filters(request.query_params, _page_size(request))
    page = await views.courses(request.app.state.db, f)
    if request.query_params.get("format") == "csv":
        return _csv(page.columns, page.items, "courses")
    return render(request, "courses.html", user, page=page, filters=f)


async def course(request: Request) -> Response:
    """GET /dashboard/courses/{course}."""
    user = await _reader(request)
    f = views.page_filters(request.query_params, _page_size(request), statuses=ENROLLMENT_STATUSES)
    data = await views.course(request.app.state.db, request.path_params["course"], f)
    return render(
        request,
        "course.html",
        user,
        course_id=request.path_params["course"],
        status_choices=ENROLLMENT_STATUSES,
        **data,
    )


async def learner(request: Request) -> Response:
    """GET /dashboard/learners/{learner}."""
    user = await _reader(request)
    f = views.page_filters(request.query_params, _page_size(request), statuses=ATTEMPT_STATUSES)
    data = await views.learner(request.app.state.db, request.path_params["learner"], f)
    return render(request, "learner.html", user, learner_id=request.path_params["learner"], **data)


async def attempt(request: Request) -> Response:
    """GET /dashboard/attempts/{id}."""
    user = await _reader(request)
    data = await views.attempt(request.app.state.db, request.path_params["id"])
    return render(request, "attempt.html", user, **data)


async def statements(request: Request) -> Response:
    """GET /dashboard/statements: GET /xapi/statements with its filters, following `more`."""
    user = await _reader(request, "statements/read")
    page_size = min(_page_size(request), request.app.state.settings.statement_page_size)
    data = await views.statements(
        request.app.state.db, request.query_params, page_size, request.app.state.signer
    )
    return render(request, "statements.html", user, **data)


async def credentials_page(request: Request) -> Response:
    """GET /dashboard/credentials (scope admin): every credential."""
    user = await _reader(request, "admin")
    return render(request, "credentials.html", user, **await views.credentials(request.app.state.db))


async def create_credential(request: Request) -> Response:
    """POST /dashboard/credentials: a new credential; its secret is shown on this answer only."""
    user = await _reader(request, "admin")
    form = await request.form()
    check_csrf(request, form.get("csrf"), user.sid)
    created = await views.create_credential(request.app.state.db, form, request.app.state.settings)
    data = await views.credentials(request.app.state.db)
    return render(request, "credentials.html", user, status_code=201, created=created, **data)


async def revoke_credential(request: Request) -> Response:
    """POST /dashboard/credentials/{key}/revoke."""
    user = await _reader(request, "admin")
    check_csrf(request, (await request.form()).get("csrf"), user.sid)
    key = request.path_params["key"]
    await credentials.revoke_credential(request.app.state.db, key)
    request.app.state.authenticator.forget(key)
    return RedirectResponse("/dashboard/credentials", status_code=303)


async def system(request: Request) -> Response:
    """GET /dashboard/system."""
    user = await current_user(request)
    return render(request, "system.html", user, system=await views.system(request.app.state.db))


def _csv(columns: tuple[str, ...], rows: list[dict[str, object]], name: str) -> Response:
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}.csv"'}
    return Response(render_csv(columns, rows), media_type="text/csv; charset=utf-8", headers=headers)
