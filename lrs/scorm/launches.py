"""Launch sessions (POST /scorm/launches): the attempt a launch opens, its session and the CMI it starts from.

Which attempt a launch opens (what SCORM engines do; README "Launching SCORM content"); an
attempt is the learner's in the course, shared by every SCO of a multi-SCO package:
- `mode` review: the latest attempt, read only (its commits are refused); nothing to review is 409;
- `new_attempt` asked, no attempt yet, or the latest attempt is over: a new attempt, `entry`
  ab-initio. An attempt is over when its last session terminated without `suspend`, or when it is
  completed, passed or failed and its last session did not suspend; for a SCO of a multi-SCO
  package, when the course rollup is completed, passed or failed. A latest attempt that has no
  commit at all is reused instead of opening another empty one;
- otherwise the latest attempt continues: `entry` resume (with its suspend data, location, total
  time and the CMI values it holds; for a SCO of a multi-SCO package, that SCO's own values and
  time, and ab-initio when the SCO never ran in the attempt or its last session ended without
  suspend), or ab-initio when it has no commit yet.
The session is placed in its attempt at launch (the first commit finds it there), so the session's
start, which bounds commit times (timing.py), is the launch time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lrs.errors import Conflict, DuplicateKey, InvalidRequest
from lrs.scorm import attempts as att
from lrs.scorm.launch_tokens import LaunchClaims, mint_token
from lrs.scorm.merge import SessionState
from lrs.scorm.models import CommitIn, Course, Learner, Sco
from lrs.scorm.sco_records import find_record, record_cmi, record_ended, sco_time_s
from lrs.scorm.timing import now_ms
from lrs.scorm.tree import flat_cmi
from lrs.settings import Settings
from lrs.signing import Signer
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ATTEMPTS, SCORM_SESSIONS
from lrs.xapi.documents import save_state_document
from translators import (
    ACTIVITY_STATE_ID,
    activity_state_document,
    attempt_iri,
    format_iso_duration,
    sco_iri,
    without_session_elements,
)

RUNTIME_PATH = "/scorm/runtime/v1/lrs-bridge-runtime.js"
COMMIT_PATH = "/scorm/commits"


class _In(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore", str_strip_whitespace=True)


class InlineSco(_In):
    """A SCO given in the launch request (content not registered as a package)."""

    id: str = Field(min_length=1)
    title: str = ""
    href: str = ""
    version: Literal["1.2", "2004"]
    mastery_score: float | None = Field(default=None, ge=0, le=100)
    scaled_passing_score: float | None = Field(default=None, ge=-1, le=1)
    completion_threshold: float | None = Field(default=None, ge=0, le=1)
    launch_data: str = ""
    max_time_allowed: str = ""
    time_limit_action: str = ""
    objectives: list[str] = Field(default_factory=list)


class LaunchIn(_In):
    """The LMS's launch request (CONTRACTS.md "Launch")."""

    learner: Learner
    course: Course
    package: str | None = None
    sco: str | None = None
    inline_sco: InlineSco | None = None
    mode: Literal["normal", "browse", "review"] = "normal"
    new_attempt: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> LaunchIn:
        if (self.package is None) == (self.inline_sco is None):
            raise ValueError("give either package (with sco) or inline_sco")
        return self


def parse_launch(raw: Any) -> LaunchIn:
    """The launch request; InvalidRequest (422) naming every bad field."""
    if not isinstance(raw, dict):
        raise InvalidRequest("body: a launch request must be a JSON object", field="body")
    try:
        return LaunchIn.model_validate(raw)
    except ValidationError as exc:
        fields = [".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()]
        message = "; ".join(f"{f}: {e['msg']}" for f, e in zip(fields, exc.errors(), strict=True))
        raise InvalidRequest(message, field=fields[0], fields=fields) from None


@dataclass(frozen=True)
class ScoSpec:
    """What the runtime needs to know about the SCO (from the package's manifest, or inline)."""

    id: str
    title: str
    href: str
    version: Literal["1.2", "2004"]
    mastery_score: float | None = None
    scaled_passing_score: float | None = None
    completion_threshold: float | None = None
    launch_data: str = ""
    max_time_allowed: str = ""
    time_limit_action: str = ""
    objectives: tuple[str, ...] = field(default_factory=tuple)
    multi_sco: bool = False  # one of several SCOs of a package (course rollup, per-SCO resume)


def inline_spec(sco: InlineSco) -> ScoSpec:
    return ScoSpec(
        sco.id,
        sco.title,
        sco.href,
        sco.version,
        sco.mastery_score,
        sco.scaled_passing_score,
        sco.completion_threshold,
        sco.launch_data,
        sco.max_time_allowed,
        sco.time_limit_action,
        tuple(sco.objectives),
    )


@dataclass(frozen=True)
class Opened:
    """The attempt a launch opened, the entry, and the SCO data it resumes with (total time so far)."""

    attempt: dict[str, Any]
    entry: Literal["ab-initio", "resume", ""]
    resumed: dict[str, str] = field(default_factory=dict)
    total_s: float = 0.0
    created: bool = False


def _is_over(latest: dict[str, Any], multi_sco: bool) -> bool:
    if multi_sco:  # the course attempt ends with the course, not with one of its SCOs
        return (latest.get("rollup") or {}).get("status") in ("completed", "passed", "failed")
    suspended = latest.get("exit") == "suspend"
    done = latest.get("completion_status") == "completed" or latest.get("success_status") in (
        "passed",
        "failed",
    )
    return bool(latest.get("finished")) or (done and not suspended)


async def _continued(db: Database, attempt: dict[str, Any], spec: ScoSpec) -> Opened:
    """The latest attempt continuing: resumed from the attempt (a single SCO) or from the SCO's own
    record (a SCO of a multi-SCO package: ab-initio when it never ran or ended its last session)."""
    if not spec.multi_sco:
        tree = without_session_elements(spec.version, flat_cmi(attempt.get("cmi")))
        return Opened(attempt, "resume", tree, float(attempt.get("total_time_s") or 0.0))
    record = await find_record(db, attempt["_id"], spec.id)
    if record is None or record_ended(record):
        return Opened(attempt, "ab-initio")
    cmi = without_session_elements(spec.version, record_cmi(record))
    return Opened(attempt, "resume", cmi, await sco_time_s(db, attempt["_id"], spec.id))


async def open_attempt(
    db: Database, launch: LaunchIn, spec: ScoSpec, session_id: str, now: datetime
) -> Opened:
    """The attempt this launch continues or starts (module docstring), created when new."""
    enrollment = att.enrollment_id(launch.learner.id, launch.course.id)
    attempts = db.collection(SCORM_ATTEMPTS)
    latest = await attempts.find_one({"enrollment_id": enrollment}, sort=[("number", -1)])
    if launch.mode == "review":
        if latest is None:
            raise Conflict("nothing to review: the learner has no attempt in this course", field="mode")
        return Opened(latest, "")
    if latest is not None and not (latest.get("commit_count") or 0):
        return Opened(latest, "ab-initio")
    if latest is not None and not launch.new_attempt and not _is_over(latest, spec.multi_sco):
        return await _continued(db, latest, spec)
    number = (latest["number"] if latest else 0) + 1
    shape = CommitIn(
        learner=launch.learner,
        course=launch.course,
        sco=Sco(id=spec.id, title=spec.title),
        version=spec.version,
        session_id=session_id,
        sequence=0,
    )
    for _ in range(att.MAX_CREATE_TRIES):
        record = att.new_attempt(shape, enrollment, number, now, session_id)
        try:
            await attempts.insert_one(record)
            return Opened(record, "ab-initio", created=True)
        except DuplicateKey:  # a concurrent launch took this number
            number += 1
    raise DuplicateKey(f"enrollment {enrollment}: no free attempt number after {number}")


async def place_launch_session(
    db: Database, launch: LaunchIn, spec: ScoSpec, attempt: dict[str, Any], session_id: str, now: datetime
) -> None:
    """The session record (same fields as attempts.place_session); its first merge gives its ordinal."""
    await db.collection(SCORM_SESSIONS).insert_one(
        {
            "_id": session_id,
            "attempt_id": attempt["_id"],
            "attempt_number": attempt["number"],
            "enrollment_id": attempt["enrollment_id"],
            "learner_id": launch.learner.id,
            "course_id": launch.course.id,
            "sco_id": spec.id,
            **SessionState.new(now).fields(),
            "launch_mode": launch.mode,
        }
    )


def cmi_timespan_12(seconds: float) -> str:
    """SCORM 1.2 CMITimespan HHHH:MM:SS.SS."""
    centis = round(seconds * 100)
    hours, centis = divmod(centis, 360000)
    minutes, centis = divmod(centis, 6000)
    return f"{hours:04d}:{minutes:02d}:{centis // 100:02d}.{centis % 100:02d}"


def _number(value: float | None) -> str | None:
    if value is None:
        return None
    return f"{value:g}"


def _objectives(resumed: dict[str, str], ids: tuple[str, ...]) -> dict[str, str]:
    """cmi.objectives.N.id of the manifest's objectives the attempt does not hold yet, after its own."""
    held = {v for k, v in resumed.items() if k.startswith("cmi.objectives.") and k.endswith(".id")}
    count = len(held)
    extra: dict[str, str] = {}
    for objective in ids:
        if objective not in held:
            extra[f"cmi.objectives.{count}.id"] = objective
            held.add(objective)
            count += 1
    return extra


def launch_cmi(launch: LaunchIn, spec: ScoSpec, opened: Opened, credit: bool) -> dict[str, str]:
    """Every element the runtime loads before the content starts, named for the SCO's version."""
    resumed = dict(opened.resumed)
    if spec.version == "1.2":  # interactions are write-only in 1.2 (RTE 3.4.2.8)
        resumed = {k: v for k, v in resumed.items() if not k.startswith("cmi.interactions.")}
    total = opened.total_s
    credit_value = "credit" if credit else "no-credit"
    if spec.version == "1.2":
        own: dict[str, str | None] = {
            "cmi.core.entry": opened.entry,
            "cmi.core.student_id": launch.learner.id,
            "cmi.core.student_name": launch.learner.name,
            "cmi.core.credit": credit_value,
            "cmi.core.lesson_mode": launch.mode,
            "cmi.core.lesson_location": resumed.get("cmi.core.lesson_location", ""),
            "cmi.core.total_time": cmi_timespan_12(total),
            "cmi.suspend_data": resumed.get("cmi.suspend_data", ""),
            "cmi.launch_data": spec.launch_data,
            "cmi.student_data.mastery_score": _number(spec.mastery_score),
            "cmi.student_data.max_time_allowed": spec.max_time_allowed or None,
            "cmi.student_data.time_limit_action": spec.time_limit_action or None,
        }
    else:
        own = {
            "cmi.entry": opened.entry,
            "cmi.learner_id": launch.learner.id,
            "cmi.learner_name": launch.learner.name,
            "cmi.credit": credit_value,
            "cmi.mode": launch.mode,
            "cmi.location": resumed.get("cmi.location", ""),
            "cmi.total_time": format_iso_duration(total),
            "cmi.suspend_data": resumed.get("cmi.suspend_data", ""),
            "cmi.launch_data": spec.launch_data,
            "cmi.scaled_passing_score": _number(spec.scaled_passing_score),
            "cmi.completion_threshold": _number(spec.completion_threshold),
            "cmi.max_time_allowed": spec.max_time_allowed or None,
            "cmi.time_limit_action": spec.time_limit_action or None,
        }
        resumed.update(_objectives(resumed, spec.objectives))
    return resumed | {k: v for k, v in own.items() if v is not None}


@dataclass(frozen=True)
class LaunchContext:
    """Who asked (credential key and name), the signer, the token lifetime, the public base URL, and
    the settings naming learners and activities."""

    credential: str
    credential_name: str
    signer: Signer
    token_ttl_s: float
    base_url: str
    settings: Settings


async def _write_activity_state(
    db: Database, launch: LaunchIn, spec: ScoSpec, opened: Opened, ctx: LaunchContext
) -> None:
    """The SCO's activity-state document (its attempt IRIs), as ingest writes it when a commit starts
    an attempt: a launch that starts one writes it instead."""
    base = ctx.settings.activity_iri_base
    enrollment = opened.attempt["enrollment_id"]
    agent: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": ctx.settings.lms_homepage, "name": launch.learner.id},
    }
    if launch.learner.name:
        agent["name"] = launch.learner.name
    iris = [
        attempt_iri(base, launch.course.id, att.attempt_id(enrollment, n))
        for n in range(1, int(opened.attempt["number"]) + 1)
    ]
    await save_state_document(
        db,
        activity_id=sco_iri(base, launch.course.id, spec.id),
        agent=agent,
        registration=None,
        state_id=ACTIVITY_STATE_ID,
        document=activity_state_document(iris),
    )


async def start_launch(db: Database, launch: LaunchIn, spec: ScoSpec, ctx: LaunchContext) -> dict[str, Any]:
    """Open (or continue) the attempt, place a new session in it and answer the launch."""
    now = now_ms()
    session_id = str(uuid.uuid4())
    opened = await open_attempt(db, launch, spec, session_id, now)
    if launch.mode != "review":  # a review records nothing: no session in the attempt
        await place_launch_session(db, launch, spec, opened.attempt, session_id, now)
    if opened.created:
        await _write_activity_state(db, launch, spec, opened, ctx)
    number = int(opened.attempt["number"])
    claims = LaunchClaims(
        session_id,
        launch.learner.id,
        launch.course.id,
        spec.id,
        number,
        spec.version,
        launch.mode,
        ctx.credential,
        ctx.credential_name,
        launch.package or "",
    )
    expires = now + timedelta(seconds=ctx.token_ttl_s)
    return {
        "session_id": session_id,
        "token": mint_token(ctx.signer, claims, ctx.token_ttl_s),
        "expires_at": expires.isoformat().replace("+00:00", "Z"),
        "commit_url": ctx.base_url + COMMIT_PATH,
        "runtime_url": ctx.base_url + RUNTIME_PATH,
        "version": spec.version,
        "learner": {"id": launch.learner.id, "name": launch.learner.name},
        "course": {"id": launch.course.id, "title": launch.course.title},
        "sco": {"id": spec.id, "title": spec.title, "href": spec.href},
        "attempt": number,
        "entry": opened.entry,
        "mode": launch.mode,
        "cmi": launch_cmi(launch, spec, opened, credit=launch.mode == "normal"),
    }
