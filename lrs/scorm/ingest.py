"""The SCORM commit service: one commit -> attempt merge, then statements, enrollment, session, answer, audit.

Exactly once without transactions (MongoDB applies each single-document write atomically, and so does
the in-memory store):
- a commit is merged by one update of its attempt that matches only the revision it was computed from
  (merge.py), and that same update stores the commit's plan: all the work left (plan.py). A commit is
  therefore merged at most once: a request that finds the plan of its commit in the attempt finishes it
  instead of merging again, and one that finds the commit record (`_id = "<session>:<sequence>"`, the
  set of applied commits) has nothing to merge;
- every step after the merge is idempotent (deterministic statement ids, upserts, max-wins and
  revision-guarded updates), and the plan is cleared only once the commit record holds what the
  commit did; so a re-send after a failure at any step finishes what is left and ends where a clean
  run ends, never waits, and is never merged twice;
- the attempt and the commit record are read in that order, so a commit whose plan was cleared
  between the two reads is found by its record.
Every commit received gets an audit row, whatever its outcome (errors included).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lrs.errors import CommitNotApplied, Conflict, DuplicateKey, InvalidCommit, InvalidRequest, LrsError
from lrs.metrics import COMMITS
from lrs.scorm import attempts as att
from lrs.scorm import limits
from lrs.scorm.audit import Client, audit_record, raw_ids, raws_of, write_audit
from lrs.scorm.merge import (
    SessionState,
    commit_key,
    key_hash,
    known_unapplied,
    merge_update,
    newest_session,
    rev_filter,
)
from lrs.scorm.models import CommitAnswer, CommitIn, parse_commit, split_batch
from lrs.scorm.plan import Plan, build_plan, learner_agent
from lrs.scorm.timing import now_ms
from lrs.settings import Settings
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_AUDIT, SCORM_COMMITS, SCORM_ENROLLMENTS, SCORM_SESSIONS
from lrs.xapi.documents import save_state_document
from lrs.xapi.statements import store_statements
from translators import CmiBounds, validate_cmi

__all__ = ["Caller", "apply_commit", "ingest", "learner_agent"]

# A commit that loses the race for its attempt's revision this many times in a row gives up (409).
MAX_MERGE_TRIES = 1000
# A plan still in its attempt this long after its merge belongs to a request that failed: the next
# commit of the attempt finishes it, so its statements are stored even if the commit is never re-sent.
STALLED_AFTER = timedelta(seconds=60)


def cmi_bounds(settings: Settings) -> CmiBounds:
    """The configured bounds on CMI values past the data model (LRS_MAX_DURATION_SECONDS, LRS_MAX_CMI_NUMBER)."""
    return CmiBounds(settings.max_duration_seconds, settings.max_cmi_number)


@dataclass(frozen=True)
class Caller:
    """The credential's authority and key (statements) and the client (audit)."""

    authority: dict[str, Any]
    key: str
    client: Client


async def read_commits(
    db: Database, settings: Settings, body: bytes, caller: Caller
) -> tuple[list[Any], bool]:
    """The raw commits of a request body and whether it was a batch; a body refused as a whole (not
    JSON, too deep, too many commits, numbers out of range) is audited, one row per commit in it."""
    try:
        return split_batch(body, settings.max_commits_per_batch, settings.max_json_depth)
    except LrsError as exc:
        for raw in raws_of(body):
            await _audit_failure(db, raw, caller, exc, now_ms(), None)
        raise


async def ingest(
    db: Database, settings: Settings, raws: list[Any], batch: bool, caller: Caller
) -> list[dict[str, Any]]:
    """Apply commits in (session, sequence) order; answers in the order received. A single commit
    raises its error; in a batch each bad commit gets its own error entry."""
    parsed: list[tuple[int, CommitIn]] = []
    results: list[dict[str, Any] | None] = [None] * len(raws)
    for index, raw in enumerate(raws):
        try:
            parsed.append(
                (index, await _parse(db, settings, raw, f"commits[{index}]" if batch else "", caller))
            )
        except LrsError as exc:
            if not batch:
                raise
            session, sequence = raw_ids(raw)
            results[index] = {
                "index": index,
                "status": exc.status_code,
                "session_id": session,
                "sequence": sequence,
                **exc.body(),
            }
    failed: set[str] = set()  # sessions of which a commit failed: their later commits wait for a re-send
    ordered = sorted(parsed, key=lambda p: (p[1].session_id, p[1].sequence))
    for position, (index, commit) in enumerate(ordered):
        try:
            if commit.session_id in failed:
                await _skip(db, raws[index], commit, caller)
            results[index] = await apply_commit(db, settings, raws[index], commit, caller)
        except LrsError as exc:
            if not batch:
                raise
            if exc.status_code >= 500:
                failed.add(commit.session_id)
            results[index] = {
                "index": index,
                "status": exc.status_code,
                "session_id": commit.session_id,
                "sequence": commit.sequence,
                **exc.body(),
            }
        except Exception:  # a bug: the request fails (500); the commits it never reached are audited
            for later_index, later in ordered[position + 1 :]:
                with contextlib.suppress(CommitNotApplied):
                    await _skip(
                        db, raws[later_index], later, caller, "the request failed on an earlier commit"
                    )
            raise
    return [r for r in results if r is not None]


async def _skip(
    db: Database,
    raw: Any,
    commit: CommitIn,
    caller: Caller,
    why: str = "an earlier commit of its session in this batch failed",
) -> None:
    """Leave out a batched commit that cannot be applied in order (audited, then raised)."""
    exc = CommitNotApplied(
        f"commit {commit_key(commit)} was not applied: {why}; send it again", field="sequence"
    )
    await _audit_failure(db, raw, caller, exc, now_ms(), commit)
    raise exc


def _reasons(exc: Exception) -> list[dict[str, Any]]:
    if isinstance(exc, InvalidCommit):
        return [{"element": p.element, "value": p.value, "reason": p.reason} for p in exc.problems]
    if isinstance(exc, InvalidRequest) and exc.details.get("fields"):
        return [{"field": f, "reason": exc.message} for f in exc.details["fields"]]
    if isinstance(exc, LrsError):
        return [{"field": exc.field, "reason": exc.message, "status": exc.status_code}]
    return [{"reason": "unexpected error while applying the commit", "status": 500}]


async def _audit_failure(
    db: Database, raw: Any, caller: Caller, exc: Exception, received_at: datetime, commit: CommitIn | None
) -> None:
    """The audit row of a commit answered with an error: `rejected` (4xx) or `error` (5xx)."""
    session, sequence = (commit.session_id, commit.sequence) if commit else raw_ids(raw)
    status = exc.status_code if isinstance(exc, LrsError) else 500
    record = audit_record(
        received_at=received_at,
        raw=raw,
        client=caller.client,
        outcome="rejected" if status < 500 else "error",
        session_id=session,
        sequence=sequence,
        reasons=_reasons(exc),
    )
    try:
        await write_audit(db, record)
    except LrsError as audit_exc:  # the store is failing: the commit's own error is what the client gets
        exc.add_note(f"its audit row could not be written either: {audit_exc}")


async def _parse(db: Database, settings: Settings, raw: Any, where: str, caller: Caller) -> CommitIn:
    """The commit model of a valid payload within the limits; a bad one is audited before its error."""
    received_at = now_ms()
    commit: CommitIn | None = None
    try:
        commit = parse_commit(raw, where)
        problems = validate_cmi(commit.version, commit.cmi, cmi_bounds(settings))
        if problems:
            raise InvalidCommit(problems)
        limits.check_commit(settings, commit.cmi)
    except LrsError as exc:
        await _audit_failure(db, raw, caller, exc, received_at, commit)
        raise
    return commit


async def apply_commit(
    db: Database, settings: Settings, raw: Any, commit: CommitIn, caller: Caller
) -> dict[str, Any]:
    """Apply one valid commit (issue 3, Semantics) and return its answer; audited whatever happens."""
    now = now_ms()
    try:
        return await _apply(db, settings, raw, commit, caller, now)
    except Exception as exc:
        await _audit_failure(db, raw, caller, exc, now, commit)
        raise


async def _apply(
    db: Database, settings: Settings, raw: Any, commit: CommitIn, caller: Caller, now: datetime
) -> dict[str, Any]:
    key = commit_key(commit)
    enrollment = att.enrollment_id(commit.learner.id, commit.course.id)
    commits, attempts = db.collection(SCORM_COMMITS), db.collection(SCORM_ATTEMPTS)
    # the usual case: a commit of its attempt's latest session, found by that session in one read
    record, attempt, known = await asyncio.gather(
        commits.find_one({"_id": key}),
        attempts.find_one({"enrollment_id": enrollment, "latest.session_id": commit.session_id}),
        db.collection(SCORM_ENROLLMENTS).find_one({"_id": enrollment}),
    )
    if record is not None and record.get("answer") is not None:
        # a plan left behind by a failure after the answer was stored is cleared (unless the attempt,
        # read already, shows there is none)
        left = attempt is None or key_hash(key) in (attempt.get("pending") or {})
        return await _duplicate(db, raw, commit, caller, now, record["answer"], clear=left)
    session_doc: dict[str, Any] | None = None
    for _ in range(MAX_MERGE_TRIES):
        session: SessionState | None = None
        if attempt is not None:
            entry = (attempt.get("pending") or {}).get(key_hash(key))
            if entry is not None:  # merged by an earlier request that did not finish: finish it
                return await _finish(db, settings, Plan.of(entry), known, Request(raw, caller, now))
            latest = attempt.get("latest") or {}
            if latest.get("session_id") == commit.session_id and known_unapplied(latest, commit.sequence):
                session = SessionState.of(latest)  # current as of this read, and the commit not applied
        if session is None:  # the record and the session's state, read after the attempt
            if session_doc is None:
                session_doc = await _session_record(db, commit, enrollment, now)
            if attempt is None or attempt["_id"] != session_doc["attempt_id"]:
                attempt = await attempts.find_one({"_id": session_doc["attempt_id"]})
                assert attempt is not None, "a placed session has its attempt"
                entry = (attempt.get("pending") or {}).get(key_hash(key))
                if entry is not None:
                    return await _finish(db, settings, Plan.of(entry), known, Request(raw, caller, now))
            record, fresh = await asyncio.gather(
                commits.find_one({"_id": key}),
                db.collection(SCORM_SESSIONS).find_one({"_id": commit.session_id}),
            )
            if record is not None:  # merged and finished, except perhaps its answer
                if record.get("answer") is not None:
                    return await _duplicate(db, raw, commit, caller, now, record["answer"], clear=False)
                return await _finish_answer(db, record, raw, caller, now)
            assert fresh is not None
            if int(fresh.get("attempt_rev") or 0) > int(attempt.get("rev") or 0):
                attempt = None  # the attempt moved on since it was read
                continue
            session = newest_session(attempt, fresh, commit.session_id)
        assert attempt is not None
        await _finish_stalled(db, settings, attempt, key, now)
        origin = {
            "payload": raw,
            "client": [caller.client.ip, caller.client.user_agent, caller.client.credential],
            "authority": caller.authority,
            "authority_key": caller.key,
        }
        plan, m, derived = build_plan(settings, commit, attempt, session, now, origin)
        result = await attempts.update_one(
            rev_filter(attempt), merge_update(attempt, m, now, derived, plan.entry())
        )
        if result.matched:
            return await _finish(db, settings, plan, known, Request(raw, caller, now), merged_here=True)
        attempt = await attempts.find_one({"_id": attempt["_id"]})  # another commit got there first
    raise Conflict(
        f"commit {key}: its attempt changed {MAX_MERGE_TRIES} times while merging; retry", field="sequence"
    )


async def _session_record(db: Database, commit: CommitIn, enrollment: str, now: datetime) -> dict[str, Any]:
    """The session's record (placing the session on its first commit); 422 for another learner's."""
    doc = await db.collection(SCORM_SESSIONS).find_one({"_id": commit.session_id})
    if doc is None:
        doc = await att.place_session(db, commit, enrollment, now)
    att.check_enrollment(doc, commit, enrollment)
    return doc


@dataclass(frozen=True)
class Request:
    """The request finishing a plan (audited as a duplicate when the plan was another request's)."""

    raw: Any
    caller: Caller
    now: datetime


async def _finish(
    db: Database,
    settings: Settings,
    plan: Plan,
    enrollment: dict[str, Any] | None,
    request: Request | None,
    *,
    merged_here: bool = False,
) -> dict[str, Any]:
    """Do a merged commit's remaining work (each step idempotent), store its record, clear its plan.
    `request` is None when a stalled plan is finished by a commit of another session or sequence."""
    body = plan.body
    e = body["enrollment"]
    origin = body["origin"]
    applied_row = audit_record(
        received_at=plan.now,
        raw=origin["payload"],
        client=Client(*origin["client"]),
        outcome=body["outcome"],
        session_id=plan.session_id,
        sequence=body["answer"]["sequence"],
        changes=body["changes"],
        attempt_id=e["attempt_id"],
        enrollment_id=e["id"],
        statement_ids=body["answer"]["statement_ids"],
        reasons=[]
        if body["outcome"] == "applied"
        else [{"reason": "every element is older than the stored value; nothing merged"}],
    )
    applied_row.pop("_id")  # the applied row of a commit is keyed by the commit: written once
    enrollment_doc, *_ = await asyncio.gather(
        att.update_enrollment(db, e, plan.rev, plan.now, enrollment),
        db.collection(SCORM_SESSIONS).update_one(
            {"_id": plan.session_id, "attempt_rev": {"$lt": plan.rev}}, {"$set": plan.session.fields()}
        ),
        _store_statements(db, settings, body["statements"], origin["authority"], origin["authority_key"]),
        _store_documents(db, body["agent"], body["documents"]),
        _upsert(
            db,
            SCORM_COMMITS,
            plan.key,
            {
                "$set": {
                    "session_id": plan.session_id,
                    "sequence": body["answer"]["sequence"],
                    "state": body["outcome"],
                    "attempt_id": e["attempt_id"],
                    "enrollment_id": e["id"],
                    "draft": body["answer"],
                }
            },
        ),
        _upsert(db, SCORM_AUDIT, f"applied:{plan.key}", {"$setOnInsert": applied_row}),
    )
    answer = _answer(body["answer"], enrollment_doc)
    if merged_here:  # the applied row is upserted (written once), not appended: counted here
        COMMITS.labels(body["outcome"]).inc()
    writes = [
        db.collection(SCORM_COMMITS).update_one({"_id": plan.key}, {"$set": {"answer": answer}}),
        _clear_plan(db, e["attempt_id"], plan.key),
    ]
    if request is not None and not merged_here:  # this request finished an earlier one's work
        writes.append(
            _audit_duplicate(
                db,
                request.raw,
                request.caller,
                request.now,
                answer,
                "finished the work of an earlier request",
            )
        )
    await asyncio.gather(*writes)
    return answer


async def _finish_stalled(
    db: Database, settings: Settings, attempt: dict[str, Any], key: str, now: datetime
) -> None:
    """Finish the plans of other commits of the attempt left stalled for STALLED_AFTER (their request
    failed and no re-send came): no statement of a merged commit is ever lost."""
    for name, entry in (attempt.get("pending") or {}).items():
        at = entry["at"] if entry["at"].tzinfo else entry["at"].replace(tzinfo=UTC)
        if name != key_hash(key) and now - at > STALLED_AFTER:
            enrollment = await db.collection(SCORM_ENROLLMENTS).find_one({"_id": attempt["enrollment_id"]})
            await _finish(db, settings, Plan.of(entry), enrollment, None)


async def _upsert(db: Database, collection: str, _id: str, update: dict[str, Any]) -> None:
    """An upsert on `_id`; two racing first upserts may collide on MongoDB: the second then updates."""
    try:
        await db.collection(collection).update_one({"_id": _id}, update, upsert=True)
    except DuplicateKey:
        await db.collection(collection).update_one({"_id": _id}, update)


def _answer(draft: dict[str, Any], enrollment: dict[str, Any]) -> dict[str, Any]:
    """A commit's answer: its draft (from the plan) and its enrollment's figures after it."""
    return CommitAnswer.model_validate(
        {
            **draft,
            "enrollment": {
                "id": enrollment["_id"],
                "status": enrollment["status"],
                "attempt_count": int(enrollment["attempt_count"]),
                "best_score": enrollment.get("best_score_raw"),
                "total_time_s": float(enrollment["total_time_s"]),
            },
        }
    ).model_dump()


async def _finish_answer(
    db: Database, record: dict[str, Any], raw: Any, caller: Caller, now: datetime
) -> dict[str, Any]:
    """Store the answer of a commit whose work is all done but whose answer was not stored."""
    enrollment = await db.collection(SCORM_ENROLLMENTS).find_one({"_id": record["enrollment_id"]})
    assert enrollment is not None, "a finished commit's enrollment is stored before its record"
    answer = _answer(record["draft"], enrollment)
    await asyncio.gather(
        db.collection(SCORM_COMMITS).update_one({"_id": record["_id"]}, {"$set": {"answer": answer}}),
        _audit_duplicate(db, raw, caller, now, answer, "finished the work of an earlier request"),
        _clear_plan(db, record["attempt_id"], record["_id"]),
    )
    return answer


async def _audit_duplicate(
    db: Database, raw: Any, caller: Caller, now: datetime, answer: dict[str, Any], why: str
) -> None:
    await write_audit(
        db,
        audit_record(
            received_at=now,
            raw=raw,
            client=caller.client,
            outcome="duplicate",
            session_id=answer["session_id"],
            sequence=answer["sequence"],
            reasons=[{"reason": why}],
            enrollment_id=answer["enrollment"]["id"],
            attempt_id=answer["attempt"]["id"],
        ),
    )


async def _duplicate(
    db: Database,
    raw: Any,
    commit: CommitIn,
    caller: Caller,
    now: datetime,
    stored: dict[str, Any],
    *,
    clear: bool,
) -> dict[str, Any]:
    """The stored answer of a commit applied already, audited as a duplicate."""
    answer = dict(stored) | {"outcome": "duplicate"}
    writes = [
        _audit_duplicate(
            db, raw, caller, now, answer, "this (session_id, sequence) was already applied; nothing changed"
        )
    ]
    if clear:
        writes.append(_clear_plan(db, answer["attempt"]["id"], commit_key(commit)))
    await asyncio.gather(*writes)
    return answer


async def _clear_plan(db: Database, attempt_id: str, key: str) -> None:
    """Remove a finished commit's plan from its attempt (its record holds what it did)."""
    await db.collection(SCORM_ATTEMPTS).update_one(
        {"_id": attempt_id, f"pending.{key_hash(key)}": {"$exists": True}},
        {"$unset": {f"pending.{key_hash(key)}": ""}},
    )


async def _store_statements(
    db: Database,
    settings: Settings,
    statements: list[dict[str, Any]],
    authority: dict[str, Any],
    authority_key: str,
) -> None:
    """Store a commit's statements (deterministic ids: a second run adds none), in batches of the
    statement batch limit (a commit's count is bounded by the interaction and objective limits)."""
    size = max(1, settings.max_batch_statements)
    await asyncio.gather(
        *(
            store_statements(
                db,
                settings,
                statements[i : i + size],
                authority,
                authority_key=authority_key,
                source="scorm",
                ignore_existing=True,
            )
            for i in range(0, len(statements), size)
        )
    )


async def _store_documents(db: Database, agent: dict[str, Any], documents: list[dict[str, Any]]) -> None:
    """The profile's state documents of the plan (activity state, attempt state)."""
    await asyncio.gather(
        *(
            save_state_document(
                db,
                activity_id=d["activity_id"],
                agent=agent,
                registration=d["registration"],
                state_id=d["state_id"],
                document=d["document"],
            )
            for d in documents
        )
    )
