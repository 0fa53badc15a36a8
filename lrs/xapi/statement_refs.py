"""Targeting statements (xAPI 1.0.3 Communication 2.1.3, "Filter Conditions for StatementRefs"): a
statement whose object is a StatementRef is returned by a query its target (or, iteratively, its
target's target) matches.

Found by one indexed condition, never by a list built from the store: a targeting statement keeps,
in `targets`, one entry per statement along its chain of StatementRefs with that statement's match
keys (`verb=<iri>`, `agent=<identifier>`, ...). The entries are written when the targeting statement
is stored, and added later to the statements that target one stored after them (its id was given
by the client). A query for a filter then asks for `targets` holding an entry with all of the
filter's keys (index `statements_target_keys`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from lrs.storage import Database
from lrs.storage.indexes import STATEMENTS

KEY_FIELDS = ("verb", "agent", "activity", "registration", "related_agents", "related_activities")
TARGET_PROJECTION = {**dict.fromkeys(KEY_FIELDS, 1), "targets": 1, "ref": 1}

Entry = dict[str, list[str]]


def match_keys(fields: Mapping[str, Any]) -> list[str]:
    """`field=value` for every value of the statement's query fields (or of a query's filter)."""
    keys: list[str] = []
    for field in KEY_FIELDS:
        value = fields.get(field)
        for v in value if isinstance(value, list) else () if value is None else (value,):
            keys.append(f"{field}={v}")
    return keys


def targeting_clause(match: Mapping[str, Any]) -> dict[str, Any]:
    """Statements one of whose targets matches every condition of the filter."""
    keys = match_keys(match)
    if len(keys) == 1:
        return {"targets.k": keys[0]}
    return {"targets": {"$elemMatch": {"k": {"$all": keys}}}}


def _entries(target: Mapping[str, Any]) -> list[Entry]:
    """What a statement targeting `target` keeps: the target's keys, then its own targets."""
    return [{"k": match_keys(target)}, *target.get("targets", [])]


async def load_targets(db: Database, docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The stored statements the batch's StatementRefs target (outside the batch), by id."""
    in_batch = {d["_id"] for d in docs}
    wanted = sorted({d["ref"] for d in docs if "ref" in d} - in_batch)
    if not wanted:
        return {}
    found = await db.collection(STATEMENTS).find({"_id": {"$in": wanted}}, TARGET_PROJECTION)
    return {d["_id"]: d for d in found}


def attach_targets(docs: list[dict[str, Any]], stored: Mapping[str, dict[str, Any]]) -> None:
    """Give each targeting statement of the batch its `targets` (targets in the batch or stored)."""
    by_id = {d["_id"]: d for d in docs}

    def resolve(doc: dict[str, Any], seen: frozenset[str]) -> list[Entry] | None:
        ref = doc.get("ref")
        if ref is None or ref in seen:
            return None
        if ref in by_id:
            target = by_id[ref]
            if "ref" in target and "targets" not in target:
                chain = resolve(target, seen | {doc["_id"]})
                if chain is not None:
                    target["targets"] = chain
            return _entries(target)
        return _entries(stored[ref]) if ref in stored else None

    for doc in docs:
        if "ref" in doc and "targets" not in doc:
            entries = resolve(doc, frozenset())
            if entries is not None:
                doc["targets"] = entries


async def add_late_targets(db: Database, fresh: list[dict[str, Any]], client_ids: Iterable[str]) -> None:
    """After a batch is stored: statements stored earlier that target one of it (only a client-given
    id can have been targeted before it existed) get its entries, down their own chains; and the
    batch's targeting statements whose target was stored meanwhile get theirs."""
    collection = db.collection(STATEMENTS)
    by_id = {d["_id"]: d for d in fresh}
    given = sorted(set(client_ids) & set(by_id))
    missing = sorted({d["ref"] for d in fresh if "ref" in d and "targets" not in d} - set(by_id))
    referrers, late = await asyncio.gather(
        collection.find({"ref": {"$in": given}}, {"_id": 1, "ref": 1}) if given else _nothing(),
        collection.find({"_id": {"$in": missing}}, TARGET_PROJECTION) if missing else _nothing(),
    )
    pushes: dict[str, list[Entry]] = {}
    for target in late:
        for doc in fresh:
            if doc.get("ref") == target["_id"] and "targets" not in doc:
                doc["targets"] = _entries(target)
                pushes.setdefault(doc["_id"], []).extend(doc["targets"])
    for referrer in referrers:
        if referrer["_id"] not in by_id:
            pushes.setdefault(referrer["_id"], []).extend(_entries(by_id[referrer["ref"]]))
    visited: set[str] = set()
    while pushes:  # down the chains: whoever targets an updated statement gets the same entries
        await collection.update_each(
            [
                ({"_id": _id}, {"$addToSet": {"targets": {"$each": entries}}})
                for _id, entries in pushes.items()
            ]
        )
        visited |= set(pushes)
        above = await collection.find({"ref": {"$in": sorted(pushes)}}, {"_id": 1, "ref": 1})
        pushes = {d["_id"]: pushes[d["ref"]] for d in above if d["_id"] not in visited}


async def _nothing() -> list[dict[str, Any]]:
    return []
