"""One commit merged into its attempt: the pure computation, and the conditional update that stores it.

Commits of one attempt are serialised by the attempt's revision `rev`: a commit reads the attempt and
its session's state, computes the attempt after it in Python (merged()), and stores that with one
update matching `{_id, rev}` (merge_update()); when another commit got there first, nothing matches
and the commit reads again. The same update puts the commit's plan (everything left to do: statements,
enrollment, session record, documents, answer, audit) under `pending.<key>`, so a merge is never
without its remaining work: whoever sees the entry finishes it (plan.py).

Per-session state (ordinal, time, session-scoped elements, terminated) lives in the `scorm_sessions`
record; the attempt holds only the merged tree, totals, the latest session's state (with a bounded
window of its highest applied sequences) and the plans in flight: its size does not grow with commits
or sessions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from lrs.scorm import tree as cmi_tree
from lrs.scorm.models import MAX_SEQUENCE, CommitIn
from lrs.scorm.timing import SessionTime, advance
from translators import SESSION_ELEMENTS, parse_session_time, without_session_elements

ORDER_FACTOR = MAX_SEQUENCE + 1


def key_hash(text: str) -> str:
    """A field name for an id that may hold `.` or start with `$`."""
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def commit_key(commit: CommitIn) -> str:
    """The commit's natural key: `_id` of its commit record, name of its plan while in flight."""
    return f"{commit.session_id}:{commit.sequence}"


@dataclass(frozen=True)
class SessionState:
    """One session's state as of attempt revision `attempt_rev` (the scorm_sessions fields it owns)."""

    ordinal: int | None
    started_at: datetime
    time: SessionTime
    cmi: cmi_tree.Tree
    terminated: bool
    commits: int
    attempt_rev: int
    max_sequence: int | None = None  # the highest sequence the session applied

    @classmethod
    def new(cls, now: datetime) -> SessionState:
        return cls(None, now, SessionTime(now, 0.0, None, None, now), {}, False, 0, 0)

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> SessionState:
        return cls(
            doc.get("ordinal"),
            doc["started_at"],
            SessionTime.of(dict(doc)),
            {k: dict(v) for k, v in (doc.get("cmi") or {}).items()},
            bool(doc.get("terminated")),
            int(doc.get("commits") or 0),
            int(doc.get("attempt_rev") or 0),
            doc.get("max_sequence"),
        )

    def fields(self) -> dict[str, Any]:
        """The scorm_sessions fields of this state (time_s/time_source are what the reports sum)."""
        return {
            "ordinal": self.ordinal,
            "started_at": self.started_at,
            "last_commit_at": self.time.last_commit_at,
            "measured_s": self.time.measured_s,
            "session_time_s": self.time.session_time_s,
            "session_time_seq": self.time.session_time_seq,
            "time_s": self.time.time_s,
            "time_source": self.time.time_source,
            "cmi": self.cmi,
            "terminated": self.terminated,
            "commits": self.commits,
            "attempt_rev": self.attempt_rev,
            "max_sequence": self.max_sequence,
        }


def newest_session(
    attempt: Mapping[str, Any], session_doc: Mapping[str, Any], session_id: str
) -> SessionState:
    """The session's state as of the attempt read: its record, or a newer one in a plan in flight
    (a plan is cleared only after its session record is written, so nothing newer is missed when the
    record was read after the attempt)."""
    best = SessionState.of(session_doc)
    latest = attempt.get("latest")
    if latest and latest.get("session_id") == session_id and int(latest["attempt_rev"]) > best.attempt_rev:
        best = SessionState.of(latest)
    for entry in (attempt.get("pending") or {}).values():
        if entry.get("session_id") == session_id and int(entry["session"]["attempt_rev"]) > best.attempt_rev:
            best = SessionState.of(entry["session"])
    return best


def commit_session_time(commit: CommitIn) -> float | None:
    """This commit's own session_time in seconds (validated already), None when it sent none."""
    value = commit.cmi.get("cmi.core.session_time" if commit.version == "1.2" else "cmi.session_time")
    return parse_session_time(commit.version, value) if value else None


def session_scoped(commit: CommitIn) -> dict[str, str]:
    """The commit's session-scoped elements."""
    scoped = SESSION_ELEMENTS[commit.version]
    return {k: v for k, v in commit.cmi.items() if k in scoped}


@dataclass(frozen=True)
class Merged:
    """The attempt and the session just before and just after one commit."""

    rev: int  # the attempt's revision after this commit
    ordinal: int
    first_of_session: bool
    order: int
    tree: cmi_tree.Tree
    won_fields: dict[str, dict[str, Any]]  # tree fields this commit set
    changes: list[dict[str, Any]]
    won: int
    session_before: SessionState
    session_after: SessionState
    count: int
    last_order: int
    last_sequence: int
    total_before: float
    total_after: float


def merged(
    attempt: Mapping[str, Any], session: SessionState, commit: CommitIn, now: datetime, idle_s: float
) -> Merged:
    """The attempt and session after one commit, from their state just before it."""
    first = session.ordinal is None
    ordinal = int(attempt.get("session_count") or 0) + 1 if first else int(session.ordinal or 0)
    order = ordinal * ORDER_FACTOR + commit.sequence
    tree, changes, won = cmi_tree.merge_tree(attempt.get("cmi"), commit.cmi, order)
    won_fields = {
        cmi_tree.encode(e): tree[cmi_tree.encode(e)]
        for e in commit.cmi
        if tree[cmi_tree.encode(e)]["s"] == order
    }
    session_cmi, _, _ = cmi_tree.merge_tree(session.cmi, session_scoped(commit), order)
    time_after = advance(
        session.time, now, commit.sequence, commit_session_time(commit), idle_s, commit.client_time()
    )
    rev = int(attempt.get("rev") or 0) + 1
    after = replace(
        session,
        ordinal=ordinal,
        time=time_after,
        cmi=session_cmi,
        terminated=session.terminated or commit.event == "terminate",
        commits=session.commits + 1,
        attempt_rev=rev,
        max_sequence=max(commit.sequence, session.max_sequence if session.max_sequence is not None else -1),
    )
    last_order = attempt.get("last_order")
    total_before = float(attempt.get("total_time_s") or 0.0)
    newer = last_order is None or order > last_order
    return Merged(
        rev=rev,
        ordinal=ordinal,
        first_of_session=first,
        order=order,
        tree=tree,
        won_fields=won_fields,
        changes=changes,
        won=won,
        session_before=session,
        session_after=after,
        count=int(attempt.get("commit_count") or 0) + 1,
        last_order=order if newer else int(last_order),  # type: ignore[arg-type]
        last_sequence=commit.sequence if newer else attempt["last_sequence"],
        total_before=total_before,
        total_after=total_before + time_after.time_s - session.time.time_s,
    )


def session_view(
    version: str,
    tree: Mapping[str, Mapping[str, Any]] | None,
    session_cmi: Mapping[str, Mapping[str, Any]] | None,
) -> dict[str, str]:
    """The CMI map one session sees: the attempt's tree with the session-scoped elements of that
    session only (a resumed session never inherits the previous one's exit, session_time or entry)."""
    shared = without_session_elements(version, cmi_tree.flat_cmi(tree))  # type: ignore[arg-type]
    return shared | cmi_tree.flat_cmi(session_cmi)


# How many of the latest session's highest applied sequences the attempt keeps (a bounded window: a
# sequence above its lowest one, and not in it, is known not applied without reading the commit record).
APPLIED_WINDOW = 32


def latest_entry(m: Merged, session_id: str, before: Mapping[str, Any] | None) -> dict[str, Any]:
    """The attempt's `latest` after a commit: the state of the session with the highest ordinal (it
    is current as of the attempt's revision), with the window of its highest applied sequences."""
    if before is not None and int(before.get("ordinal") or 0) > m.ordinal:
        return dict(before)
    applied: list[int] = (
        list(before.get("applied") or []) if before and before.get("session_id") == session_id else []
    )
    sequence = m.order - m.ordinal * ORDER_FACTOR
    applied = sorted({*applied, sequence})[-APPLIED_WINDOW:]
    return {"session_id": session_id, **m.session_after.fields(), "applied": applied}


def known_unapplied(latest: Mapping[str, Any], sequence: int) -> bool | None:
    """Whether the latest session applied this sequence, as far as the window tells (None: it cannot)."""
    applied = latest.get("applied") or []
    if sequence in applied:
        return False
    if len(applied) < APPLIED_WINDOW or sequence > applied[0]:
        return True
    return None


def rev_filter(attempt: Mapping[str, Any]) -> dict[str, Any]:
    """Matches the attempt only at the revision it was read at."""
    rev = attempt.get("rev")
    return {"_id": attempt["_id"], "rev": rev if rev is not None else {"$exists": False}}


def merge_update(
    attempt: Mapping[str, Any],
    m: Merged,
    now: datetime,
    derived: Mapping[str, Any],
    entry: Mapping[str, Any],
) -> dict[str, Any]:
    """The update storing one commit in its attempt (plain `$set`: every value is data), with its
    plan `entry` under `pending.<hash of the commit key>`."""
    session_id = str(entry["session_id"])
    fields: dict[str, Any] = {f"cmi.{name}": value for name, value in m.won_fields.items()}
    fields.update(
        {
            "rev": m.rev,
            "commit_count": m.count,
            "last_order": m.last_order,
            "last_sequence": m.last_sequence,
            "total_time_s": m.total_after,
            "last_commit_at": max(attempt["last_commit_at"], now),
            "session_count": max(int(attempt.get("session_count") or 0), m.ordinal),
            "latest": latest_entry(m, session_id, attempt.get("latest")),
            f"pending.{key_hash(entry['k'])}": dict(entry),
        }
    )
    fields.update(derived)
    return {"$set": fields}
