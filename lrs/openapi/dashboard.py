"""/dashboard: the server-rendered pages (HTML, not an API; listed so every route is described).

Signed in with an API key and secret on /dashboard/login; the session is a signed cookie.
"""

from __future__ import annotations

from typing import Any

from lrs.openapi.common import Paths, path

TAG = "Dashboard"
SCHEMAS: dict[str, Any] = {}

_HTML = {"text/html": {"schema": {"type": "string"}}}
_ANSWERS = {
    "200": {"description": "The page", "content": _HTML},
    "303": {"description": "Redirect (to the sign-in page when not signed in, or after a form)"},
    "default": {"description": "An error page", "content": _HTML},
}
_FORM = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}


def _page(summary: str, *, form: bool = False, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "tags": [TAG],
        "summary": summary,
        "responses": _ANSWERS,
        "security": [{"dashboardSession": []}],
    }
    if params:
        op["parameters"] = params
    if form:
        op["requestBody"] = _FORM
    return op


PATHS: Paths = {
    "/dashboard/": {"get": _page("Overview")},
    "/dashboard/login": {
        "get": {**_page("Sign-in form"), "security": []},
        "post": {**_page("Sign in with an API key and secret", form=True), "security": []},
    },
    "/dashboard/logout": {"post": _page("Sign out", form=True)},
    "/dashboard/courses": {"get": _page("Courses")},
    "/dashboard/courses/{course}": {"get": _page("One course", params=[path("course", "Course id")])},
    "/dashboard/learners/{learner}": {"get": _page("One learner", params=[path("learner", "Learner id")])},
    "/dashboard/attempts/{id}": {"get": _page("One attempt", params=[path("id", "Attempt id")])},
    "/dashboard/statements": {"get": _page("Statements")},
    "/dashboard/credentials": {
        "get": _page("Credentials (admin scope)"),
        "post": _page("Create a credential (admin scope)", form=True),
    },
    "/dashboard/credentials/{key}/revoke": {
        "post": _page("Revoke a credential (admin scope)", form=True, params=[path("key", "Credential key")])
    },
    "/dashboard/system": {"get": _page("System status")},
}
