"""One commit merged into its attempt in a single pipeline update, and the Python twin of that update.

The attempt keeps, besides the merged CMI tree, one entry per session under `by_session.<key>`
(key = a hash of the session id, which may hold `.` or `$`): its ordinal within the attempt, the
sequences already applied (so a re-send matches nothing), its time fields (the same rule as
timing.py) and its own session-scoped elements (exit, session_time, entry: translators'
SESSION_ELEMENTS). One `find_one_and_update` on the attempt therefore checks idempotency, moves the
session's time and the attempt's total, and merges the tree; it returns the attempt as it was, from
which `merged()` computes the same "after" in Python.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lrs.scorm import tree as cmi_tree
from lrs.scorm.models import MAX_SEQUENCE, CommitIn
from lrs.scorm.timing import SessionTime, advance, session_update
from translators import SESSION_ELEMENTS, parse_session_time, without_session_elements

ORDER_FACTOR = MAX_SEQUENCE + 1


def session_key(session_id: str) -> str:
    """A field name for a session id (which may hold `.` or start with `$`)."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:24]


def session_path(session_id: str) -> str:
    """The path of a session's entry in its attempt."""
    return f"by_session.{session_key(session_id)}"


def new_session_entry(now: datetime) -> dict[str, Any]:
    """A session's entry in its attempt before its first commit (ordinal set when attached)."""
    return {
        "ordinal": None,
        "started_at": now,
        "last_commit_at": now,
        "measured_s": 0.0,
        "session_time_s": None,
        "session_time_seq": None,
        "time_s": 0.0,
        "time_source": "measured",
        "seqs": [],
        "cmi": {},
        "terminated": False,
    }


def commit_session_time(commit: CommitIn) -> float | None:
    """This commit's own session_time in seconds (validated already), None when it sent none."""
    value = commit.cmi.get("cmi.core.session_time" if commit.version == "1.2" else "cmi.session_time")
    return parse_session_time(commit.version, value) if value else None


def _split(commit: CommitIn) -> dict[str, str]:
    """The commit's session-scoped elements."""
    scoped = SESSION_ELEMENTS[commit.version]
    return {k: v for k, v in commit.cmi.items() if k in scoped}


def _prefixed(fields: Mapping[str, Any], path: str) -> dict[str, Any]:
    """Session-time stage fields moved under the session's entry (`$x` references too)."""
    return {f"{path}.{k}": _rebase(v, path) for k, v in fields.items()}


def _rebase(value: Any, path: str) -> Any:
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        return f"${path}.{value[1:]}"
    if isinstance(value, dict):
        return {k: _rebase(v, path) for k, v in value.items()}
    if isinstance(value, list):
        return [_rebase(v, path) for v in value]
    return value


def merge_pipeline(commit: CommitIn, now: datetime, idle_s: float) -> list[dict[str, Any]]:
    """The pipeline update applying one commit to its attempt (filter: merge_filter)."""
    path = session_path(commit.session_id)
    time_first, time_second = session_update(
        now, commit.sequence, commit_session_time(commit), idle_s, commit.client_time()
    )
    first = _prefixed(time_first["$set"], path)
    first.update(
        {
            "cur_order": {
                "$add": [{"$multiply": [{"$ifNull": [f"${path}.ordinal", 0]}, ORDER_FACTOR]}, commit.sequence]
            },
            f"{path}.seqs": {"$concatArrays": [{"$ifNull": [f"${path}.seqs", []]}, [commit.sequence]]},
            "commit_count": {"$add": [{"$ifNull": ["$commit_count", 0]}, 1]},
            "last_commit_at": {"$max": ["$last_commit_at", now]},
        }
    )
    if commit.event == "terminate":
        first[f"{path}.terminated"] = True
    second: dict[str, Any] = cmi_tree.merge_stages(commit.cmi, "$cur_order")
    second.update(cmi_tree.merge_stages(_split(commit), "$cur_order", f"{path}.cmi"))
    new_time = _rebase(time_second["$set"]["time_s"], path)
    second.update(
        {
            "last_order": {"$max": ["$last_order", "$cur_order"]},
            "last_sequence": {
                "$cond": [
                    {"$gt": ["$cur_order", {"$ifNull": ["$last_order", -1]}]},
                    commit.sequence,
                    "$last_sequence",
                ]
            },
            "total_time_s": {
                "$add": [
                    {"$ifNull": ["$total_time_s", 0]},
                    {"$subtract": [new_time, {"$ifNull": [f"${path}.time_s", 0]}]},
                ]
            },
        }
    )
    return [{"$set": first}, {"$set": second}, {"$set": _prefixed(time_second["$set"], path)}]


# What a commit reads back from its merge: the attempt as it was, without the fields derived from the tree
# (interactions, objectives, comments, scores...), which the store would otherwise copy on every commit.
MERGE_RETURN = {
    "_id": 1,
    "number": 1,
    "cmi": 1,
    "by_session": 1,
    "commit_count": 1,
    "last_order": 1,
    "last_sequence": 1,
    "total_time_s": 1,
    "completed_at": 1,
}


def merge_filter(commit: CommitIn, enrollment: str) -> dict[str, Any]:
    """The attempt holding this session, unless this (session, sequence) was applied already."""
    return {
        "enrollment_id": enrollment,
        "session_ids": commit.session_id,
        f"{session_path(commit.session_id)}.seqs": {"$ne": commit.sequence},
    }


@dataclass(frozen=True)
class Merged:
    """The attempt just before and just after one commit, as merge_pipeline left it."""

    ordinal: int
    order: int
    tree: cmi_tree.Tree  # the merged tree after
    session_cmi_before: cmi_tree.Tree
    session_cmi_after: cmi_tree.Tree
    changes: list[dict[str, Any]]
    won: int
    time_before: SessionTime
    time_after: SessionTime
    count: int
    last_sequence: int
    rev: int  # how many commits this session has applied, this one included
    terminated: bool


def merged(before: Mapping[str, Any], commit: CommitIn, now: datetime, idle_s: float) -> Merged:
    """The Python twin of merge_pipeline, from the attempt as it was just before."""
    entry = before["by_session"][session_key(commit.session_id)]
    ordinal = int(entry["ordinal"] or 0)
    order = ordinal * ORDER_FACTOR + commit.sequence
    tree, changes, won = cmi_tree.merge_tree(before.get("cmi"), commit.cmi, order)
    session_after, _, _ = cmi_tree.merge_tree(entry.get("cmi"), _split(commit), order)
    time_before = SessionTime.of(entry)
    last_order = before.get("last_order")
    return Merged(
        ordinal=ordinal,
        order=order,
        tree=tree,
        session_cmi_before=dict(entry.get("cmi") or {}),
        session_cmi_after=session_after,
        changes=changes,
        won=won,
        time_before=time_before,
        time_after=advance(
            time_before, now, commit.sequence, commit_session_time(commit), idle_s, commit.client_time()
        ),
        count=int(before.get("commit_count") or 0) + 1,
        last_sequence=commit.sequence
        if last_order is None or order > last_order
        else before["last_sequence"],
        rev=len(entry.get("seqs") or []) + 1,
        terminated=bool(entry.get("terminated")) or commit.event == "terminate",
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


def latest_session(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The entry of the attempt's session with the highest ordinal (empty when none)."""
    entries = [e for e in (doc.get("by_session") or {}).values() if e.get("ordinal") is not None]
    return max(entries, key=lambda e: e["ordinal"], default={})
