"""The document service: State, Activity Profile and Agent Profile documents (xAPI 1.0.3
Communication 2.2-2.7, 3.1; xAPI 2.0.0 4.1.4, 4.1.6.2, 4.1.6.5, 4.1.6.6).

Every read-check-write is one conditional write on the stored etag (`{_id, etag: expected}`, or an
insert that fails on an existing `_id`), so two processes racing on one document cannot both win.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import orjson

from lrs.errors import (
    BadRequest,
    DocumentConflict,
    DuplicateKey,
    InvalidDocument,
    NotFound,
    PreconditionFailed,
)
from lrs.storage import Database
from lrs.storage.indexes import DOCUMENTS
from lrs.xapi.validation import agent_identifier

STATE, ACTIVITY_PROFILE, AGENT_PROFILE = "state", "activity_profile", "agent_profile"
JSON_TYPE = "application/json"
_RETRIES = 8  # lost races of unconditional writes are retried; each retry re-reads the document
_ID_NAME = {STATE: "stateId", ACTIVITY_PROFILE: "profileId", AGENT_PROFILE: "profileId"}


@dataclass(frozen=True)
class DocumentSet:
    """What a group of documents belongs to: a state (activity, agent, registration) or a profile."""

    kind: str
    activity_id: str | None = None
    agent: str | None = None  # identifier string, see lrs.xapi.validation.agent_identifier
    registration: str | None = None

    def filter(self) -> dict[str, Any]:
        """The query selecting every document of this set."""
        return {
            "kind": self.kind,
            "activity_id": self.activity_id,
            "agent": self.agent,
            "registration": self.registration,
        }

    def storage_id(self, doc_id: str) -> str:
        """The `_id` of one document: sha256 of kind, activity, agent, registration and document id."""
        key = orjson.dumps([self.kind, self.activity_id, self.agent, self.registration, doc_id])
        return hashlib.sha256(key).hexdigest()


@dataclass(frozen=True)
class Preconditions:
    """If-Match / If-None-Match as lists of quoted etags (or ["*"]); None when the header is absent."""

    if_match: tuple[str, ...] | None = None
    if_none_match: tuple[str, ...] | None = None

    @property
    def given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None

    def check(self, current_etag: str | None) -> None:
        """Raise PreconditionFailed unless both headers hold for the current document (None = absent)."""
        if self.if_match is not None and (
            current_etag is None or ("*" not in self.if_match and current_etag not in self.if_match)
        ):
            raise PreconditionFailed(
                "If-Match does not match the document's current ETag"
                + (" (there is no such document)" if current_etag is None else f" ({current_etag})"),
                field="If-Match",
            )
        if (
            self.if_none_match is not None
            and current_etag is not None
            and ("*" in self.if_none_match or current_etag in self.if_none_match)
        ):
            raise PreconditionFailed(
                f"If-None-Match holds the document's current ETag or '*' and it exists ({current_etag})",
                field="If-None-Match",
            )


@dataclass(frozen=True)
class Body:
    """A document as sent: its bytes and Content-Type."""

    content: bytes
    content_type: str

    @property
    def is_json(self) -> bool:
        return media_type(self.content_type) == JSON_TYPE


@dataclass(frozen=True)
class StoredDocument:
    """A document as stored."""

    doc_id: str
    content: bytes
    content_type: str
    etag: str
    updated: datetime


def media_type(content_type: str) -> str:
    """`application/json; charset=utf-8` -> `application/json`."""
    return content_type.split(";", 1)[0].strip().lower()


def compute_etag(content: bytes) -> str:
    """The quoted SHA-1 hex of the content (xAPI 1.0.3 Communication 3.1)."""
    return '"' + hashlib.sha1(content).hexdigest() + '"'


def _now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _record(docs: DocumentSet, doc_id: str, body: Body) -> dict[str, Any]:
    return {
        "_id": docs.storage_id(doc_id),
        **docs.filter(),
        "doc_id": doc_id,
        "content": body.content,
        "content_type": body.content_type,
        "etag": compute_etag(body.content),
        "updated": _now(),
    }


def _stored(raw: dict[str, Any]) -> StoredDocument:
    updated = raw["updated"]
    if updated.tzinfo is None:  # PyMongo without tz_aware returns naive UTC
        updated = updated.replace(tzinfo=UTC)
    return StoredDocument(raw["doc_id"], bytes(raw["content"]), raw["content_type"], raw["etag"], updated)


def _json_object(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise InvalidDocument(f"{what} is not valid JSON: {exc}", field="content") from None
    if not isinstance(value, dict):
        raise InvalidDocument(f"{what} is JSON but not a JSON object", field="content")
    return value


class Concurrency(Enum):
    """What a PUT without If-Match / If-None-Match may do."""

    NONE = "none"  # anything: replace or create (State in xAPI 1.0.3, the SCORM ingest)
    ON_OVERWRITE = "overwrite"  # create only; replacing is 409 (xAPI 2.0.0 4.1.4, all three resources)
    ALWAYS = "always"  # replacing is 409, creating is 400 (Activity/Agent Profile in xAPI 1.0.3 3.1)


def concurrency_rule(kind: str, version: str) -> Concurrency:
    """The PUT rule of a resource in a protocol version (the conformance suites check both)."""
    if version.startswith("2."):
        return Concurrency.ON_OVERWRITE
    return Concurrency.NONE if kind == STATE else Concurrency.ALWAYS


async def put_document(
    db: Database,
    docs: DocumentSet,
    doc_id: str,
    body: Body,
    pre: Preconditions,
    *,
    rule: Concurrency = Concurrency.NONE,
) -> None:
    """Store (replace) one document, honouring If-Match / If-None-Match (Communication 2.2, 3.1);
    without either header, `rule` decides whether it may replace or create."""
    if body.is_json:
        _json_valid(body.content)
    coll = db.collection(DOCUMENTS)
    record = _record(docs, doc_id, body)
    _id = record["_id"]
    if pre.if_match is not None:
        current = await coll.find_one({"_id": _id}, {"etag": 1})
        pre.check(current["etag"] if current else None)
        assert current is not None
        match: dict[str, Any] = {"_id": _id}
        if "*" not in pre.if_match:
            match["etag"] = {"$in": list(pre.if_match)}
        if pre.if_none_match is not None:
            match["etag"] = {**match.get("etag", {}), "$nin": list(pre.if_none_match)}
        if (await coll.replace_one(match, record)).matched == 0:
            raise PreconditionFailed(
                "the document changed while this request was processed", field="If-Match"
            )
        return
    if pre.if_none_match is not None:
        if "*" in pre.if_none_match:
            try:
                await coll.insert_one(record)
            except DuplicateKey:
                raise PreconditionFailed(
                    "If-None-Match: * but the document exists", field="If-None-Match"
                ) from None
            return
        try:
            await coll.replace_one(
                {"_id": _id, "etag": {"$nin": list(pre.if_none_match)}}, record, upsert=True
            )
        except DuplicateKey:
            raise PreconditionFailed(
                "If-None-Match holds the document's current ETag", field="If-None-Match"
            ) from None
        return
    if rule is Concurrency.ALWAYS and not await coll.count({"_id": _id}):
        raise BadRequest(
            f"PUT of a new {docs.kind.replace('_', ' ')} document needs If-None-Match: * (or If-Match); "
            "xAPI 1.0.3 Communication 3.1",
            field="If-None-Match",
        )
    if rule is not Concurrency.NONE:
        try:
            await coll.insert_one(record)
        except DuplicateKey:
            raise DocumentConflict(
                f"{_ID_NAME[docs.kind]} {doc_id!r} already exists: send If-Match with its current ETag "
                "(or If-None-Match: * to create only) to replace it",
                field=_ID_NAME[docs.kind],
            ) from None
        return
    await _upsert(coll, record)


async def _upsert(coll: Any, record: dict[str, Any]) -> None:
    for _ in range(_RETRIES):
        try:
            await coll.replace_one({"_id": record["_id"]}, record, upsert=True)
            return
        except DuplicateKey:  # two upserts of a new _id raced; the loser retries as a replace
            continue
    raise DocumentConflict("the document kept changing; retry the request")


def _json_valid(content: bytes) -> None:
    try:
        orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise InvalidDocument(
            f"document sent as application/json is not valid JSON: {exc}", field="content"
        ) from None


async def post_document(db: Database, docs: DocumentSet, doc_id: str, body: Body, pre: Preconditions) -> None:
    """Merge a JSON object into the stored one (top-level keys of the new one win), or store it when
    there is none (Communication 2.2 "JSON Procedure with Requirements")."""
    coll = db.collection(DOCUMENTS)
    _id = docs.storage_id(doc_id)
    if not body.is_json:
        current = await coll.find_one({"_id": _id}, {"etag": 1})
        pre.check(current["etag"] if current else None)
        if current is not None:
            raise InvalidDocument(
                f"POST merges JSON documents: this one has Content-Type {body.content_type!r}, not "
                f"{JSON_TYPE}",
                field="Content-Type",
            )
        await put_document(db, docs, doc_id, body, Preconditions(None, ("*",)))
        return
    incoming = _json_object(body.content, "the document POSTed")
    for _ in range(_RETRIES):
        raw = await coll.find_one({"_id": _id})
        pre.check(raw["etag"] if raw else None)
        if raw is None:
            try:
                await coll.insert_one(_record(docs, doc_id, body))
                return
            except DuplicateKey:
                continue
        if media_type(raw["content_type"]) != JSON_TYPE:
            raise InvalidDocument(
                f"POST merges JSON documents: the stored one has Content-Type {raw['content_type']!r}",
                field="Content-Type",
            )
        merged = {**_json_object(bytes(raw["content"]), "the stored document"), **incoming}
        record = _record(docs, doc_id, Body(orjson.dumps(merged), JSON_TYPE))
        if (await coll.replace_one({"_id": _id, "etag": raw["etag"]}, record)).matched:
            return
    raise DocumentConflict("the document kept changing; retry the request")


async def get_document(db: Database, docs: DocumentSet, doc_id: str) -> StoredDocument:
    """One document, or NotFound."""
    raw = await db.collection(DOCUMENTS).find_one({"_id": docs.storage_id(doc_id)})
    if raw is None:
        raise NotFound(f"no document with {_ID_NAME[docs.kind]} {doc_id!r}", field=_ID_NAME[docs.kind])
    return _stored(raw)


async def list_document_ids(
    db: Database, docs: DocumentSet, since: datetime | None
) -> tuple[list[str], datetime | None]:
    """Ids of the set's documents updated after `since`, and the latest update among them."""
    query = docs.filter()
    if since is not None:
        query["updated"] = {"$gt": since}
    rows = await db.collection(DOCUMENTS).find(query, {"doc_id": 1, "updated": 1}, sort=[("doc_id", 1)])
    latest = max((_stored_time(r["updated"]) for r in rows), default=None)
    return [r["doc_id"] for r in rows], latest


def _stored_time(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def delete_document(db: Database, docs: DocumentSet, doc_id: str, pre: Preconditions) -> None:
    """Delete one document (a missing one is a no-op unless If-Match demands it exists)."""
    coll = db.collection(DOCUMENTS)
    _id = docs.storage_id(doc_id)
    if not pre.given:
        await coll.delete_one({"_id": _id})
        return
    current = await coll.find_one({"_id": _id}, {"etag": 1})
    pre.check(current["etag"] if current else None)
    if current is not None and await coll.delete_one({"_id": _id, "etag": current["etag"]}) == 0:
        raise PreconditionFailed("the document changed while this request was processed", field="If-Match")


async def delete_documents(db: Database, docs: DocumentSet) -> int:
    """Delete every document of the set (State DELETE without stateId)."""
    return await db.collection(DOCUMENTS).delete_many(docs.filter())


def state_set(activity_id: str, agent: dict[str, Any], registration: str | None) -> DocumentSet:
    """The state documents of one activity, agent and registration."""
    return DocumentSet(STATE, activity_id, agent_identifier(agent), registration)


async def save_state_document(
    db: Database,
    *,
    activity_id: str,
    agent: dict[str, Any],
    registration: str | None,
    state_id: str,
    document: dict[str, Any],
) -> None:
    """Store (replace) a JSON state document, as a PUT without preconditions would."""
    body = Body(orjson.dumps(document), JSON_TYPE)
    await put_document(db, state_set(activity_id, agent, registration), state_id, body, Preconditions())


async def read_state_document(
    db: Database, *, activity_id: str, agent: dict[str, Any], registration: str | None, state_id: str
) -> dict[str, Any] | None:
    """A JSON state document, or None when absent or not a JSON object."""
    raw = await db.collection(DOCUMENTS).find_one(
        {"_id": state_set(activity_id, agent, registration).storage_id(state_id)}
    )
    if raw is None or media_type(raw["content_type"]) != JSON_TYPE:
        return None
    try:
        value = orjson.loads(bytes(raw["content"]))
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
