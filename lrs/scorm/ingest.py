"""The SCORM commit service: one commit -> commit log, session time, attempt, enrollment, statements.

Why nothing is lost or counted twice without transactions (MongoDB applies each single-document
write atomically, and so does the in-memory store, which runs each call inline on the event loop):
- the commit record is inserted on `_id = "<session>:<sequence>"` while the attempt merge runs, and
  the merge itself matches only when the session's entry in the attempt has not applied that
  sequence yet (merge.py), so a re-send (even one racing the original) merges nothing and only ever
  gets the stored answer;
- the session's time, the attempt's total and the CMI tree move in ONE pipeline update on the attempt
  that returns it as it was just before; concurrent commits are serialised by the database, each sees
  exactly the state the previous one left, and "after" is computed in Python with the same rule;
- session-scoped elements (exit, session_time, entry) are kept per session, so a resumed session never
  reads the previous session's values;
- totals move by additions of each commit's own change, never by read-then-write;
- fields derived from the tree, and the `scorm_sessions` mirror, are written only when no later
  commit's are.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lrs.errors import Conflict, DuplicateKey, InvalidCommit, InvalidRequest, LrsError
from lrs.scorm import attempts as att
from lrs.scorm.audit import Client, audit_record, write_audit
from lrs.scorm.merge import (
    MERGE_RETURN,
    Merged,
    latest_session,
    merge_filter,
    merge_pipeline,
    merged,
    session_key,
    session_view,
)
from lrs.scorm.models import CommitAnswer, CommitIn, parse_commit
from lrs.scorm.timing import now_ms
from lrs.settings import Settings
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_COMMITS, SCORM_SESSIONS
from lrs.xapi.documents import save_state_document
from lrs.xapi.statements import store_statements
from translators import (
    ACTIVITY_STATE_ID,
    ATTEMPT_STATE_ID,
    AttemptState,
    CmiBounds,
    CommitContext,
    activity_state_document,
    attempt_iri,
    attempt_state_document,
    course_iri,
    sco_iri,
    state_from_cmi,
    statements_for_commit,
    validate_cmi,
)

# A commit record still pending after this long belongs to a request that died: a re-send takes over.
CLAIM_TIMEOUT = timedelta(seconds=30)
# How long a re-send waits for the original (still being applied) to store its answer.
PENDING_WAIT_S = 2.0


def cmi_bounds(settings: Settings) -> CmiBounds:
    """The configured bounds on CMI values past the data model (LRS_MAX_DURATION_SECONDS, LRS_MAX_CMI_NUMBER)."""
    return CmiBounds(settings.max_duration_seconds, settings.max_cmi_number)


@dataclass(frozen=True)
class Caller:
    """The credential's authority and key (statements) and the client (audit)."""

    authority: dict[str, Any]
    key: str
    client: Client


def learner_agent(settings: Settings, commit: CommitIn) -> dict[str, Any]:
    """The learner as an xAPI account agent under the LMS home page."""
    agent: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": settings.lms_homepage, "name": commit.learner.id},
    }
    if commit.learner.name:
        agent["name"] = commit.learner.name
    return agent


def _raw_ids(raw: Any) -> tuple[str | None, int | None]:
    """Best-effort session and sequence of a payload, for the audit row of a rejected one."""
    if not isinstance(raw, dict):
        return None, None
    session, sequence = raw.get("session_id"), raw.get("sequence")
    return (
        str(session) if session is not None else None,
        sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else None,
    )


async def ingest(
    db: Database, settings: Settings, raws: list[Any], batch: bool, caller: Caller
) -> list[dict[str, Any]]:
    """Apply commits in (session, sequence) order; answers in the order received. A single commit
    raises its error; in a batch each bad commit gets its own error entry."""
    parsed: list[tuple[int, CommitIn]] = []
    results: list[dict[str, Any] | None] = [None] * len(raws)
    for index, raw in enumerate(raws):
        try:
            where = f"commits[{index}]" if batch else ""
            parsed.append((index, await _parse(db, raw, where, caller, cmi_bounds(settings))))
        except LrsError as exc:
            if not batch:
                raise
            session, sequence = _raw_ids(raw)
            results[index] = {
                "index": index,
                "status": exc.status_code,
                "session_id": session,
                "sequence": sequence,
                **exc.body(),
            }
    for index, commit in sorted(parsed, key=lambda p: (p[1].session_id, p[1].sequence)):
        try:
            results[index] = await apply_commit(db, settings, raws[index], commit, caller)
        except LrsError as exc:
            if not batch:
                raise
            results[index] = {
                "index": index,
                "status": exc.status_code,
                "session_id": commit.session_id,
                "sequence": commit.sequence,
                **exc.body(),
            }
    return [r for r in results if r is not None]


async def _parse(db: Database, raw: Any, where: str, caller: Caller, bounds: CmiBounds) -> CommitIn:
    """The commit model of a payload; a bad one is audited as rejected before its error is raised."""
    try:
        commit = parse_commit(raw, where)
    except InvalidRequest as exc:
        session, sequence = _raw_ids(raw)
        await write_audit(
            db,
            audit_record(
                received_at=now_ms(),
                raw=raw,
                client=caller.client,
                outcome="rejected",
                session_id=session,
                sequence=sequence,
                reasons=[{"field": f, "reason": exc.message} for f in exc.details.get("fields", [exc.field])],
            ),
        )
        raise
    problems = validate_cmi(commit.version, commit.cmi, bounds)
    if problems:
        await write_audit(
            db,
            audit_record(
                received_at=now_ms(),
                raw=raw,
                client=caller.client,
                outcome="rejected",
                session_id=commit.session_id,
                sequence=commit.sequence,
                reasons=[{"element": p.element, "value": p.value, "reason": p.reason} for p in problems],
            ),
        )
        raise InvalidCommit(problems)
    return commit


async def _claim(db: Database, commit: CommitIn, now: datetime) -> bool:
    """Record (session, sequence) as pending; False when a record of it exists already."""
    try:
        await db.collection(SCORM_COMMITS).insert_one(
            {
                "_id": f"{commit.session_id}:{commit.sequence}",
                "session_id": commit.session_id,
                "sequence": commit.sequence,
                "received_at": now,
                "state": "pending",
                "answer": None,
            }
        )
        return True
    except DuplicateKey:
        return False


async def _stored_answer(db: Database, commit: CommitIn, now: datetime) -> dict[str, Any] | None:
    """The answer of the earlier request that applied this commit (waiting while it finishes); None
    when that request died (still pending after CLAIM_TIMEOUT): this one takes over."""
    commits = db.collection(SCORM_COMMITS)
    key = f"{commit.session_id}:{commit.sequence}"
    waited = 0.0
    while True:
        stored = await commits.find_one({"_id": key})
        if stored is not None and stored.get("answer") is not None:
            return dict(stored["answer"])
        if waited >= PENDING_WAIT_S:
            break
        await asyncio.sleep(0.05)
        waited += 0.05
    taken = await commits.find_one_and_update(
        {"_id": key, "state": "pending", "received_at": {"$lt": now - CLAIM_TIMEOUT}},
        {"$set": {"received_at": now}},
    )
    if taken is not None:
        return None
    raise Conflict(f"commit {key} is still being applied by an earlier request; retry", field="sequence")


async def _merge(
    db: Database,
    commit: CommitIn,
    enrollment: str,
    pipeline: list[dict[str, Any]],
    claimed: bool,
    now: datetime,
) -> tuple[dict[str, Any] | None, bool, dict[str, Any] | None]:
    """When the first merge matched nothing: place a new session and merge, or answer a duplicate.
    (attempt before the merge, attempt created, stored answer of a duplicate)."""
    attempts = db.collection(SCORM_ATTEMPTS)
    created, before = False, None
    if claimed:  # most likely the session's first commit
        created = await att.place_session(db, commit, enrollment, now)
        before = await attempts.find_one_and_update(
            merge_filter(commit, enrollment), pipeline, return_new=False, projection=MERGE_RETURN
        )
    if before is not None:
        return before, created, None
    stored = await _stored_answer(db, commit, now)
    if stored is not None:
        return None, False, stored
    # the request that claimed it died: apply it again (a merge that already landed changes nothing)
    forced = {"enrollment_id": enrollment, "session_ids": commit.session_id}
    before = await attempts.find_one_and_update(forced, pipeline, return_new=False, projection=MERGE_RETURN)
    if before is None:
        created = await att.place_session(db, commit, enrollment, now)
        before = await attempts.find_one_and_update(
            forced, pipeline, return_new=False, projection=MERGE_RETURN
        )
    assert before is not None, "a placed session has its attempt"
    return before, created, None


async def apply_commit(
    db: Database, settings: Settings, raw: Any, commit: CommitIn, caller: Caller
) -> dict[str, Any]:
    """Apply one valid commit (issue 3, Semantics) and return its answer.

    Round trips: (1) claim the (session, sequence) and merge into the attempt, together; (2) the
    enrollment, derived fields, session record, statements and state documents, together; (3) the
    answer and the audit row, together. A session's first commit places the session first."""
    now = now_ms()
    enrollment = att.enrollment_id(commit.learner.id, commit.course.id)
    pipeline = merge_pipeline(commit, now, settings.idle_gap_seconds)
    claimed, first_try = await asyncio.gather(
        _claim(db, commit, now),
        db.collection(SCORM_ATTEMPTS).find_one_and_update(
            merge_filter(commit, enrollment), pipeline, return_new=False, projection=MERGE_RETURN
        ),
    )
    before, created, stored = first_try, False, None
    if before is None:
        before, created, stored = await _merge(db, commit, enrollment, pipeline, claimed, now)
    if stored is not None:
        stored["outcome"] = "duplicate"
        await write_audit(
            db,
            audit_record(
                received_at=now,
                raw=raw,
                client=caller.client,
                outcome="duplicate",
                session_id=commit.session_id,
                sequence=commit.sequence,
                reasons=[{"reason": "this (session_id, sequence) was already applied; nothing changed"}],
                enrollment_id=enrollment,
                attempt_id=stored["attempt"]["id"],
            ),
        )
        return stored
    assert before is not None
    m = merged(before, commit, now, settings.idle_gap_seconds)
    delta = m.time_after.time_s - m.time_before.time_s
    before_view = session_view(commit.version, before["cmi"], m.session_cmi_before)
    before_state = state_from_cmi(commit.version, before_view)
    view = session_view(commit.version, m.tree, m.session_cmi_after)
    after_state = state_from_cmi(commit.version, view)
    entry_before = before["by_session"][session_key(commit.session_id)]
    latest = latest_session(before)
    if (latest.get("ordinal") or 0) > m.ordinal:  # a late commit of an earlier session
        latest_tree_before = session_view(commit.version, before["cmi"], latest.get("cmi"))
        current_before = state_from_cmi(commit.version, latest_tree_before)
        current = state_from_cmi(commit.version, session_view(commit.version, m.tree, latest.get("cmi")))
        finished = bool(latest.get("terminated")) and current.exit != "suspend"
        finished_before = bool(latest.get("terminated")) and current_before.exit != "suspend"
    else:
        current_before, current = before_state, after_state
        finished_before = bool(entry_before.get("terminated")) and before_state.exit != "suspend"
        finished = m.terminated and after_state.exit != "suspend"
    done = att.is_done(after_state)
    attempt = {"_id": before["_id"], "number": before["number"]}
    total_before = float(before.get("total_time_s") or 0.0)
    total_time_s = total_before + delta
    # Unchanged derived fields need no write: the stored ones are those of an earlier commit that
    # changed them (its write carries them), except on a session's first commit, where the latest
    # session (whose elements the fields show) may have changed without a merge.
    derive = (
        m.rev == 1
        or finished != finished_before
        or current != current_before
        or (done and before.get("completed_at") is None)
    )

    enrollment_doc, _, _, statement_ids, _ = await asyncio.gather(
        att.update_enrollment(
            db, enrollment, att.enrollment_update(commit, attempt, after_state, m.count, delta, now)
        ),
        att.write_derived(db, attempt["_id"], m.count, att.derived_fields(current, finished), done, now)
        if derive
        else _nothing(),
        _write_session(db, commit.session_id, m),
        _statements(
            db, settings, commit, caller, enrollment, attempt, m.ordinal, before_state, after_state, now
        ),
        _documents(
            db,
            settings,
            commit,
            enrollment,
            attempt,
            created,
            (before_view, before_state, total_before),
            (view, after_state, total_time_s),
        ),
    )

    outcome = "stale" if commit.cmi and m.won == 0 else "applied"
    answer = CommitAnswer.model_validate(
        {
            "session_id": commit.session_id,
            "sequence": commit.sequence,
            "status": 200,
            "outcome": outcome,
            "enrollment": {
                "id": enrollment,
                "status": enrollment_doc["status"],
                "attempt_count": int(enrollment_doc["attempt_count"]),
                "best_score": enrollment_doc.get("best_score_raw"),
                "total_time_s": float(enrollment_doc["total_time_s"]),
            },
            "attempt": {
                "id": attempt["_id"],
                "number": attempt["number"],
                "session_id": commit.session_id,
                "completed": done,
                "completion_status": after_state.completion,
                "success_status": after_state.success,
                "score_raw": after_state.score_raw,
                "score_scaled": after_state.score_scaled,
                "commit_count": m.count,
                "last_sequence": m.last_sequence,
            },
            "progress": {"completed": done, "score": after_state.score_raw},
            "statement_ids": statement_ids,
            "changes": len(m.changes),
        }
    ).model_dump()
    await asyncio.gather(
        db.collection(SCORM_COMMITS).update_one(
            {"_id": f"{commit.session_id}:{commit.sequence}"},
            {
                "$set": {
                    "session_id": commit.session_id,
                    "sequence": commit.sequence,
                    "state": outcome,
                    "answer": answer,
                    "attempt_id": attempt["_id"],
                }
            },
            upsert=True,
        ),
        write_audit(
            db,
            audit_record(
                received_at=now,
                raw=raw,
                client=caller.client,
                outcome=outcome,
                session_id=commit.session_id,
                sequence=commit.sequence,
                changes=m.changes,
                attempt_id=attempt["_id"],
                enrollment_id=enrollment,
                statement_ids=statement_ids,
                reasons=[]
                if outcome == "applied"
                else [{"reason": "every element is older than the stored value; nothing merged"}],
            ),
        ),
    )
    return answer


async def _nothing() -> None:
    """No write."""


async def _write_session(db: Database, session_id: str, m: Merged) -> None:
    """Mirror the session's time into `scorm_sessions` (the reports' contract); the write of the
    session's latest commit wins, whatever order concurrent commits finish in."""
    time = m.time_after
    await db.collection(SCORM_SESSIONS).update_one(
        {"_id": session_id, "commit_rev": {"$lt": m.rev}},
        {
            "$set": {
                "ordinal": m.ordinal,
                "last_commit_at": time.last_commit_at,
                "measured_s": time.measured_s,
                "session_time_s": time.session_time_s,
                "session_time_seq": time.session_time_seq,
                "time_s": time.time_s,
                "time_source": time.time_source,
                "commit_rev": m.rev,
            }
        },
    )


async def _statements(
    db: Database,
    settings: Settings,
    commit: CommitIn,
    caller: Caller,
    enrollment: str,
    attempt: dict[str, Any],
    ordinal: int,
    before: AttemptState,
    after: AttemptState,
    now: datetime,
) -> list[str]:
    """Store the xAPI statements of what this commit changed (deterministic ids: re-sends add none)."""
    base = settings.activity_iri_base
    ctx = CommitContext(
        version=commit.version,
        event=commit.event,
        session_id=commit.session_id,
        sequence=commit.sequence,
        timestamp=commit.client_time() or now,
        learner=learner_agent(settings, commit),
        registration=enrollment,
        course_iri=course_iri(base, commit.course.id),
        course_title=commit.course.title,
        sco_iri=sco_iri(base, commit.course.id, commit.sco.id),
        sco_title=commit.sco.title,
        attempt_iri=attempt_iri(base, commit.course.id, attempt["_id"]),
        attempt_number=attempt["number"],
        resumed=ordinal > 1,
    )
    statements = statements_for_commit(ctx, before, after)
    if not statements:
        return []
    return await store_statements(
        db,
        settings,
        statements,
        caller.authority,
        authority_key=caller.key,
        source="scorm",
        ignore_existing=True,
    )


async def _documents(
    db: Database,
    settings: Settings,
    commit: CommitIn,
    enrollment: str,
    attempt: dict[str, Any],
    created: bool,
    before: tuple[dict[str, str], AttemptState, float],
    after: tuple[dict[str, str], AttemptState, float],
) -> None:
    """The profile's state documents: activity state when an attempt starts, attempt state when the
    session opens or ends, or when its content changed (what external tools read stays current)."""
    base = settings.activity_iri_base
    agent = learner_agent(settings, commit)
    writes = []
    if created:
        attempts = [
            attempt_iri(base, commit.course.id, att.attempt_id(enrollment, n))
            for n in range(1, attempt["number"] + 1)
        ]
        writes.append(
            save_state_document(
                db,
                activity_id=sco_iri(base, commit.course.id, commit.sco.id),
                agent=agent,
                registration=None,
                state_id=ACTIVITY_STATE_ID,
                document=activity_state_document(attempts),
            )
        )
    document = attempt_state_document(commit.version, after[0], after[2], after[1])
    if (
        created
        or commit.event != "commit"
        or document != attempt_state_document(commit.version, before[0], before[2], before[1])
    ):
        writes.append(
            save_state_document(
                db,
                activity_id=attempt_iri(base, commit.course.id, attempt["_id"]),
                agent=agent,
                registration=enrollment,
                state_id=ATTEMPT_STATE_ID,
                document=document,
            )
        )
    await asyncio.gather(*writes)
