"""Erasure (GDPR art. 17): every trace of an LMS learner, or of an xAPI agent, removed from every collection.

An LMS learner is the bridge's account agent {homePage: LRS_LMS_HOMEPAGE, name: learner id}. What
holds a learner, and how it is found:
- `statements` where the agent is actor, object, a group member, instructor or team, or in a
  sub-statement (`related_agents`), or whose report `learner` is them; never merely because the
  agent is the statement's authority (a credential's account under the same home page);
- `attachments` that only those statements used;
- `activities`: the attempt activities the bridge minted for the learner's attempts;
- `documents` (state and agent profiles) of the agent;
- `scorm_enrollments`, `scorm_attempts`, `scorm_sessions` by `learner_id` (and by their links to
  each other); `scorm_commits`, `scorm_audit` by the learner's sessions, `scorm_sco_status` by their
  attempts, `scorm_outbox` (postbacks) by their enrollments, and audit rows whose payload names the learner (rejected commits reach no attempt).
Every query is served by an index (lrs/storage/query_shapes.py), but two scans: the audit rows that
name the learner (a regex on the payload text), and, only when erased statements had attachments,
the statements that still use them.
Everything is read first and the rows that lead to others (sessions, attempts, enrollments) are
deleted last, so a run cut short is finished by running it again. Idempotent: a second run removes
nothing and answers zero counts.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import orjson

from lrs.storage import Database
from lrs.storage.indexes import (
    ACTIVITIES,
    ATTACHMENTS,
    DOCUMENTS,
    SCORM_ATTEMPTS,
    SCORM_AUDIT,
    SCORM_COMMITS,
    SCORM_ENROLLMENTS,
    SCORM_OUTBOX,
    SCORM_SCO_STATUS,
    SCORM_SESSIONS,
    SCORM_WEBHOOKS,
    STATEMENTS,
)
from lrs.xapi.statements import index_fields
from lrs.xapi.validation import agent_identifier
from translators.iris import attempt_iri

BATCH = 1000  # documents read or deleted per round trip (keeps every command far below 16 MB)


@dataclass(frozen=True)
class Subject:
    """Whom to erase: agent identifier strings, values of the statements' report `learner` field,
    and the LMS learner id when the subject is an LMS learner (their SCORM data goes too)."""

    identifiers: frozenset[str]
    report_learners: frozenset[str]
    learner_id: str | None


def learner_subject(learner_id: str, lms_homepage: str) -> Subject:
    """An LMS learner: the account under the LMS home page, with or without a trailing slash."""
    home = lms_homepage.rstrip("/")
    identifiers = frozenset(f"account:{h} {learner_id}" for h in (home, home + "/"))
    return Subject(identifiers, frozenset({learner_id}), learner_id)


def agent_subject(agent: dict[str, Any], lms_homepage: str) -> Subject:
    """An xAPI agent (a validated `agent` parameter). An account under the LMS home page is that LMS
    learner; an mbox also covers its mbox_sha1sum (the same person, hashed)."""
    account = agent.get("account")
    if isinstance(account, dict) and str(account.get("homePage", "")).rstrip("/") == lms_homepage.rstrip("/"):
        return learner_subject(str(account["name"]), lms_homepage)
    identifiers = {agent_identifier(agent)}
    if "mbox" in agent:
        identifiers.add(f"mbox_sha1sum:{hashlib.sha1(str(agent['mbox']).encode()).hexdigest()}")
    return Subject(frozenset(identifiers), frozenset(identifiers), None)


async def erase(db: Database, subject: Subject, activity_iri_base: str) -> dict[str, int]:
    """Remove every trace of the subject; the number of documents removed per collection.
    `activity_iri_base` names the attempt activities the bridge minted for a learner's attempts."""
    removed: dict[str, int] = {}
    statements, sha2s = await _erase_statements(db, subject)
    removed[STATEMENTS] = statements
    removed[ATTACHMENTS] = await _erase_orphan_attachments(db, sha2s)
    removed[DOCUMENTS] = await db.collection(DOCUMENTS).delete_many(
        {"agent": {"$in": sorted(subject.identifiers)}}
    )
    if subject.learner_id is not None:
        removed.update(await _erase_scorm(db, subject.learner_id, activity_iri_base))
    return removed


async def _erase_statements(db: Database, subject: Subject) -> tuple[int, set[str]]:
    """Statements that involve the subject other than as authority; with the attachment hashes they used.

    One indexed query (`related_agents`), repeated until it finds nothing left; only the statements
    whose authority is the subject (rare) are read whole to decide, and those that do not involve it
    otherwise are skipped by the next queries."""
    coll = db.collection(STATEMENTS)
    match = {"related_agents": {"$in": sorted(subject.identifiers)}}
    projection = {"_id": 1, "learner": 1, "statement.authority": 1, "statement.attachments": 1}
    removed, sha2s = 0, set[str]()
    spared: list[Any] = []  # named only as authority: never erased, skipped by later pages
    while True:
        query = {**match, "_id": {"$nin": spared}} if spared else match
        page = await coll.find(query, projection, limit=BATCH)
        if not page:
            return removed, sha2s
        doomed = [doc for doc in page if not _authority_is_subject(doc, subject)]
        suspects = [doc["_id"] for doc in page if _authority_is_subject(doc, subject)]
        if suspects:
            whole = await coll.find({"_id": {"$in": suspects}}, {"statement": 1, "learner": 1})
            involved = [doc for doc in whole if _involves(doc, subject)]
            doomed += involved
            spared += sorted(set(suspects) - {doc["_id"] for doc in involved})
        for doc in doomed:
            sha2s.update(_attachment_hashes(doc["statement"]))
        if doomed:
            removed += await coll.delete_many({"_id": {"$in": [doc["_id"] for doc in doomed]}})


def _authority_is_subject(doc: dict[str, Any], subject: Subject) -> bool:
    """Whether the statement names the subject as its authority (and is not theirs by `learner`)."""
    if doc.get("learner") in subject.report_learners:
        return False
    authority = doc["statement"].get("authority")
    return not subject.identifiers.isdisjoint(index_fields({"authority": authority})["related_agents"])


def _involves(doc: dict[str, Any], subject: Subject) -> bool:
    if doc.get("learner") in subject.report_learners:
        return True
    without_authority = {k: v for k, v in doc["statement"].items() if k != "authority"}
    return not subject.identifiers.isdisjoint(index_fields(without_authority)["related_agents"])


def _attachment_hashes(statement: dict[str, Any]) -> set[str]:
    attachments = statement.get("attachments")
    if not isinstance(attachments, list):
        return set()
    return {a["sha2"] for a in attachments if isinstance(a, dict) and isinstance(a.get("sha2"), str)}


async def _erase_orphan_attachments(db: Database, sha2s: set[str]) -> int:
    """Attachments of erased statements that no remaining statement uses (one pass over the
    statements, only when erased statements had attachments)."""
    if not sha2s:
        return 0
    users = await db.collection(STATEMENTS).find(
        {"statement.attachments.sha2": {"$in": sorted(sha2s)}}, {"statement.attachments": 1}
    )
    used = {sha2 for doc in users for sha2 in _attachment_hashes(doc["statement"])}
    return await _delete_in(db, ATTACHMENTS, [("_id", sorted(sha2s - used))])


async def _erase_scorm(db: Database, learner_id: str, activity_iri_base: str) -> dict[str, int]:
    """The learner's SCORM data: read what leads to what first, delete the leaves before the roots."""
    by_learner = {"learner_id": learner_id}
    enrollments = set(await _ids(db, SCORM_ENROLLMENTS, by_learner))
    fields = {"session_ids": 1, "enrollment_id": 1, "course_id": 1}
    attempts = await db.collection(SCORM_ATTEMPTS).find(by_learner, fields)
    # rows are linked both ways, so one whose learner_id was written wrong still goes
    attempts += await db.collection(SCORM_ATTEMPTS).find(
        {"enrollment_id": {"$in": sorted(enrollments)}}, fields
    )
    attempt_ids = sorted({a["_id"] for a in attempts})
    enrollments.update(a["enrollment_id"] for a in attempts if a.get("enrollment_id"))
    sessions = set(await _ids(db, SCORM_SESSIONS, by_learner))
    sessions.update(s for a in attempts for s in a.get("session_ids") or ())
    sessions.update(await _ids(db, SCORM_SESSIONS, {"attempt_id": {"$in": attempt_ids}}))
    # the attempt activities the bridge minted (their IRIs carry the attempt id)
    attempt_iris = sorted(
        {attempt_iri(activity_iri_base, a["course_id"], a["_id"]) for a in attempts if a.get("course_id")}
    )
    return {
        ACTIVITIES: await _delete_in(db, ACTIVITIES, [("_id", attempt_iris)]),
        SCORM_COMMITS: await _erase_commit_records(db, sorted(sessions)),
        SCORM_AUDIT: await _delete_in(db, SCORM_AUDIT, [("session_id", sorted(sessions))])
        + await _erase_named_audit(db, learner_id),
        SCORM_SCO_STATUS: await _delete_in(db, SCORM_SCO_STATUS, [("attempt_id", attempt_ids)]),
        SCORM_OUTBOX: await _erase_postbacks(db, sorted(enrollments)),
        SCORM_SESSIONS: await _delete_in(db, SCORM_SESSIONS, [("_id", sorted(sessions))]),
        SCORM_ATTEMPTS: await _delete_in(db, SCORM_ATTEMPTS, [("_id", attempt_ids)]),
        SCORM_ENROLLMENTS: await _delete_in(db, SCORM_ENROLLMENTS, [("_id", sorted(enrollments))]),
    }


async def _erase_postbacks(db: Database, enrollments: list[str]) -> int:
    """The postback rows of the enrollments: `_id` is "<webhook id>:<enrollment id>" (webhooks are a
    handful per LMS, read whole)."""
    webhooks = await _ids(db, SCORM_WEBHOOKS, {})
    rows = [f"{webhook}:{enrollment}" for webhook in webhooks for enrollment in enrollments]
    return await _delete_in(db, SCORM_OUTBOX, [("_id", rows)])


async def _erase_commit_records(db: Database, sessions: list[str]) -> int:
    """Commit records of the sessions: their `_id` is "<session>:<sequence>", a range of the `_id`
    index per session (the `session_id` condition keeps out a session named "<session>:...")."""
    removed = 0
    for session in sessions:
        removed += await db.collection(SCORM_COMMITS).delete_many(
            {"_id": {"$gte": f"{session}:", "$lt": f"{session};"}, "session_id": session}
        )
    return removed


async def _ids(db: Database, collection: str, match: dict[str, Any]) -> list[Any]:
    return [doc["_id"] for doc in await db.collection(collection).find(match, {"_id": 1})]


async def _erase_named_audit(db: Database, learner_id: str) -> int:
    """Audit rows, linked to none of the learner's sessions, whose payload names the learner (rejected
    commits). The payload is kept as JSON text: a regex finds candidates, parsing decides."""
    coll = db.collection(SCORM_AUDIT)
    spellings = [orjson.dumps(learner_id).decode()] + ([learner_id] if learner_id.isdigit() else [])
    match = {"payload": {"$regex": "|".join(re.escape(f'"id":{spelling}') for spelling in spellings)}}
    removed, spared = 0, list[Any]()  # spared: the id names something else (a course, a SCO)
    while True:
        query = {**match, "_id": {"$nin": spared}} if spared else match
        page = await coll.find(query, {"_id": 1, "payload": 1}, limit=BATCH)
        if not page:
            return removed
        doomed = [row["_id"] for row in page if _payload_learner(row.get("payload")) == learner_id]
        spared += sorted({row["_id"] for row in page} - set(doomed))
        if doomed:
            removed += await coll.delete_many({"_id": {"$in": doomed}})


def _payload_learner(payload: Any) -> str | None:
    """The learner id a raw commit payload names (numbers are ids too, as the commit model reads them)."""
    try:
        raw = orjson.loads(payload) if isinstance(payload, str) else None
    except orjson.JSONDecodeError:
        return None
    learner = raw.get("learner") if isinstance(raw, dict) else None
    value = learner.get("id") if isinstance(learner, dict) else None
    return str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None


async def _delete_in(db: Database, collection: str, fields: list[tuple[str, list[Any]]]) -> int:
    """Delete the documents whose field is one of the values, BATCH values per round trip."""
    removed = 0
    for field, values in fields:
        for i in range(0, len(values), BATCH):
            removed += await db.collection(collection).delete_many({field: {"$in": values[i : i + BATCH]}})
    return removed
