"""A merged commit's remaining work (its plan), built before the merge and stored with it.

The plan is computed from the attempt and session exactly as they were before the commit, and stored in
the same update as the merge (`pending.<hash>` of the attempt, merge.py), so a failure at any later
step leaves a plan that any request for the same commit finishes: every step is idempotent (natural
keys, upserts, conditional and max-wins updates), and the plan is cleared only after its commit record
is stored. Its JSON part is kept as text: statements hold keys with `.` and `$`-free values only as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from lrs.scorm import attempts as att
from lrs.scorm import limits
from lrs.scorm.merge import Merged, SessionState, commit_key, merged, session_view
from lrs.scorm.models import CommitIn
from lrs.settings import Settings
from translators import (
    ACTIVITY_STATE_ID,
    ATTEMPT_STATE_ID,
    CommitContext,
    activity_state_document,
    attempt_iri,
    attempt_state_document,
    course_iri,
    sco_iri,
    state_from_cmi,
    statements_for_commit,
)


@dataclass(frozen=True)
class Plan:
    """What is left to do once a commit is merged (`body` is JSON-ready)."""

    key: str
    session_id: str
    now: datetime
    session: SessionState
    body: dict[str, Any]

    @property
    def rev(self) -> int:
        return self.session.attempt_rev

    def entry(self) -> dict[str, Any]:
        """The plan as stored under `pending` in the attempt."""
        return {
            "k": self.key,
            "session_id": self.session_id,
            "at": self.now,
            "session": self.session.fields(),
            "plan": orjson.dumps(self.body).decode(),
        }

    @classmethod
    def of(cls, entry: dict[str, Any]) -> Plan:
        return cls(
            entry["k"],
            entry["session_id"],
            entry["at"],
            SessionState.of(entry["session"]),
            orjson.loads(entry["plan"]),
        )


def learner_agent(settings: Settings, commit: CommitIn) -> dict[str, Any]:
    """The learner as an xAPI account agent under the LMS home page."""
    agent: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": settings.lms_homepage, "name": commit.learner.id},
    }
    if commit.learner.name:
        agent["name"] = commit.learner.name
    return agent


def build_plan(
    settings: Settings,
    commit: CommitIn,
    attempt: dict[str, Any],
    session: SessionState,
    now: datetime,
    origin: dict[str, Any],
) -> tuple[Plan, Merged, dict[str, Any]]:
    """The plan of one commit, its merge, and the attempt fields derived from the merged tree.
    `origin`: the request's payload, client and credential (its audit row and statement authority).
    PayloadTooLarge when the attempt would break a limit (nothing is stored then)."""
    version = commit.version
    m = merged(attempt, session, commit, now, settings.idle_gap_seconds)
    before_view = session_view(version, attempt.get("cmi"), session.cmi)
    before_state = state_from_cmi(version, before_view)
    view = session_view(version, m.tree, m.session_after.cmi)
    limits.check_attempt(settings, view)
    after_state = state_from_cmi(version, view)
    latest = attempt.get("latest")
    if (
        latest is not None and int(latest.get("ordinal") or 0) > m.ordinal
    ):  # a late commit of an earlier session
        current = state_from_cmi(version, session_view(version, m.tree, latest.get("cmi")))
        finished = bool(latest.get("terminated")) and current.exit != "suspend"
    else:
        current = after_state
        finished = m.session_after.terminated and after_state.exit != "suspend"
    done = att.is_done(after_state)
    derived = att.derived_fields(current, finished)
    derived["completed_at"] = attempt.get("completed_at") or (now if done else None)

    enrollment = att.enrollment_id(commit.learner.id, commit.course.id)
    attempt_id, number = str(attempt["_id"]), int(attempt["number"])
    base = settings.activity_iri_base
    agent = learner_agent(settings, commit)
    ctx = CommitContext(
        version=version,
        event=commit.event,
        session_id=commit.session_id,
        sequence=commit.sequence,
        timestamp=commit.client_time() or now,
        learner=agent,
        registration=enrollment,
        course_iri=course_iri(base, commit.course.id),
        course_title=commit.course.title,
        sco_iri=sco_iri(base, commit.course.id, commit.sco.id),
        sco_title=commit.sco.title,
        attempt_iri=attempt_iri(base, commit.course.id, attempt_id),
        attempt_number=number,
        resumed=m.ordinal > 1,
    )
    statements = statements_for_commit(ctx, before_state, after_state)
    documents = []
    created = m.first_of_session and attempt.get("created_by_session") == commit.session_id
    if created:
        attempts = [
            attempt_iri(base, commit.course.id, att.attempt_id(enrollment, n)) for n in range(1, number + 1)
        ]
        documents.append(
            {
                "activity_id": sco_iri(base, commit.course.id, commit.sco.id),
                "registration": None,
                "state_id": ACTIVITY_STATE_ID,
                "document": activity_state_document(attempts),
            }
        )
    document = attempt_state_document(version, view, m.total_after, after_state)
    if (
        created
        or commit.event != "commit"
        or document != attempt_state_document(version, before_view, m.total_before, before_state)
    ):
        documents.append(
            {
                "activity_id": attempt_iri(base, commit.course.id, attempt_id),
                "registration": enrollment,
                "state_id": ATTEMPT_STATE_ID,
                "document": document,
            }
        )
    outcome = "stale" if commit.cmi and m.won == 0 else "applied"
    statement_ids = [s["id"] for s in statements]
    body = {
        "outcome": outcome,
        "origin": origin,
        "enrollment": {
            "id": enrollment,
            "learner_id": commit.learner.id,
            "learner_name": commit.learner.name,
            "course_id": commit.course.id,
            "course_title": commit.course.title,
            "attempt_id": attempt_id,
            "attempt_number": number,
            "count": m.count,
            "attempt_total_s": m.total_after,
            "score_raw": after_state.score_raw,
            "score_scaled": after_state.score_scaled,
            "success": after_state.success,
            "completion": after_state.completion,
        },
        "statements": statements,
        "agent": agent,
        "documents": documents,
        "answer": {
            "session_id": commit.session_id,
            "sequence": commit.sequence,
            "status": 200,
            "outcome": outcome,
            "attempt": {
                "id": attempt_id,
                "number": number,
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
        },
        "changes": m.changes,
    }
    plan = Plan(commit_key(commit), commit.session_id, now, m.session_after, body)
    return plan, m, derived
