"""Dashboard sign-in: a signed, HttpOnly, SameSite=Strict session cookie and CSRF tokens bound to it.

The cookie carries only the credential key and a random session id; every request re-reads the
credential, so a revoked credential loses its dashboard session at once. Every form carries a CSRF
token signed for that session id (the sign-in form: for a random nonce kept in a short-lived cookie).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import Principal
from lrs.credentials import find_credential_hash
from lrs.errors import Forbidden, InvalidToken, LrsError

SESSION_COOKIE = "lrs_session"
LOGIN_COOKIE = "lrs_login"
PATH = "/dashboard"


class SignInRequired(LrsError):
    """No valid dashboard session: the pages answer with a redirect to the sign-in page."""

    status_code, code = 401, "sign_in_required"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


@dataclass(frozen=True)
class DashboardUser:
    """Who is signed in: the credential key, its label and scopes, and the session id."""

    key: str
    label: str
    scopes: frozenset[str]
    sid: str
    principal: Principal

    def allows(self, scope: str) -> bool:
        return self.principal.allows(scope)


async def current_user(request: Request) -> DashboardUser:
    """The signed-in user of this request; SignInRequired without a valid session cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired("sign in to see the dashboard")
    try:
        claims = request.app.state.signer.verify("session", token)
    except InvalidToken as exc:
        raise SignInRequired(f"your session is no longer valid ({exc.reason}); sign in again") from None
    key, sid = claims.get("key"), claims.get("sid")
    if not isinstance(key, str) or not isinstance(sid, str):
        raise SignInRequired("your session is no longer valid; sign in again")
    found = await find_credential_hash(request.app.state.db, key)
    if found is None:
        raise SignInRequired("this credential was revoked; sign in with another one")
    principal = request.app.state.authenticator.principal_of(found[0])
    return DashboardUser(key, found[0].name, principal.scopes, sid, principal)


def require_scope(user: DashboardUser, scope: str) -> None:
    """403 when the signed-in credential lacks `scope` (pages out of scope are refused, not emptied)."""
    if not user.allows(scope):
        raise Forbidden(f"credential {user.key!r} lacks the {scope!r} scope this page needs", field="scope")


def _secure(request: Request) -> bool:
    return bool(request.app.state.settings.dashboard_secure_cookies or request.url.scheme == "https")


def start_session(request: Request, response: Response, key: str) -> None:
    """Set the session cookie for a credential that just signed in (and drop the sign-in nonce)."""
    settings = request.app.state.settings
    token = request.app.state.signer.sign(
        "session", {"key": key, "sid": secrets.token_urlsafe(16)}, ttl_s=settings.dashboard_session_seconds
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.dashboard_session_seconds),
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path=PATH)


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=PATH)


def login_nonce() -> str:
    """A random nonce for one sign-in form: its CSRF token is signed for it, its cookie holds it."""
    return secrets.token_urlsafe(16)


def keep_login_nonce(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=1800,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def csrf_token(request: Request, sid: str) -> str:
    return str(request.app.state.signer.sign("csrf", {"sid": sid}))


def check_csrf(request: Request, submitted: object, sid: str | None) -> None:
    """403 unless the form's token was signed for this session id (or the sign-in nonce)."""
    if not sid or not isinstance(submitted, str) or not submitted:
        raise CsrfFailed("the form's CSRF token is missing; reload the page and try again", field="csrf")
    try:
        claims = request.app.state.signer.verify("csrf", submitted)
    except InvalidToken as exc:
        raise CsrfFailed(f"the form's CSRF token is invalid ({exc.reason})", field="csrf") from None
    if claims.get("sid") != sid:
        raise CsrfFailed("the form's CSRF token belongs to another session", field="csrf")
