"""Every query shape the code issues, as data, with the index (lrs/storage/indexes.py) that serves it.

A shape is what the planner sees: the fields compared for equality, the fields given a range, the
sort asked for, and the conditions a partial index needs. An index serves a shape when it starts
with some of the shape's equality fields, goes on with the sort's fields (less those fixed by
equality) in the sort's order (or all reversed), and, for a partial index, the shape's conditions
imply its filter (tests/storage/test_query_shapes.py checks each; with LRS_TEST_MONGODB_URL set it
also asks MongoDB's `explain` for an index scan and no unbounded in-memory sort).

Shapes whose index is None read their whole collection by design (a report over everything, with no
sort): they have no index to serve them and need none; `why` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lrs.storage.indexes import (
    ACTIVITIES,
    ATTACHMENTS,
    AUTH_FAILURES,
    CREDENTIALS,
    DOCUMENTS,
    INDEXES,
    SCORM_ATTEMPTS,
    SCORM_AUDIT,
    SCORM_COMMITS,
    SCORM_COURSES,
    SCORM_ENROLLMENTS,
    SCORM_OUTBOX,
    SCORM_PACKAGES,
    SCORM_SCO_STATUS,
    SCORM_SESSIONS,
    SCORM_WEBHOOKS,
    STATEMENTS,
    Index,
)

NEWEST_FIRST = (("stored", -1), ("_id", -1))
OLDEST_FIRST = (("stored", 1), ("_id", 1))


@dataclass(frozen=True)
class QueryShape:
    name: str
    collection: str
    index: str | None  # the declared index that serves it ("_id_" for the built-in one)
    equality: tuple[str, ...] = ()
    sort: tuple[tuple[str, int], ...] = ()
    range: tuple[str, ...] = ()
    conditions: dict[str, Any] = field(default_factory=dict)  # other conditions (partial indexes)
    where: str = ""  # the code that issues it


def _statements(name: str, equality: tuple[str, ...], where: str = "lrs/xapi/statements.py") -> QueryShape:
    return QueryShape(name, STATEMENTS, f"statements_{equality[0]}", equality, NEWEST_FIRST, where=where)


SHAPES: list[QueryShape] = [
    # --- xAPI statements (GET /xapi/statements), newest first; ascending is the same index reversed
    QueryShape("statements", STATEMENTS, "statements_stored", (), NEWEST_FIRST, where="query_statements"),
    QueryShape("statements?ascending", STATEMENTS, "statements_stored", (), OLDEST_FIRST),
    QueryShape("statements?since&until", STATEMENTS, "statements_stored", (), NEWEST_FIRST, ("stored",)),
    QueryShape(
        "statements?more (keyset after stored, _id)",
        STATEMENTS,
        "statements_stored",
        (),
        NEWEST_FIRST,
        ("stored",),
        where="lrs/xapi/query.py time_filter",
    ),
    _statements("statements?verb", ("verb",)),
    _statements("statements?agent", ("agent",)),
    _statements("statements?activity", ("activity",)),
    _statements("statements?registration", ("registration",)),
    _statements("statements?agent&related_agents", ("related_agents",)),
    _statements("statements?activity&related_activities", ("related_activities",)),
    _statements("statements (statements/read/mine)", ("authority_key",)),
    QueryShape(
        "statements?verb&more",
        STATEMENTS,
        "statements_verb",
        ("verb",),
        NEWEST_FIRST,
        ("stored",),
        where="a filter with its `more` page",
    ),
    QueryShape(
        "statements?<filter>: the statements targeting a match ($or branch of every filter)",
        STATEMENTS,
        "statements_target_keys",
        ("targets.k",),
        NEWEST_FIRST,
        where="lrs/xapi/statement_refs.py targeting_clause",
    ),
    QueryShape(
        "statements targeting the ones just stored, and up their chains",
        STATEMENTS,
        "statements_ref",
        ("ref",),
        where="lrs/xapi/statement_refs.py add_late_targets",
    ),
    QueryShape(
        "targets of a batch's StatementRefs (voiding check, targets)",
        STATEMENTS,
        "_id_",
        ("_id",),
        where="lrs/xapi/statement_refs.py load_targets",
    ),
    QueryShape("statement by id, voiding targets, duplicates", STATEMENTS, "_id_", ("_id",)),
    # GET /admin/exports/statements pages through the same shapes as GET /xapi/statements (any
    # filter above, then keyset after the last (stored, _id)); this is its unfiltered page
    QueryShape(
        "statements export page (keyset after stored, _id)",
        STATEMENTS,
        "statements_stored",
        (),
        NEWEST_FIRST,
        ("stored",),
        where="lrs/xapi/export.py export_statements",
    ),
    QueryShape(
        "agents: names of one actor (GET /xapi/agents)",
        STATEMENTS,
        "statements_agent",
        ("agent",),
        where="lrs/xapi/agents.py",
    ),
    QueryShape("activities by id", ACTIVITIES, "_id_", ("_id",), where="lrs/xapi/activities.py"),
    QueryShape("attachments by sha2", ATTACHMENTS, "_id_", ("_id",)),
    # --- documents (state, activity and agent profiles)
    QueryShape("document by key", DOCUMENTS, "_id_", ("_id",), where="lrs/xapi/documents.py"),
    QueryShape(
        "document ids of a set (since)",
        DOCUMENTS,
        "documents_set",
        ("kind", "activity_id", "agent", "registration"),
        (("doc_id", 1),),
        ("updated",),
        where="list_document_ids",
    ),
    QueryShape(
        "delete every state of a set",
        DOCUMENTS,
        "documents_set",
        ("kind", "activity_id", "agent", "registration"),
        where="delete_documents",
    ),
    QueryShape("credential by key", CREDENTIALS, "_id_", ("_id",), where="lrs/credentials.py"),
    QueryShape(
        "credentials list",
        CREDENTIALS,
        "credentials_created",
        (),
        (("created", 1),),
        where="list_credentials",
    ),
    # --- SCORM ingest
    QueryShape(
        "latest attempt of an enrollment",
        SCORM_ATTEMPTS,
        "scorm_attempts_enrollment_number",
        ("enrollment_id",),
        (("number", -1),),
        where="lrs/scorm/attempts.py",
    ),
    QueryShape(
        "attempt of its latest session",
        SCORM_ATTEMPTS,
        "scorm_attempts_latest_session",
        ("latest.session_id", "enrollment_id"),
        where="lrs/scorm/ingest.py _apply",
    ),
    QueryShape("attempt, enrollment, session, commit by id", SCORM_ATTEMPTS, "_id_", ("_id",)),
    QueryShape("enrollment by id", SCORM_ENROLLMENTS, "_id_", ("_id",)),
    QueryShape("session by id", SCORM_SESSIONS, "_id_", ("_id",)),
    QueryShape("applied commit by session:sequence", SCORM_COMMITS, "_id_", ("_id",)),
    QueryShape(
        "audit rows of a session",
        SCORM_AUDIT,
        "scorm_audit_session_received",
        ("session_id",),
        (("received_at", 1), ("_id", 1)),
        ("received_at",),
        where="lrs/scorm/audit.py audit_page",
    ),
    QueryShape(
        "audit rows of a session, newest first",
        SCORM_AUDIT,
        "scorm_audit_session_received",
        ("session_id",),
        (("received_at", -1), ("_id", -1)),
        ("received_at",),
        where="lrs/scorm/audit.py audit_page",
    ),
    QueryShape(
        "audit rows",
        SCORM_AUDIT,
        "scorm_audit_received",
        (),
        (("received_at", 1), ("_id", 1)),
        ("received_at",),
        where="lrs/scorm/audit.py audit_page",
    ),
    QueryShape(
        "total of every audit row",
        SCORM_AUDIT,
        None,
        where="audit_page without a session: `total` counts the whole log",
    ),
    QueryShape(
        "audit rows, newest first",
        SCORM_AUDIT,
        "scorm_audit_received",
        (),
        (("received_at", -1), ("_id", -1)),
        ("received_at",),
        where="lrs/scorm/audit.py audit_page",
    ),
    QueryShape(
        "attempts of an enrollment (course rollup)",
        SCORM_ATTEMPTS,
        "scorm_attempts_enrollment_number",
        ("enrollment_id",),
        where="lrs/scorm/course_rollup.py",
    ),
    QueryShape(
        "sessions of one SCO in an attempt",
        SCORM_SESSIONS,
        "reports_sessions_attempt",
        ("attempt_id", "sco_id"),
        where="lrs/scorm/sco_records.py sco_time_s",
    ),
    QueryShape("package, course and SCO status by id", SCORM_PACKAGES, "_id_", ("_id",)),
    QueryShape("course (latest package) by id", SCORM_COURSES, "_id_", ("_id",)),
    # --- reports: each pipeline's leading $match (and $sort)
    QueryShape(
        "enrollments report",
        SCORM_ENROLLMENTS,
        "reports_enrollments_learner_course",
        (),
        (("learner_id", 1), ("course_id", 1), ("_id", 1)),
        where="lrs/reports/pipelines/enrollments.py",
    ),
    QueryShape(
        "enrollments?learner (and learner courses)",
        SCORM_ENROLLMENTS,
        "reports_enrollments_learner_course",
        ("learner_id",),
        (("learner_id", 1), ("course_id", 1), ("_id", 1)),
    ),
    QueryShape(
        "enrollments?course",
        SCORM_ENROLLMENTS,
        "reports_enrollments_course_learner",
        ("course_id",),
        (("learner_id", 1), ("course_id", 1), ("_id", 1)),
    ),
    QueryShape(
        "enrollments?from&to (last access)",
        SCORM_ENROLLMENTS,
        "reports_enrollments_learner_course",
        (),
        (("learner_id", 1), ("course_id", 1), ("_id", 1)),
        ("last_access",),
    ),
    QueryShape(
        "courses report and its completed enrollments, ?course",
        SCORM_ENROLLMENTS,
        "reports_enrollments_course_learner",
        ("course_id",),
        range=("first_access",),
        where="lrs/reports/pipelines/courses.py",
    ),
    QueryShape(
        "courses report over every course",
        SCORM_ENROLLMENTS,
        None,
        where="courses_pipeline without a course: reads every enrollment, groups, sorts the groups",
    ),
    QueryShape(
        "attempts report",
        SCORM_ATTEMPTS,
        "reports_attempts_learner_course_number",
        (),
        (("learner_id", 1), ("course_id", 1), ("number", 1), ("_id", 1)),
        where="lrs/reports/pipelines/attempts.py attempts_pipeline",
    ),
    QueryShape(
        "attempts?learner (and attempt counts)",
        SCORM_ATTEMPTS,
        "reports_attempts_learner_course_number",
        ("learner_id", "course_id"),
        (("learner_id", 1), ("course_id", 1), ("number", 1), ("_id", 1)),
        ("started_at",),
    ),
    QueryShape(
        "attempts?course (and attempt counts, completing attempts)",
        SCORM_ATTEMPTS,
        "reports_attempts_course_learner_number",
        ("course_id",),
        (("learner_id", 1), ("course_id", 1), ("number", 1), ("_id", 1)),
    ),
    QueryShape(
        "abandoned attempts",
        SCORM_ATTEMPTS,
        "reports_attempts_abandoned",
        ("completed_at",),
        (("last_commit_at", 1), ("_id", 1)),
        ("last_commit_at",),
        where="abandoned_attempts_pipeline",
    ),
    QueryShape(
        "attempt counts, completing attempts over every course",
        SCORM_ATTEMPTS,
        None,
        where="attempt_counts_pipeline, completing_attempts_pipeline without filters: every attempt, grouped",
    ),
    QueryShape(
        "session time of a page of attempts",
        SCORM_SESSIONS,
        "reports_sessions_attempt",
        ("attempt_id",),
        where="attempt_time_pipeline ($in of one page of attempt ids)",
    ),
    QueryShape(
        "sessions of an attempt (attempt detail)",
        SCORM_SESSIONS,
        "reports_sessions_attempt",
        ("attempt_id",),
        (("started_at", 1),),
        where="lrs/reports/service.py attempt_detail",
    ),
    QueryShape(
        "SCORM time by learner (and course, dates)",
        SCORM_SESSIONS,
        "reports_sessions_learner_course_started",
        ("learner_id", "course_id"),
        range=("started_at",),
        where="lrs/reports/pipelines/time_spent.py scorm_time_pipeline",
    ),
    QueryShape(
        "SCORM time of a course",
        SCORM_SESSIONS,
        "reports_sessions_course_started",
        ("course_id",),
        range=("started_at",),
    ),
    QueryShape(
        "sessions of the completed enrollments ($lookup)",
        SCORM_SESSIONS,
        "reports_sessions_enrollment_started",
        ("enrollment_id",),
        where="completed_enrollments_pipeline $lookup (foreignField enrollment_id)",
    ),
    QueryShape(
        "SCORM time over every learner and course",
        SCORM_SESSIONS,
        None,
        where="time-spent report without filters: every session, grouped",
    ),
    QueryShape(
        "statement durations of a course",
        STATEMENTS,
        "reports_statements_course_duration",
        ("courses",),
        range=("occurred",),
        conditions={"duration_s": {"$gt": 0}},
        where="statement_units_stages, first $or branch",
    ),
    QueryShape(
        "video seconds of a course",
        STATEMENTS,
        "reports_statements_course_video",
        ("courses",),
        range=("occurred",),
        conditions={"video_played_s": {"$gt": 0}},
        where="statement_units_stages, second $or branch",
    ),
    QueryShape(
        "statement durations of a learner",
        STATEMENTS,
        "reports_statements_learner_duration",
        ("learner",),
        range=("occurred",),
        conditions={"duration_s": {"$gt": 0}},
    ),
    QueryShape(
        "video seconds of a learner",
        STATEMENTS,
        "reports_statements_learner_video",
        ("learner",),
        range=("occurred",),
        conditions={"video_played_s": {"$gt": 0}},
    ),
    QueryShape(
        "statement time over every learner and course",
        STATEMENTS,
        None,
        where="time-spent report without filters: every time-bearing statement, grouped",
    ),
    # --- packages and course rollup (lrs/scorm/packages.py, sco_records.py)
    QueryShape(
        "packages?course (newest revision first)",
        SCORM_PACKAGES,
        "scorm_packages_course_revision",
        ("course_id",),
        (("course_id", 1), ("revision", -1)),
        where="list_packages",
    ),
    QueryShape(
        "packages (every course, by course and revision)",
        SCORM_PACKAGES,
        "scorm_packages_course_revision",
        (),
        (("course_id", 1), ("revision", -1)),
        where="list_packages",
    ),
    QueryShape(
        "sco statuses of an attempt",
        SCORM_SCO_STATUS,
        "scorm_sco_status_attempt",
        ("attempt_id",),
        where="sco_records",
    ),
    # --- failed logins (lrs/login_limits.py)
    QueryShape("failed-login counters by id", AUTH_FAILURES, "_id_", ("_id",), where="LoginLimiter"),
    QueryShape(
        "failed-login counters past their window (MongoDB's TTL monitor)",
        AUTH_FAILURES,
        "auth_failures_expiry",
        range=("expires_at",),
        where="TTL index",
    ),
    # --- erasure (lrs/admin/erasure.py)
    _statements("erasure: statements of an agent", ("related_agents",), where="lrs/admin/erasure.py"),
    QueryShape("erasure: documents of an agent", DOCUMENTS, "documents_agent", ("agent",), where="erase"),
    QueryShape(
        "erasure: a learner's enrollments",
        SCORM_ENROLLMENTS,
        "reports_enrollments_learner_course",
        ("learner_id",),
        where="_erase_scorm",
    ),
    QueryShape(
        "erasure: a learner's attempts",
        SCORM_ATTEMPTS,
        "reports_attempts_learner_course_number",
        ("learner_id",),
        where="_erase_scorm",
    ),
    QueryShape(
        "erasure: attempts of enrollments",
        SCORM_ATTEMPTS,
        "scorm_attempts_enrollment_number",
        ("enrollment_id",),
        where="_erase_scorm",
    ),
    QueryShape(
        "erasure: a learner's sessions",
        SCORM_SESSIONS,
        "reports_sessions_learner_course_started",
        ("learner_id",),
        where="_erase_scorm",
    ),
    QueryShape(
        "erasure: sessions of attempts",
        SCORM_SESSIONS,
        "reports_sessions_attempt",
        ("attempt_id",),
        where="_erase_scorm",
    ),
    QueryShape(
        "erasure: commit records of a session (an _id range '<session>:')",
        SCORM_COMMITS,
        "_id_",
        ("_id",),
        where="_erase_commit_records",
    ),
    QueryShape(
        "erasure: audit rows of sessions",
        SCORM_AUDIT,
        "scorm_audit_session_received",
        ("session_id",),
        where="_erase_scorm",
    ),
    QueryShape("erasure: postback rows (webhook:enrollment)", SCORM_OUTBOX, "_id_", ("_id",), where="erase"),
    QueryShape(
        "erasure: every webhook (a handful per LMS)",
        SCORM_WEBHOOKS,
        None,
        where="_erase_postbacks: the webhook ids make the postback rows' _id",
    ),
    QueryShape(
        "erasure: audit rows whose payload names the learner",
        SCORM_AUDIT,
        None,
        where="_erase_named_audit: a regex on the payload text, run once per erasure (rejected commits "
        "reach no attempt or session); the audit is bounded by its retention",
    ),
    QueryShape(
        "erasure: statements still using an erased statement's attachment",
        STATEMENTS,
        None,
        where="_erase_orphan_attachments: one pass, only when erased statements had attachments",
    ),
    QueryShape(
        "sessions of one SCO in an attempt (its time so far)",
        SCORM_SESSIONS,
        "reports_sessions_attempt",
        ("attempt_id", "sco_id"),
        where="sco_records.sco_time_s",
    ),
    QueryShape(
        "attempts of an enrollment (course rollup over its attempts)",
        SCORM_ATTEMPTS,
        "scorm_attempts_enrollment_number",
        ("enrollment_id",),
        where="course_rollup.roll_up_commit",
    ),
    # --- postbacks and the change feed (lrs/scorm/webhooks.py, outbox.py; lrs/reports/changes.py)
    QueryShape(
        "webhooks of a credential, oldest first",
        SCORM_WEBHOOKS,
        "scorm_webhooks_credential_created",
        ("credential",),
        (("created", 1),),
        where="webhooks.list_webhooks",
    ),
    QueryShape(
        "webhooks a commit fires: its credential's ($or branch 1)",
        SCORM_WEBHOOKS,
        "scorm_webhooks_credential_created",
        ("credential", "course_id"),
        where="webhooks.webhooks_for",
    ),
    QueryShape(
        "webhooks a commit fires: its course's ($or branch 2)",
        SCORM_WEBHOOKS,
        "scorm_webhooks_course",
        ("course_id",),
        where="webhooks.webhooks_for",
    ),
    QueryShape(
        "outbox: the earliest due pending row (claimed with a lease)",
        SCORM_OUTBOX,
        "scorm_outbox_state_due",
        ("state",),
        (("due_at", 1),),
        ("due_at",),
        where="outbox.claim",
    ),
    QueryShape(
        "outbox depth (rows pending or parked)",
        SCORM_OUTBOX,
        "scorm_outbox_state_due",
        ("state",),
        where="outbox.outbox_depth",
    ),
    QueryShape(
        "outbox rows of a credential's webhooks (of one state), oldest change first",
        SCORM_OUTBOX,
        "scorm_outbox_webhook_changed",
        ("webhook_id",),
        (("changed_at", 1), ("_id", 1)),
        where="outbox.list_rows",
    ),
    QueryShape(
        "outbox row, webhook, package, course, sco status by id",
        SCORM_OUTBOX,
        "_id_",
        ("_id",),
    ),
    QueryShape(
        "changes: enrollments after the cursor (last_access, _id keyset)",
        SCORM_ENROLLMENTS,
        "scorm_enrollments_changed",
        (),
        (("last_access", 1), ("_id", 1)),
        ("last_access",),
        where="reports/changes.read_changes",
    ),
    QueryShape(
        "changes: attempts after the cursor (last_commit_at, _id keyset)",
        SCORM_ATTEMPTS,
        "scorm_attempts_changed",
        (),
        (("last_commit_at", 1), ("_id", 1)),
        ("last_commit_at",),
        where="reports/changes.read_changes",
    ),
]


def index_of(shape: QueryShape) -> Index | None:
    """The declared index a shape names (None for `_id_` and for a collection scan)."""
    return next((i for i in INDEXES if i.collection == shape.collection and i.name == shape.index), None)


def serves(index: Index, shape: QueryShape) -> str | None:
    """Why `index` does not serve `shape` (None when it does): equality fields first, then the sort
    (less the fields fixed by equality) in order or all reversed, then any range field."""
    keys = [field for field, _ in index.keys]
    prefix = 0
    while prefix < len(keys) and keys[prefix] in shape.equality:
        prefix += 1
    if shape.equality and prefix == 0:
        return f"starts with {keys[0]!r}, none of the equality fields {list(shape.equality)}"
    sort = [(f, d) for f, d in shape.sort if f not in shape.equality]
    if sort:
        following = index.keys[prefix : prefix + len(sort)]
        if [f for f, _ in following] != [f for f, _ in sort]:
            return f"after the equality fields, {[f for f, _ in following]} is not the sort {sort}"
        signs = {d * i for (_, d), (_, i) in zip(sort, following, strict=True)}
        if len(signs) != 1:
            return f"mixes directions against the sort {sort}"
    if not shape.equality and not sort and shape.range and keys[0] not in shape.range:
        return f"starts with {keys[0]!r}, none of the range fields {list(shape.range)}"
    partial = index.options.get("partialFilterExpression")
    if partial and any(shape.conditions.get(f) != c for f, c in partial.items()):
        return f"is partial ({partial}) and the shape's conditions {shape.conditions} do not imply it"
    return None
