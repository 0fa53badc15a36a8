"""xAPI statements for what one SCORM commit changed, per the xAPI SCORM profile (sections 5.0 and 6.0)."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from translators.activities import (
    attempt_activity,
    course_activity,
    interaction_activity,
    objective_activity,
    profile_activity,
    sco_activity,
)
from translators.durations import format_iso_duration
from translators.iris import PROGRESS_EXTENSION, SESSION_EXTENSION, VERBS
from translators.state import AttemptState, Comment, Interaction, Objective
from translators.vocab import Event, ScormVersion

XAPI_VERSION = "1.0.0"
# Namespace of the uuid5 statement ids: a re-sent commit gets the same ids, so the LRS sees duplicates.
STATEMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/xapi/scorm#lrs-bridge-statements")


@dataclass(frozen=True)
class CommitContext:
    """Who, where and when of one commit: everything a statement needs besides the CMI data."""

    version: ScormVersion
    event: Event
    session_id: str
    sequence: int
    timestamp: datetime
    learner: dict[str, Any]
    registration: str
    course_iri: str
    course_title: str
    sco_iri: str
    sco_title: str
    attempt_iri: str
    attempt_number: int
    resumed: bool
    platform: str = "lrs-bridge"


def statement_id(ctx: CommitContext, verb: str, key: str = "") -> str:
    """The deterministic id of the statement for (session, sequence, event, verb, subject key)."""
    name = "\x1f".join((ctx.session_id, str(ctx.sequence), ctx.event, verb, key))
    return str(uuid.uuid5(STATEMENT_NAMESPACE, name))


def format_timestamp(moment: datetime) -> str:
    """An aware datetime as an xAPI timestamp in UTC with a Z ("2024-05-01T10:00:00.000Z")."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a statement timestamp must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def xapi_score(
    raw: float | None, low: float | None, high: float | None, scaled: float | None
) -> dict[str, float] | None:
    """An always valid xAPI result.score: bad min/max pairs and out-of-range raw/scaled are left out."""
    if low is not None and high is not None and low >= high:
        low = high = None  # xAPI Data 2.4.5.1: min < max; which one is wrong cannot be told
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        raw = None  # xAPI requires min <= raw <= max; we never invent a clamped value
    if scaled is not None and not -1 <= scaled <= 1:
        scaled = None
    if raw is None and scaled is None:
        return None  # min and max alone score nothing
    pairs = (("scaled", scaled), ("raw", raw), ("min", low), ("max", high))
    score = {name: value for name, value in pairs if value is not None}
    return score or None


def state_score(state: AttemptState | Objective) -> dict[str, float] | None:
    """The score of an attempt state (the SCO's) or of an objective, in xAPI form."""
    return xapi_score(state.score_raw, state.score_min, state.score_max, state.score_scaled)


def outcome_result(state: AttemptState | Objective) -> dict[str, Any]:
    """Score, success and completion where known, of the SCO (profile 5.0 Terminating) or an objective."""
    result: dict[str, Any] = {}
    score = state_score(state)
    if score:
        result["score"] = score
    if state.success in ("passed", "failed"):
        result["success"] = state.success == "passed"
    if state.completion in ("completed", "incomplete", "not attempted"):
        result["completion"] = state.completion == "completed"
    return result


def _copy_json(value: Any) -> Any:
    """A copy of a JSON-like value, so statements never share mutable parts with the caller or each other."""
    if isinstance(value, dict):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_json(item) for item in value]
    return value


class _Builder:
    """Builds the statements of one commit, sharing actor, context and timestamp."""

    def __init__(self, ctx: CommitContext) -> None:
        self.ctx = ctx
        self.registration = str(uuid.UUID(ctx.registration))
        self.timestamp = format_timestamp(ctx.timestamp)

    def statement(
        self,
        verb: str,
        key: str = "",
        obj: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
        other: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """One statement about the SCO, or about obj inside the SCO (then the SCO is the parent)."""
        ctx = self.ctx
        activities: dict[str, Any] = {}
        if obj is not None:
            activities["parent"] = [sco_activity(ctx.sco_iri, ctx.sco_title)]
        activities["grouping"] = [
            attempt_activity(ctx.attempt_iri, ctx.attempt_number, ctx.sco_title),
            course_activity(ctx.course_iri, ctx.course_title),
        ]
        activities["category"] = [profile_activity()]
        if other:
            activities["other"] = other
        statement: dict[str, Any] = {
            "id": statement_id(ctx, verb, key),
            "actor": _copy_json(ctx.learner),
            "verb": {"id": VERBS + verb, "display": {"en-US": verb}},
            "object": sco_activity(ctx.sco_iri, ctx.sco_title) if obj is None else obj,
        }
        if result:
            statement["result"] = result
        statement["context"] = {
            "registration": self.registration,
            "platform": ctx.platform,
            "contextActivities": activities,
            "extensions": {SESSION_EXTENSION: ctx.session_id},
        }
        statement["timestamp"] = self.timestamp
        statement["version"] = XAPI_VERSION
        return statement


def _responded(b: _Builder, before: AttemptState, after: AttemptState) -> Iterator[dict[str, Any]]:
    """One responded statement per interaction that is new or changed and carries a response or result.

    An interaction is identified by its cmi index (n of cmi.interactions.n), never by its position in
    the list: interactions may arrive out of index order, and 2004 updates an entry in place by index.
    """
    earlier = {interaction.index: interaction for interaction in before.interactions}
    for interaction in after.interactions:
        if interaction == earlier.get(interaction.index) or (
            interaction.learner_response is None and interaction.result is None
        ):
            continue
        yield b.statement(
            "responded",
            f"interaction:{interaction.index}",
            interaction_activity(b.ctx.sco_iri, interaction),
            _response_result(interaction),
            [objective_activity(b.ctx.sco_iri, oid) for oid in interaction.objective_ids],
        )


def _response_result(interaction: Interaction) -> dict[str, Any]:
    """A responded result: the xAPI-format response, success for correct/incorrect, latency as duration."""
    result: dict[str, Any] = {}
    if interaction.learner_response is not None:
        result["response"] = interaction.learner_response
    if interaction.result in ("correct", "incorrect"):
        result["success"] = interaction.result == "correct"
    if interaction.latency_s is not None:
        result["duration"] = format_iso_duration(interaction.latency_s)
    return result


def _commented(b: _Builder, before: AttemptState, after: AttemptState) -> Iterator[dict[str, Any]]:
    """One commented statement per new learner comment (profile 6.0 Comments From Learner)."""
    old = {comment.index: comment for comment in before.comments if not comment.from_lms}
    for comment in (c for c in after.comments if not c.from_lms):
        text = _new_comment_text(b.ctx.version, old.get(comment.index), comment)
        if text:
            yield b.statement("commented", f"comment:{comment.index}", result={"response": text})


def _new_comment_text(version: ScormVersion, previous: Comment | None, comment: Comment) -> str | None:
    """The text a comment adds; SCORM 1.2 cmi.comments grows by appending, so only the new tail counts."""
    if previous is None:
        return comment.text
    if comment.text == previous.text:
        return None
    if version == "1.2" and comment.text.startswith(previous.text):
        return comment.text[len(previous.text) :].strip() or None
    return comment.text


def _objective_outcomes(b: _Builder, before: AttemptState, after: AttemptState) -> Iterator[dict[str, Any]]:
    """completed, passed/failed and scored statements about objectives (profile 6.0 Objectives)."""
    old = {objective.id: objective for objective in before.objectives}
    for objective in after.objectives:
        previous = old.get(objective.id, Objective(id=objective.id))
        key = f"objective:{objective.id}"
        verbs = []
        if objective.completion == "completed" != previous.completion:
            verbs.append("completed")
        if objective.success in ("passed", "failed") and objective.success != previous.success:
            verbs.append(objective.success)
        for verb in verbs:
            yield b.statement(verb, key, _objective(b, objective), outcome_result(objective))
        score = state_score(objective)
        if score and score != state_score(previous):
            yield b.statement("scored", key, _objective(b, objective), {"score": score})


def _objective(b: _Builder, objective: Objective) -> dict[str, Any]:
    """The objective activity of a statement."""
    return objective_activity(b.ctx.sco_iri, objective.id, objective.description)


def _sco_outcomes(b: _Builder, before: AttemptState, after: AttemptState) -> Iterator[dict[str, Any]]:
    """progressed, scored, completed and passed/failed statements about the SCO."""
    if after.progress_measure is not None and after.progress_measure != before.progress_measure:
        # The profile puts progress in result.score.scaled; cmi5's percentage extension rides along.
        progress: dict[str, Any] = {
            "score": {"scaled": after.progress_measure},
            "extensions": {PROGRESS_EXTENSION: round(after.progress_measure * 100)},
        }
        yield b.statement("progressed", result=progress)
    score = state_score(after)
    if score and score != state_score(before):
        yield b.statement("scored", result={"score": score})
    if after.completion == "completed" != before.completion:
        yield b.statement("completed", result=outcome_result(after))
    if after.success in ("passed", "failed") and after.success != before.success:
        yield b.statement(after.success, result=outcome_result(after))


def statements_for_commit(
    ctx: CommitContext, before: AttemptState, after: AttemptState
) -> list[dict[str, Any]]:
    """xAPI statements (JSON-ready dicts, version 1.0.0, no stored/authority) for what this commit changed."""
    b = _Builder(ctx)
    statements: list[dict[str, Any]] = []
    if ctx.event == "initialize":
        statements.append(b.statement("resumed" if ctx.resumed else "initialized"))
    statements.extend(_responded(b, before, after))
    statements.extend(_commented(b, before, after))
    statements.extend(_objective_outcomes(b, before, after))
    statements.extend(_sco_outcomes(b, before, after))
    if ctx.event == "terminate":
        result = outcome_result(after)
        if after.session_time_s is not None:
            result["duration"] = format_iso_duration(after.session_time_s)
        verb = "suspended" if after.exit == "suspend" else "terminated"
        statements.append(b.statement(verb, result=result))
    return statements
