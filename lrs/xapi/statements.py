"""The statements service: validate, complete, store (all or nothing), void, merge activities; read back.

xAPI 1.0.3 Communication 2.1 and Data 2.3 (lifecycle, voiding, immutability); 2.0.0 likewise.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lrs.errors import BadRequest, InvalidStatement, NotFound, PayloadTooLarge, StatementConflict
from lrs.metrics import STATEMENTS_STORED
from lrs.reports.derived import report_fields
from lrs.settings import Settings
from lrs.signing import Signer
from lrs.storage import Database
from lrs.storage.indexes import ACTIVITIES, ATTACHMENTS, STATEMENTS
from lrs.xapi import activities as activity_store
from lrs.xapi import statement_refs, validation
from lrs.xapi.formats import activity_ids
from lrs.xapi.query import StatementQuery, encode_more, match_filter, sort_order, time_filter

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
# properties the LRS sets or may change; ignored when a re-sent statement is compared (Data 2.3.1)
_IGNORED_IN_COMPARISON = ("authority", "stored", "version", "timestamp", "id", "attachments")


def format_stored(when: datetime) -> str:
    """ISO 8601 UTC with millisecond precision, as `stored` is returned."""
    return when.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def now_ms() -> datetime:
    """The current UTC time truncated to milliseconds (what MongoDB keeps)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


async def store_statements(
    db: Database,
    settings: Settings,
    statements: list[dict[str, Any]],
    authority: dict[str, Any],
    *,
    authority_key: str | None = None,
    version: str = "1.0.3",
    source: str | None = None,
    attachments: dict[str, bytes] | None = None,
    ignore_existing: bool = False,
    attachment_types: dict[str, str] | None = None,
) -> list[str]:
    """Validate, complete and store a batch all or nothing; apply voiding; merge activities; return ids."""
    if len(statements) > settings.max_batch_statements:
        raise PayloadTooLarge(
            f"batch of {len(statements)} statements exceeds the limit of {settings.max_batch_statements} "
            "(LRS_MAX_BATCH_STATEMENTS)",
            limit=settings.max_batch_statements,
        )
    if not statements:
        return []
    attachments = attachments or {}
    if source != "scorm":
        validation.validate_statements(statements, version, max_duration_s=settings.max_duration_seconds)
        _check_attachments(statements, attachments, version)
    _check_unique_ids(statements)
    client_ids = [str(s["id"]).lower() for s in statements if s.get("id")]
    stored = now_ms()
    stored_text = format_stored(stored)
    docs = [
        _stored_document(s, stored, stored_text, authority, authority_key, version, source, settings)
        for s in statements
    ]
    ids = [d["statement"]["id"] for d in docs]
    targets = await statement_refs.load_targets(db, docs)
    _check_voiding_targets(docs, targets)
    statement_refs.attach_targets(docs, targets)
    collection = db.collection(STATEMENTS)
    duplicates = await collection.insert_many(docs)
    if duplicates:
        await _resolve_duplicates(db, docs, duplicates, ignore_existing)
    skipped = set(duplicates)
    fresh = [d for i, d in enumerate(docs) if i not in skipped] if skipped else docs
    if attachments:
        await _store_attachments(db, attachments, attachment_types or {})
    await _apply_voiding(db, fresh)
    # a re-sent batch (ignore_existing: the SCORM bridge finishing a commit) merges its activities again:
    # the request that stored its statements may have failed before merging them (merging is idempotent)
    merged = docs if ignore_existing else fresh
    work = [activity_store.merge_activities(db, [d["statement"] for d in merged])]
    if source != "scorm":  # the bridge's own statements are new: nothing can have targeted them
        work.append(statement_refs.add_late_targets(db, fresh, client_ids))
    await asyncio.gather(*work)  # independent writes: one round trip of latency together
    STATEMENTS_STORED.labels(source or "xapi").inc(len(fresh))
    return ids


def _check_unique_ids(statements: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for i, s in enumerate(statements):
        sid = s.get("id")
        if isinstance(sid, str):
            if sid.lower() in seen:
                raise BadRequest(f"statement id {sid} appears more than once in the batch", field=f"[{i}].id")
            seen.add(sid.lower())


def _check_attachments(statements: list[dict[str, Any]], parts: dict[str, bytes], version: str) -> None:
    """Every attachment without fileUrl has a part, every part an attachment; signatures verify."""
    declared: set[str] = set()
    for i, s in enumerate(statements):
        for j, att in enumerate(s.get("attachments") or []):
            sha2 = att.get("sha2")
            if sha2 in parts:
                declared.add(sha2)
            elif not att.get("fileUrl"):
                raise InvalidStatement(
                    f"attachment with sha2 {sha2} has no fileUrl and no matching multipart part",
                    field=f"[{i}].attachments[{j}]",
                )
            if att.get("usageType") == SIGNATURE_USAGE:
                if sha2 not in parts:
                    raise InvalidStatement(
                        "a signature attachment must be sent as a part", field=f"[{i}].attachments[{j}]"
                    )
                if att.get("contentType") != "application/octet-stream":
                    raise InvalidStatement(
                        "a signature attachment's contentType must be application/octet-stream",
                        field=f"[{i}].attachments[{j}]",
                    )
                from lrs.xapi.signature import verify_signed_statement

                verify_signed_statement(s, parts[sha2], version)
    extra = set(parts) - declared
    if extra:
        raise BadRequest(
            f"multipart part(s) with X-Experience-API-Hash {', '.join(sorted(extra))} match no attachment",
            field="attachments",
        )


def _stored_document(
    statement: dict[str, Any],
    stored: datetime,
    stored_text: str,
    authority: dict[str, Any],
    authority_key: str | None,
    version: str,
    source: str | None,
    settings: Settings,
) -> dict[str, Any]:
    s = with_context_activity_arrays(statement)
    s["id"] = str(s.get("id") or uuid.uuid4())
    s["stored"] = stored_text
    s.setdefault("timestamp", stored_text)
    s["authority"] = authority
    s.setdefault("version", "2.0.0" if version.startswith("2.") else "1.0.0")
    doc: dict[str, Any] = {
        "_id": s["id"].lower(),
        "statement": s,
        "stored": stored,
        "verb": s["verb"]["id"],
        "voided": False,
        **index_fields(s),
    }
    if authority_key is not None:
        doc["authority_key"] = authority_key
    if source is not None:
        doc["source"] = source
    doc.update(
        report_fields(s, settings.activity_iri_base, settings.lms_homepage, settings.max_duration_seconds)
    )
    return doc


def with_context_activity_arrays(statement: dict[str, Any]) -> dict[str, Any]:
    """A copy with every single context activity wrapped in an array (Data 2.4.6.2: returned as arrays)."""
    s = dict(statement)
    context = s.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        s["context"] = {
            **context,
            "contextActivities": {
                k: v if isinstance(v, list) else [v] for k, v in context["contextActivities"].items()
            },
        }
    obj = s.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        s["object"] = with_context_activity_arrays(obj)
    return s


def index_fields(s: dict[str, Any]) -> dict[str, Any]:
    """The query fields of a statement: activity, related activities/agents, registration, ref."""
    obj = s.get("object") or {}
    object_type = obj.get("objectType", "Activity")
    fields: dict[str, Any] = {}
    agents: set[str] = set()
    related_agents: set[str] = set()
    related_activities: set[str] = set()
    _collect(s, agents, related_agents, related_activities, top=True)
    if object_type == "Activity" and "id" in obj:
        fields["activity"] = obj["id"]
    if object_type == "StatementRef":
        fields["ref"] = str(obj.get("id", "")).lower()
    registration = (s.get("context") or {}).get("registration")
    if registration:
        fields["registration"] = str(registration).lower()
    fields["agent"] = sorted(agents)
    fields["related_agents"] = sorted(related_agents)
    fields["related_activities"] = sorted(related_activities)
    return fields


def _collect(
    s: dict[str, Any], agents: set[str], related_agents: set[str], activities: set[str], *, top: bool
) -> None:
    _add_agent(s.get("actor"), top, agents, related_agents)
    obj = s.get("object") or {}
    object_type = obj.get("objectType", "Activity")
    if object_type in ("Agent", "Group"):
        _add_agent(obj, top, agents, related_agents)
    elif object_type == "Activity" and "id" in obj:
        activities.add(obj["id"])
    elif object_type == "SubStatement":
        _collect(obj, agents, related_agents, activities, top=False)
    if top:
        _add_agent(s.get("authority"), False, agents, related_agents)
    context = s.get("context")
    if not context:
        return
    if "instructor" in context:
        _add_agent(context["instructor"], False, agents, related_agents)
    if "team" in context:
        _add_agent(context["team"], False, agents, related_agents)
    for group in (context.get("contextActivities") or {}).values():
        for activity in group if isinstance(group, list) else [group]:
            if isinstance(activity, dict) and "id" in activity:
                activities.add(activity["id"])


def _add_agent(agent: Any, direct: bool, agents: set[str], related_agents: set[str]) -> None:
    if not isinstance(agent, dict):
        return
    ident = _identifier(agent)
    if ident:
        related_agents.add(ident)
        if direct:
            agents.add(ident)
    for member in agent.get("member") or ():
        member_id = _identifier(member) if isinstance(member, dict) else None
        if member_id:
            related_agents.add(member_id)


def _identifier(agent: dict[str, Any]) -> str | None:
    if "mbox" in agent or "mbox_sha1sum" in agent or "openid" in agent or "account" in agent:
        return validation.agent_identifier(agent)
    return None


def _check_voiding_targets(docs: list[dict[str, Any]], stored: dict[str, dict[str, Any]]) -> None:
    """A voiding statement may not target a voiding statement (Data 2.3.2): refuse with 400."""
    targets = {d["ref"]: i for i, d in enumerate(docs) if d["verb"] == VOIDED_VERB and "ref" in d}
    voiding = {d["_id"] for d in docs if d["verb"] == VOIDED_VERB}
    voiding |= {_id for _id, d in stored.items() if d.get("verb") == VOIDED_VERB}
    for target, i in targets.items():
        if target in voiding:
            raise InvalidStatement(
                f"voiding statement targets voiding statement {target}", field=f"[{i}].object.id"
            )


async def _resolve_duplicates(
    db: Database, docs: list[dict[str, Any]], duplicates: list[int], ignore_existing: bool
) -> None:
    """Re-sent ids: the same statement is fine; a different one undoes this batch and is a 409."""
    if ignore_existing:
        return
    collection = db.collection(STATEMENTS)
    dup_ids = [docs[i]["_id"] for i in duplicates]
    existing = {
        d["_id"]: d["statement"]
        for d in await collection.find({"_id": {"$in": dup_ids}}, {"_id": 1, "statement": 1})
    }
    for i in duplicates:
        doc = docs[i]
        if not statements_match(existing.get(doc["_id"], {}), doc["statement"]):
            inserted = [d["_id"] for j, d in enumerate(docs) if j not in set(duplicates)]
            if inserted:
                await collection.delete_many({"_id": {"$in": inserted}})
            raise StatementConflict(
                f"statement {doc['_id']} already exists with different content", field=f"[{i}].id"
            )


def statements_match(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Statement comparison (Data 2.3.1): ignore the immutability exceptions (LRS-set properties,
    activity definitions, attachments)."""
    return _comparable(a) == _comparable(b)


def _comparable(s: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in s.items() if k not in _IGNORED_IN_COMPARISON}
    result = out.get("result")
    if isinstance(result, dict) and isinstance(result.get("duration"), str):
        # precision beyond 0.01 s is not compared (xAPI 2.0.0 4.2.7)
        out["result"] = {**result, "duration": validation.comparable_duration(result["duration"])}
    obj = out.get("object")
    if isinstance(obj, dict):
        out["object"] = (
            _comparable(obj)
            if obj.get("objectType") == "SubStatement"
            else {k: v for k, v in obj.items() if k != "definition"}
        )
    context = out.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        out["context"] = {
            **context,
            "contextActivities": {
                key: [{k: v for k, v in a.items() if k != "definition"} for a in group]
                if isinstance(group, list)
                else group
                for key, group in context["contextActivities"].items()
            },
        }
    return out


async def _store_attachments(db: Database, parts: dict[str, bytes], types: dict[str, str]) -> None:
    docs = [
        {
            "_id": sha2,
            "content": data,
            "content_type": types.get(sha2, "application/octet-stream"),
            "length": len(data),
        }
        for sha2, data in parts.items()
    ]
    await db.collection(ATTACHMENTS).insert_many(docs)


async def _apply_voiding(db: Database, docs: list[dict[str, Any]]) -> None:
    """Mark targets of voiding statements voided; a voiding statement is never voided itself."""
    targets = [d["ref"] for d in docs if d["verb"] == VOIDED_VERB and "ref" in d]
    if targets:
        await db.collection(STATEMENTS).update_many(
            {"_id": {"$in": targets}, "verb": {"$ne": VOIDED_VERB}}, {"$set": {"voided": True}}
        )


# --- reading ---------------------------------------------------------------------------------


@dataclass
class StatementPage:
    """What GET /statements answers: the stored documents, the `more` token, attachment data."""

    docs: list[dict[str, Any]]
    more: str | None = None
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)


async def get_statement(db: Database, q: StatementQuery, authority_key: str | None = None) -> StatementPage:
    """One statement by statementId (not voided) or voidedStatementId (voided); NotFound otherwise."""
    f: dict[str, Any] = {"_id": q.statement_id, "voided": q.voided}
    if authority_key is not None:
        f["authority_key"] = authority_key
    doc = await db.collection(STATEMENTS).find_one(f, {"statement": 1, "stored": 1})
    if doc is None:
        which = "voidedStatementId" if q.voided else "statementId"
        raise NotFound(f"no {'voided ' if q.voided else ''}statement with id {q.statement_id}", field=which)
    return await _complete_page(db, q, [doc], None)


async def query_statements(
    db: Database, q: StatementQuery, authority_key: str | None = None, *, signer: Signer
) -> StatementPage:
    """A page of statements matching the query, newest first (or ascending), voided excluded."""
    clauses = await selection_clauses(db, q, authority_key)
    time = time_filter(q)
    if time:
        clauses.append(time)
    f = clauses[0] if len(clauses) == 1 else {"$and": clauses}
    docs = await db.collection(STATEMENTS).find(
        f, {"statement": 1, "stored": 1}, sort=sort_order(q), limit=q.limit + 1
    )
    more = None
    if len(docs) > q.limit:
        docs = docs[: q.limit]
        more = encode_more(signer, q, docs[-1]["stored"], docs[-1]["_id"])
    return await _complete_page(db, q, docs, more)


async def selection_clauses(
    db: Database, q: StatementQuery, authority_key: str | None = None
) -> list[dict[str, Any]]:
    """The query's conditions other than time and keyset position: not voided, agent/verb/activity/
    registration (with the StatementRef rule), and the credential for statements/read/mine."""
    clauses: list[dict[str, Any]] = [{"voided": False}]
    match = match_filter(q)
    if match:
        # and the statements targeting a match (Communication 2.1.3): one more indexed branch
        clauses.append({"$or": [match, statement_refs.targeting_clause(match)]})
    if authority_key is not None:
        clauses.append({"authority_key": authority_key})
    return clauses


async def _complete_page(
    db: Database, q: StatementQuery, docs: list[dict[str, Any]], more: str | None
) -> StatementPage:
    page = StatementPage(docs, more)
    if q.attachments:
        wanted = {
            att["sha2"] for d in docs for att in d["statement"].get("attachments") or [] if "sha2" in att
        }
        if wanted:
            found = await db.collection(ATTACHMENTS).find({"_id": {"$in": sorted(wanted)}})
            page.attachments = [
                (a["_id"], a.get("content_type", "application/octet-stream"), bytes(a["content"]))
                for a in found
            ]
    if q.format == "canonical":
        ids = set().union(*(activity_ids(d["statement"]) for d in docs)) if docs else set()
        if ids:
            found = await db.collection(ACTIVITIES).find({"_id": {"$in": sorted(ids)}})
            page.definitions = {a["_id"]: a["definition"] for a in found if a.get("definition")}
    return page
