"""Legacy progress rows (POST /admin/imports, sent by `lrs-bridge import FILE`) -> enrollments, one
attempt each, a synthetic session and their statements. Ids are deterministic and every record is
inserted on its `_id`, the enrollment last, so a second run (or a run after a crash) adds nothing
twice."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from lrs.auth import authority_agent
from lrs.errors import DuplicateKey
from lrs.scorm import attempts as att
from lrs.scorm import tree as cmi_tree
from lrs.scorm.ingest import learner_agent
from lrs.scorm.legacy import LegacyRow, RowLimits, RowProblem, parse_row
from lrs.scorm.models import CommitIn
from lrs.scorm.timing import now_ms
from lrs.settings import Settings
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_ENROLLMENTS, SCORM_SESSIONS
from lrs.xapi.documents import save_state_document
from lrs.xapi.statements import store_statements
from translators import (
    ACTIVITY_STATE_ID,
    ATTEMPT_STATE_ID,
    EMPTY_STATE,
    AttemptState,
    CommitContext,
    activity_state_document,
    attempt_iri,
    attempt_state_document,
    course_iri,
    sco_iri,
    state_from_cmi,
    statements_for_commit,
)

IMPORT_KEY = "import"


def _scaled(raw: float | None) -> float | None:
    """Legacy scores are percentages (0-100)."""
    return round(raw / 100, 7) if raw is not None and 0 <= raw <= 100 else None


def row_state(row: LegacyRow) -> AttemptState:
    """The attempt state of a legacy row: its CMI data, with the row's own columns taking precedence."""
    state = state_from_cmi(row.version, row.cmi) if row.cmi else EMPTY_STATE
    completion = state.completion
    if row.completed:
        completion = "completed"
    elif completion == "unknown":
        completion = "incomplete" if row.attempts or row.total_time_s else "not attempted"
    score = row.last_score if row.last_score is not None else state.score_raw
    return replace(
        state,
        completion=completion,
        score_raw=score,
        score_scaled=state.score_scaled if row.last_score is None else _scaled(score),
        session_time_s=row.total_time_s or None,
        entry=state.entry,
        exit=state.exit,
    )


def _status(state: AttemptState, active: bool) -> str:
    if state.success == "passed":
        return "passed"
    if state.completion == "completed" and state.success != "failed":
        return "completed"
    if state.success == "failed":
        return "failed"
    return "in progress" if active else "not attempted"


@dataclass(frozen=True)
class Plan:
    """The records one legacy row becomes."""

    enrollment: dict[str, Any]
    attempt: dict[str, Any]
    session: dict[str, Any]
    state: AttemptState


def plan_row(row: LegacyRow, now: datetime) -> Plan:
    """The enrollment, attempt (number 1) and synthetic session of a legacy row."""
    enrollment = att.enrollment_id(row.user_id, row.course_id)
    session_id = f"import:{enrollment}"
    first = row.first_access or row.last_access or now
    last = row.last_access or first
    state = row_state(row)
    commit = CommitIn.model_validate(
        {
            "learner": {"id": row.user_id, "name": row.user_name},
            "course": {"id": row.course_id, "title": row.course_title},
            "sco": {"id": row.sco_id, "title": row.sco_title},
            "version": row.version,
            "session_id": session_id,
            "sequence": 0,
            "cmi": row.cmi,
        }
    )
    attempt = att.new_attempt(commit, enrollment, 1, first, session_id)
    done = att.is_done(state)
    order = cmi_tree.order_key(1, 0)
    attempt.update(att.derived_fields(state, finished=row.completed))
    attempt.update(
        {
            "cmi": {cmi_tree.encode(k): {"v": v, "s": order} for k, v in row.cmi.items()},
            "last_commit_at": last,
            "completed_at": last if done else None,
            "session_ids": [session_id],
            "session_count": 1,
            "total_time_s": row.total_time_s,
            "imported": True,
        }
    )
    active = bool(row.attempts or row.total_time_s or row.completed or row.last_score is not None)
    passed, completed = (
        state.success == "passed",
        state.completion == "completed" and state.success != "failed",
    )
    best = max((s for s in (row.best_score, row.last_score) if s is not None), default=None)
    record = {
        "_id": enrollment,
        "learner_id": row.user_id,
        "learner_name": row.user_name,
        "course_id": row.course_id,
        "course_title": row.course_title,
        "first_access": first,
        "last_access": last,
        "status": _status(state, active),
        "attempt_count": max(row.attempts, 1),
        "legacy_attempts": row.attempts,
        "max_attempt_number": 1,
        "best_score_raw": best,
        "best_score_scaled": _scaled(best),
        "last_score_raw": state.score_raw,
        "last_score_scaled": state.score_scaled,
        "completed_at": last if passed or completed else None,
        "current_attempt_id": attempt["_id"],
        "total_time_s": row.total_time_s,
        "attempt_time": {"a1": {"r": 0, "t": row.total_time_s}},
        "latest_key": att.LATEST_FACTOR,
        "latest_success": state.success,
        "ever_passed": int(passed),
        "ever_completed": int(completed),
        "imported": True,
    }
    session = {
        "_id": session_id,
        "attempt_id": attempt["_id"],
        "attempt_number": 1,
        "enrollment_id": enrollment,
        "learner_id": row.user_id,
        "course_id": row.course_id,
        "sco_id": row.sco_id,
        "ordinal": 1,
        "started_at": first,
        "last_commit_at": last,
        "session_time_s": None,
        "session_time_seq": None,
        "measured_s": 0.0,
        "time_s": row.total_time_s,
        "time_source": "imported",
    }
    return Plan(record, attempt, session, state)


async def _insert(db: Database, name: str, doc: dict[str, Any]) -> bool:
    """Insert on `_id`; False when it is there already (a re-run)."""
    try:
        await db.collection(name).insert_one(doc)
        return True
    except DuplicateKey:
        return False


async def _write(db: Database, settings: Settings, row: LegacyRow, plan: Plan) -> int:
    """Write a row's records (enrollment last: its presence marks the row done); statements stored."""
    await _insert(db, SCORM_ATTEMPTS, plan.attempt)
    await _insert(db, SCORM_SESSIONS, plan.session)
    base = settings.activity_iri_base
    a_iri = attempt_iri(base, row.course_id, plan.attempt["_id"])
    commit_like = CommitIn.model_validate(
        {
            "learner": {"id": row.user_id, "name": row.user_name},
            "course": {"id": row.course_id},
            "sco": {"id": row.sco_id},
            "version": row.version,
            "session_id": plan.session["_id"],
            "sequence": 0,
        }
    )
    agent = learner_agent(settings, commit_like)
    version = row.version
    ctx = CommitContext(
        version=version,
        event="terminate",
        session_id=plan.session["_id"],
        sequence=0,
        timestamp=plan.session["last_commit_at"],
        learner=agent,
        registration=plan.enrollment["_id"],
        course_iri=course_iri(base, row.course_id),
        course_title=row.course_title,
        sco_iri=sco_iri(base, row.course_id, row.sco_id),
        sco_title=row.sco_title,
        attempt_iri=a_iri,
        attempt_number=1,
        resumed=False,
    )
    statements = statements_for_commit(ctx, EMPTY_STATE, plan.state)
    authority = authority_agent(IMPORT_KEY, "lrs-bridge import", settings.lms_homepage)
    ids = await store_statements(db, settings, statements, authority, source="scorm", ignore_existing=True)
    await save_state_document(
        db,
        activity_id=ctx.sco_iri,
        agent=agent,
        registration=None,
        state_id=ACTIVITY_STATE_ID,
        document=activity_state_document([a_iri]),
    )
    await save_state_document(
        db,
        activity_id=a_iri,
        agent=agent,
        registration=plan.enrollment["_id"],
        state_id=ATTEMPT_STATE_ID,
        document=attempt_state_document(version, row.cmi, row.total_time_s),
    )
    await _insert(db, SCORM_ENROLLMENTS, plan.enrollment)
    return len(ids)


@dataclass(frozen=True)
class RowResult:
    """What became of one row: imported (or would be, on a dry run), skipped, or invalid."""

    line: int
    outcome: str
    enrollment: str | None = None
    statements: int = 0
    problems: tuple[RowProblem, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"line": self.line, "outcome": self.outcome}
        if self.enrollment is not None:
            body.update(enrollment=self.enrollment, statements=self.statements)
        if self.problems:
            body["problems"] = [p.as_dict() for p in self.problems]
        return body


async def import_row(
    db: Database, settings: Settings, line: int, raw: dict[str, Any], *, dry_run: bool, now: datetime
) -> RowResult:
    """Validate one raw row and import it (nothing when its enrollment exists, or on a dry run)."""
    limits = RowLimits(
        settings.import_earliest_date, settings.max_duration_seconds, settings.import_max_attempts
    )
    row, problems = parse_row(line, raw, limits=limits, now=now)
    if row is None:
        return RowResult(line, "invalid", problems=tuple(problems))
    plan = plan_row(row, now)
    enrollment = plan.enrollment["_id"]
    if await db.collection(SCORM_ENROLLMENTS).find_one({"_id": enrollment}, {"_id": 1}):
        return RowResult(line, "skipped", enrollment)
    if dry_run:
        return RowResult(line, "would import", enrollment)
    return RowResult(line, "imported", enrollment, await _write(db, settings, row, plan))


async def import_rows(
    db: Database, settings: Settings, rows: list[tuple[int, dict[str, Any]]], *, dry_run: bool
) -> list[RowResult]:
    """Import a batch of raw rows, in order, one result per row."""
    now = now_ms()
    return [await import_row(db, settings, line, raw, dry_run=dry_run, now=now) for line, raw in rows]
