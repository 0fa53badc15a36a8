"""`lrs-bridge import FILE`: the LMS's legacy progress export (CSV or JSON lines) -> enrollments,
one attempt each, a synthetic session and their statements. Ids are deterministic and every record
is inserted on its `_id`, the enrollment last, so a second run (or a run after a crash) adds nothing
twice."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, cast

from lrs.auth import authority_agent
from lrs.errors import DuplicateKey
from lrs.scorm import attempts as att
from lrs.scorm import tree as cmi_tree
from lrs.scorm.ingest import learner_agent
from lrs.scorm.models import CommitIn
from lrs.scorm.timing import now_ms, seconds_of
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
    ScormVersion,
    activity_state_document,
    attempt_iri,
    attempt_state_document,
    course_iri,
    sco_iri,
    state_from_cmi,
    statements_for_commit,
    validate_cmi,
)

REQUIRED = ("user_id", "course_id")
TRUE, FALSE = {"true", "1", "yes", "y", "t"}, {"false", "0", "no", "n", "f", ""}
IMPORT_KEY = "import"


class RowError(ValueError):
    """A legacy row that cannot be imported (the message names the column)."""


@dataclass(frozen=True)
class LegacyRow:
    """One progress row of the legacy export, parsed."""

    line: int
    user_id: str
    user_name: str
    course_id: str
    course_title: str
    sco_id: str
    sco_title: str
    version: str
    completed: bool
    last_score: float | None
    best_score: float | None
    total_time_s: float
    attempts: int
    first_access: datetime | None
    last_access: datetime | None
    cmi: dict[str, str]


def _text(raw: dict[str, Any], column: str) -> str:
    value = raw.get(column)
    return "" if value is None else str(value).strip()


def _bool(raw: dict[str, Any], column: str) -> bool:
    value = raw.get(column)
    if isinstance(value, bool):
        return value
    text = _text(raw, column).lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise RowError(f"{column}: {value!r} is not a boolean (true/false, 1/0, yes/no)")


def _number(raw: dict[str, Any], column: str) -> float | None:
    text = _text(raw, column)
    try:
        return float(text) if text else None
    except ValueError:
        raise RowError(f"{column}: {text!r} is not a number") from None


def _date(raw: dict[str, Any], column: str) -> datetime | None:
    text = _text(raw, column)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(f"{column}: {text!r} is not an ISO 8601 date") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _cmi(raw: dict[str, Any], version: str) -> dict[str, str]:
    value = raw.get("cmi_data")
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise RowError("cmi_data: not a JSON object") from None
    if not isinstance(value, dict):
        raise RowError("cmi_data: not a JSON object")
    cmi = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}
    problems = validate_cmi(version, cmi)  # type: ignore[arg-type]
    if problems:
        raise RowError("cmi_data: " + "; ".join(f"{p.element}={p.value!r}: {p.reason}" for p in problems))
    return cmi


def parse_row(line: int, raw: dict[str, Any]) -> LegacyRow:
    """One legacy row; RowError naming the column at fault."""
    for column in REQUIRED:
        if not _text(raw, column):
            raise RowError(f"{column}: required")
    version = _text(raw, "scorm_version") or "1.2"
    if version not in ("1.2", "2004"):
        raise RowError(f"scorm_version: {version!r} is not 1.2 or 2004")
    attempts = _number(raw, "attempts")
    try:
        total = seconds_of(_text(raw, "total_time_spent"))
    except ValueError as exc:
        raise RowError(f"total_time_spent: {exc}") from None
    course_id, course_title = _text(raw, "course_id"), _text(raw, "course_title")
    return LegacyRow(
        line=line,
        user_id=_text(raw, "user_id"),
        user_name=_text(raw, "user_name"),
        course_id=course_id,
        course_title=course_title,
        sco_id=_text(raw, "sco_id") or course_id,
        sco_title=_text(raw, "sco_title") or course_title,
        version=version,
        completed=_bool(raw, "completed"),
        last_score=_number(raw, "last_score"),
        best_score=_number(raw, "best_score"),
        total_time_s=total or 0.0,
        attempts=max(int(attempts or 0), 0),
        first_access=_date(raw, "first_access"),
        last_access=_date(raw, "last_access"),
        cmi=_cmi(raw, version),
    )


def read_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    """(line number, raw row) of a CSV file with a header, or of JSON lines (one object a line)."""
    if text.lstrip().startswith("{"):
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    value = json.loads(line)
                except ValueError as exc:
                    value = {"__error__": f"not JSON: {exc}"}
                rows.append((number, value if isinstance(value, dict) else {"__error__": "not an object"}))
        return rows
    reader = csv.DictReader(io.StringIO(text))
    return [(reader.line_num, dict(row)) for row in reader]


def _scaled(raw: float | None) -> float | None:
    """Legacy scores are percentages (0-100)."""
    return round(raw / 100, 7) if raw is not None and 0 <= raw <= 100 else None


def row_state(row: LegacyRow) -> AttemptState:
    """The attempt state of a legacy row: its CMI data, with the row's own columns taking precedence."""
    state = state_from_cmi(row.version, row.cmi) if row.cmi else EMPTY_STATE  # type: ignore[arg-type]
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
    version = cast(ScormVersion, row.version)  # checked when the row was read
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


async def run_import(db: Database, settings: Settings, path: str, *, dry_run: bool, out: TextIO) -> int:
    """Import a legacy progress export; print one line a row and a summary; 0 when every row was fine."""
    text = Path(path).read_text(encoding="utf-8-sig")
    now = now_ms()
    imported = skipped = failed = 0
    verb = "would import" if dry_run else "imported"
    for line, raw in read_rows(text):
        try:
            if "__error__" in raw:
                raise RowError(raw["__error__"])
            row = parse_row(line, raw)
        except RowError as exc:
            failed += 1
            print(f"line {line}: error: {exc}", file=out)
            continue
        plan = plan_row(row, now)
        label = f"line {line}: {row.user_id} / {row.course_id} (enrollment {plan.enrollment['_id']})"
        if await db.collection(SCORM_ENROLLMENTS).find_one({"_id": plan.enrollment["_id"]}, {"_id": 1}):
            skipped += 1
            print(f"{label}: skipped, enrollment exists", file=out)
            continue
        count = 0 if dry_run else await _write(db, settings, row, plan)
        imported += 1
        e = plan.enrollment
        detail = (
            f"status={e['status']} attempts={e['attempt_count']} best_score={e['best_score_raw']} "
            f"time={e['total_time_s']:g}s"
        )
        print(f"{label}: {verb}: {detail}" + ("" if dry_run else f" statements={count}"), file=out)
    summary = "would import" if dry_run else "imported"
    print(f"{summary} {imported}, skipped {skipped}, errors {failed}", file=out)
    return 0 if failed == 0 else 1
