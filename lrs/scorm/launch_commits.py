"""Commits under a launch token (`Authorization: Bearer`): the token's checks before ingest.

- a bad, tampered or expired token is 401 (audited when the body is readable JSON);
- a commit naming another learner, course, SCO, session or version than its token is 403 (audited);
- a review-mode launch is read only: its commits are 403 (audited);
- once the session has terminated, a commit with a sequence above every one it applied is 401
  (audited); re-sends of applied sequences still get their stored answers.
"""

from __future__ import annotations

from typing import Any

from lrs.auth import authority_agent
from lrs.errors import Forbidden, InvalidRequest, LrsError, Unauthorized
from lrs.scorm.audit import Client, audit_record, raw_ids, raws_of, write_audit
from lrs.scorm.ingest import Caller
from lrs.scorm.launch_tokens import LaunchClaims, read_token
from lrs.scorm.models import split_batch
from lrs.scorm.timing import now_ms
from lrs.settings import Settings
from lrs.signing import Signer
from lrs.storage import Database
from lrs.storage.indexes import SCORM_SESSIONS

BEARER_CHALLENGE = 'Bearer realm="lrs-bridge", error="invalid_token"'


def _unauthorized(message: str) -> Unauthorized:
    exc = Unauthorized(message, field="Authorization")
    exc.headers["WWW-Authenticate"] = BEARER_CHALLENGE
    return exc


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value).strip()


def _mismatches(raw: Any, claims: LaunchClaims) -> list[str]:
    """The fields of a commit that name something else than its token binds (missing ones are the
    parser's business)."""
    if not isinstance(raw, dict):
        return []
    sco = raw.get("sco", raw.get("package"))
    found = {
        "learner.id": _text((raw.get("learner") or {}).get("id"))
        if isinstance(raw.get("learner"), dict)
        else None,
        "course.id": _text((raw.get("course") or {}).get("id"))
        if isinstance(raw.get("course"), dict)
        else None,
        "sco.id": _text(sco.get("id")) if isinstance(sco, dict) else None,
        "session_id": _text(raw.get("session_id")),
        "version": _text(raw.get("version")),
    }
    bound = {
        "learner.id": claims.learner_id,
        "course.id": claims.course_id,
        "sco.id": claims.sco_id,
        "session_id": claims.session_id,
        "version": claims.version,
    }
    return [name for name, value in found.items() if value is not None and value != bound[name]]


async def _audit_refused(db: Database, raws: list[Any], client: Client, error: LrsError) -> None:
    for raw in raws:
        session, sequence = raw_ids(raw)
        await write_audit(
            db,
            audit_record(
                received_at=now_ms(),
                raw=raw,
                client=client,
                outcome="rejected",
                session_id=session,
                sequence=sequence,
                reasons=[{"status": error.status_code, "field": error.field, "reason": error.message}],
            ),
        )


async def _terminated_before(db: Database, claims: LaunchClaims, raws: list[Any]) -> bool:
    """Whether the session has terminated and some commit carries a sequence it never applied
    above all it did."""
    session = await db.collection(SCORM_SESSIONS).find_one(
        {"_id": claims.session_id}, {"terminated": 1, "max_sequence": 1}
    )
    if not (session or {}).get("terminated"):
        return False
    highest = (session or {}).get("max_sequence")
    highest = -1 if highest is None else int(highest)
    return any(
        isinstance(r, dict) and isinstance(r.get("sequence"), int) and r["sequence"] > highest for r in raws
    )


async def launch_commits(
    db: Database, settings: Settings, signer: Signer, token: str, body: bytes, client: Client
) -> tuple[list[Any], bool, Caller, LaunchClaims]:
    """The commits of a request under a launch token, the caller they are applied as, the claims."""
    try:
        claims = read_token(signer, token)
    except Unauthorized as exc:
        refused = _unauthorized(exc.message)
        await _audit_refused(db, raws_of(body), client, refused)
        raise refused from None
    client = Client(client.ip, client.user_agent, claims.credential)
    try:
        raws, batch = split_batch(body, settings.max_commits_per_batch, settings.max_json_depth)
    except InvalidRequest as exc:
        await _audit_refused(db, raws_of(body), client, exc)
        raise
    error: LrsError | None = None
    wrong = sorted({name for raw in raws for name in _mismatches(raw, claims)})
    if wrong:
        error = Forbidden(
            f"the launch token is for another {', '.join(wrong)} than the commit names", field=wrong[0]
        )
    elif claims.mode == "review":
        error = Forbidden("a review-mode launch is read only: nothing is recorded", field="Authorization")
    elif await _terminated_before(db, claims, raws):
        error = _unauthorized("launch token: the session has terminated")
    if error is not None:
        await _audit_refused(db, raws, client, error)
        raise error
    authority = authority_agent(claims.credential, claims.credential_name, settings.lms_homepage)
    return raws, batch, Caller(authority, claims.credential, client), claims
