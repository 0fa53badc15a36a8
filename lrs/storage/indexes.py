"""Collection names, and every index the queries need, created at startup (idempotent).

Uniqueness lives on `_id` only: natural keys are the `_id` (the in-memory store scans the whole
collection for every other unique index). Each index says which query it serves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from lrs.storage import Database

log = logging.getLogger("lrs.storage")

STATEMENTS = "statements"
ATTACHMENTS = "attachments"  # _id = sha2 of the raw data
ACTIVITIES = "activities"  # _id = activity id; the merged canonical definition
DOCUMENTS = "documents"
CREDENTIALS = "credentials"
SCORM_COMMITS = "scorm_commits"  # applied commits, _id = "<session_id>:<sequence>"
SCORM_AUDIT = "scorm_audit"  # every commit received, whatever its outcome
SCORM_SESSIONS = "scorm_sessions"  # _id = session_id
SCORM_ATTEMPTS = "scorm_attempts"
SCORM_ENROLLMENTS = "scorm_enrollments"
# launches (issue 9)
SCORM_PACKAGES = "scorm_packages"  # _id = hash of (course id, manifest bytes)
SCORM_COURSES = "scorm_courses"  # _id = course id: its package revisions and latest package
SCORM_SCO_STATUS = "scorm_sco_status"  # _id = "<attempt id>:<sco id>": a SCO's own outcome elements
AUTH_FAILURES = "auth_failures"  # failed logins, _id = "<kind>:<subject>:<window>" (lrs/login_limits.py)
SCORM_WEBHOOKS = "scorm_webhooks"  # postback URLs registered by LMS credentials
SCORM_OUTBOX = "scorm_outbox"  # _id = "<webhook id>:<enrollment id>": one postback stream


@dataclass(frozen=True)
class Index:
    collection: str
    keys: list[tuple[str, int]]
    name: str
    why: str
    options: dict[str, Any] = field(default_factory=dict)


NEWEST = [("stored", -1), ("_id", -1)]

INDEXES: list[Index] = [
    # --- statements (owned by lrs/xapi) ---
    Index(
        STATEMENTS,
        [("stored", -1), ("_id", -1)],
        "statements_stored",
        "unfiltered queries, since/until, and the (stored, _id) keyset of `more` links",
    ),
    # every filter index ends with (stored, _id): the total order of pages and `more` links, so the
    # sort is read from the index, never done in memory
    Index(STATEMENTS, [("verb", 1), *NEWEST], "statements_verb", "GET statements?verb="),
    Index(STATEMENTS, [("agent", 1), *NEWEST], "statements_agent", "GET statements?agent=, GET agents"),
    Index(STATEMENTS, [("activity", 1), *NEWEST], "statements_activity", "GET statements?activity="),
    Index(
        STATEMENTS,
        [("registration", 1), *NEWEST],
        "statements_registration",
        "GET statements?registration=",
    ),
    Index(
        STATEMENTS,
        [("related_agents", 1), *NEWEST],
        "statements_related_agents",
        "GET statements?agent=&related_agents=true",
    ),
    Index(
        STATEMENTS,
        [("related_activities", 1), *NEWEST],
        "statements_related_activities",
        "GET statements?activity=&related_activities=true",
    ),
    Index(
        STATEMENTS,
        [("authority_key", 1), *NEWEST],
        "statements_authority_key",
        "statements/read/mine: only the caller's own statements",
    ),
    Index(
        STATEMENTS,
        [("ref", 1)],
        "statements_ref",
        "statements targeting one just stored (its targeting statements arrived first)",
        {"sparse": True},
    ),
    Index(
        STATEMENTS,
        [("targets.k", 1), *NEWEST],
        "statements_target_keys",
        "the StatementRef filter rule: statements whose target (chain) matches a filter",
    ),
    # --- documents (owned by lrs/xapi documents) ---
    Index(
        DOCUMENTS,
        [("kind", 1), ("activity_id", 1), ("agent", 1), ("registration", 1), ("doc_id", 1)],
        "documents_set",
        "GET ids (with since, ordered by id) and DELETE of all state documents of one "
        "activity/agent/registration, and profile id lists",
    ),
    Index(CREDENTIALS, [("created", 1)], "credentials_created", "lrs-bridge credentials list"),
    Index(DOCUMENTS, [("agent", 1)], "documents_agent", "erasure: every document of an agent (lrs/admin)"),
    # --- scorm (owned by lrs/scorm) ---
    Index(
        SCORM_ATTEMPTS,
        [("enrollment_id", 1), ("number", -1)],
        "scorm_attempts_enrollment_number",
        why="a session's first commit reads its enrollment's latest attempt (resume or start n+1)",
    ),
    Index(
        SCORM_ATTEMPTS,
        [("latest.session_id", 1)],
        "scorm_attempts_latest_session",
        why="a commit of its attempt's latest session reads that attempt in its first round trip",
    ),
    Index(
        SCORM_AUDIT,
        [("session_id", 1), ("received_at", 1), ("_id", 1)],
        "scorm_audit_session_received",
        why="GET /scorm/commits?session_id= pages one session's audit rows by (received_at, _id)",
    ),
    Index(
        SCORM_AUDIT,
        [("received_at", 1), ("_id", 1)],
        "scorm_audit_received",
        why="GET /scorm/commits pages every audit row by (received_at, _id), either way",
    ),
    # --- launches, packages and course rollup (owned by lrs/scorm launch and package modules) ---
    Index(
        SCORM_PACKAGES,
        [("course_id", 1), ("revision", -1)],
        "scorm_packages_course_revision",
        why="GET /scorm/packages?course= lists a course's package revisions, newest first",
    ),
    Index(
        SCORM_SCO_STATUS,
        [("attempt_id", 1)],
        "scorm_sco_status_attempt",
        why="course rollup reads every SCO status of one attempt",
    ),
    # --- failed logins (owned by lrs/login_limits.py) ---
    Index(
        AUTH_FAILURES,
        [("expires_at", 1)],
        "auth_failures_expiry",
        "TTL: counters of past windows go away by themselves",
        {"expireAfterSeconds": 0},
    ),
    Index(
        SCORM_WEBHOOKS,
        [("credential", 1), ("created", 1)],
        "scorm_webhooks_credential_created",
        why="GET /scorm/webhooks (a credential's, oldest first); each commit finds its credential's",
    ),
    Index(
        SCORM_WEBHOOKS,
        [("course_id", 1)],
        "scorm_webhooks_course",
        why="each commit finds the package webhooks of its course",
    ),
    Index(
        SCORM_OUTBOX,
        [("state", 1), ("due_at", 1)],
        "scorm_outbox_state_due",
        why="delivery workers claim the earliest due pending row",
    ),
    Index(
        SCORM_OUTBOX,
        [("webhook_id", 1), ("changed_at", 1), ("_id", 1)],
        "scorm_outbox_webhook_changed",
        why="GET /scorm/outbox lists a credential's rows",
    ),
    Index(
        SCORM_ENROLLMENTS,
        [("last_access", 1), ("_id", 1)],
        "scorm_enrollments_changed",
        why="GET /reports/changes: enrollments in (last change, id) order",
    ),
    Index(
        SCORM_ATTEMPTS,
        [("last_commit_at", 1), ("_id", 1)],
        "scorm_attempts_changed",
        why="GET /reports/changes: attempts in (last change, id) order",
    ),
    # --- reports (owned by lrs/reports) ---
    Index(
        SCORM_ENROLLMENTS,
        [("learner_id", 1), ("course_id", 1), ("_id", 1)],
        "reports_enrollments_learner_course",
        "enrollments report (filter and sort by learner, course), learners/{learner}/courses",
    ),
    Index(
        SCORM_ENROLLMENTS,
        [("course_id", 1), ("learner_id", 1), ("_id", 1)],
        "reports_enrollments_course_learner",
        "courses report (per course), enrollments?course= (sorted by learner)",
    ),
    Index(
        SCORM_ATTEMPTS,
        [("learner_id", 1), ("course_id", 1), ("number", 1), ("_id", 1)],
        "reports_attempts_learner_course_number",
        "attempts and attempt-counts reports (filter and sort by learner, course, number): the page is "
        "read in index order, whole attempts (CMI trees) are never sorted in memory",
    ),
    Index(
        SCORM_ATTEMPTS,
        [("course_id", 1), ("learner_id", 1), ("number", 1), ("_id", 1)],
        "reports_attempts_course_learner_number",
        "attempts?course= and attempt counts of a course (sorted by learner); completing attempts",
    ),
    Index(
        SCORM_ATTEMPTS,
        [("completed_at", 1), ("last_commit_at", 1), ("_id", 1)],
        "reports_attempts_abandoned",
        "abandoned-attempts: completed_at null and last commit older than the idle limit",
    ),
    Index(
        SCORM_SESSIONS,
        [("attempt_id", 1), ("started_at", 1)],
        "reports_sessions_attempt",
        "attempts report and attempt detail: time per attempt",
    ),
    Index(
        SCORM_SESSIONS,
        [("learner_id", 1), ("course_id", 1), ("started_at", 1)],
        "reports_sessions_learner_course_started",
        "time-spent, enrollments and learner courses: SCORM time per learner and course (and day)",
    ),
    Index(
        SCORM_SESSIONS,
        [("course_id", 1), ("started_at", 1)],
        "reports_sessions_course_started",
        "time-spent?course=: SCORM time of one course",
    ),
    Index(
        SCORM_SESSIONS,
        [("enrollment_id", 1), ("started_at", 1)],
        "reports_sessions_enrollment_started",
        "courses report: time to completion (sessions of completed enrollments)",
    ),
    # partial: only statements that carry time are indexed, so time reports never scan the others
    Index(
        STATEMENTS,
        [("courses", 1), ("learner", 1), ("occurred", 1)],
        "reports_statements_course_duration",
        "time-spent (and enrollments, courses): non-SCORM durations by course",
        {"partialFilterExpression": {"duration_s": {"$gt": 0}}},
    ),
    Index(
        STATEMENTS,
        [("courses", 1), ("learner", 1), ("occurred", 1)],
        "reports_statements_course_video",
        "time-spent (and enrollments, courses): video played seconds by course",
        {"partialFilterExpression": {"video_played_s": {"$gt": 0}}},
    ),
    Index(
        STATEMENTS,
        [("learner", 1), ("courses", 1), ("occurred", 1)],
        "reports_statements_learner_duration",
        "time-spent?learner=, learners/{learner}/courses: non-SCORM durations of one learner",
        {"partialFilterExpression": {"duration_s": {"$gt": 0}}},
    ),
    Index(
        STATEMENTS,
        [("learner", 1), ("courses", 1), ("occurred", 1)],
        "reports_statements_learner_video",
        "time-spent?learner=, learners/{learner}/courses: video played seconds of one learner",
        {"partialFilterExpression": {"video_played_s": {"$gt": 0}}},
    ),
]


# indexes of earlier releases that no query uses any more: dropped at startup
RETIRED_INDEXES: list[tuple[str, str]] = [
    (DOCUMENTS, "documents_set_updated"),
    (SCORM_ENROLLMENTS, "reports_enrollments_course_status"),
    (SCORM_ATTEMPTS, "reports_attempts_course_completed"),
    # enrollments?from=&to= is read in (learner, course) order: a last_access index would invite
    # the planner to sort the range in memory
    (SCORM_ENROLLMENTS, "reports_enrollments_last_access"),
]

# the options that make two definitions of one index differ (with their default when absent)
_COMPARED_OPTIONS = {
    "unique": False,
    "sparse": False,
    "partialFilterExpression": None,
    "expireAfterSeconds": None,
}


def same_definition(index: Index, existing: dict[str, Any]) -> bool:
    """Whether an index found on the server is this declaration (keys in order, and options)."""
    keys = [(field, int(direction)) for field, direction in existing.get("key", [])]
    if keys != [(field, int(direction)) for field, direction in index.keys]:
        return False
    return all(
        index.options.get(option, default) == existing.get(option, default)
        for option, default in _COMPARED_OPTIONS.items()
    )


async def create_indexes(db: Database) -> list[str]:
    """Create every index in INDEXES that is missing, and rebuild (drop, create) every one whose
    definition changed since it was created: MongoDB refuses to create an index under an existing
    name with other keys or options (IndexOptionsConflict). Returns the names rebuilt.

    Several instances starting together may rebuild the same index twice; the result is the same.
    Indexes retired by a release (RETIRED_INDEXES) are dropped; any other index not declared here
    (an operator's own) is left alone."""
    rebuilt: list[str] = []
    by_collection: dict[str, list[Index]] = {}
    for index in INDEXES:
        by_collection.setdefault(index.collection, []).append(index)
    for name, indexes in by_collection.items():
        collection = db.collection(name)
        existing = {found["name"]: found for found in await collection.list_indexes()}
        for retired_collection, retired in RETIRED_INDEXES:
            if retired_collection == name and retired in existing:
                log.info("index %s.%s is no longer used: dropping it", name, retired)
                await collection.drop_index(retired)
        for index in indexes:
            found = existing.get(index.name)
            if found is not None and same_definition(index, found):
                continue
            if found is not None:
                log.warning("index %s.%s changed: rebuilding it", name, index.name)
                await collection.drop_index(index.name)
                rebuilt.append(index.name)
            await collection.create_index(index.keys, name=index.name, **index.options)
    return rebuilt
