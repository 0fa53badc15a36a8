"""The embedded in-memory store: mongomock behind the same async Collection interface.

mongomock is synchronous and in-process, so every call runs inline on the event loop; that is
also what makes a read-modify-write on this store atomic between awaits of one process.

mongomock answers every query, `_id` lookups included, by testing every document of the
collection. The adapter narrows that scan: a query on `_id`, or on equality with the first field
of a declared index, only tests the documents an in-process hash index names (a superset of the
answer, so results never change; only the cost does). See `_Narrowing`.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import bson
import mongomock
from mongomock import aggregate as mongomock_aggregate
from mongomock import helpers as mongomock_helpers
from mongomock.filtering import filter_applies as _filter_applies
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from lrs.errors import DuplicateKey, StorageError
from lrs.storage.collection import (
    Document,
    Filter,
    Sort,
    UpdateResult,
    bulk_failure_message,
    duplicate_indexes,
    update_spec,
)

filter_applies: Any = _filter_applies  # untyped in mongomock
stored_dates: Any = mongomock_helpers.patch_datetime_awareness_in_document  # aware -> naive UTC, ms
aware_dates: Any = mongomock_helpers.make_datetime_timezone_aware_in_document  # naive -> aware UTC

_INDEXABLE = (str, int, float)  # bool is an int; dates are left out (mongomock compares them at ms precision)


def _path_values(value: Any, parts: Sequence[str]) -> Iterator[Any]:
    """Every value a dotted path reaches, through arrays, as MongoDB equality sees them."""
    if not parts:
        if isinstance(value, list):
            yield from value
        yield value
        return
    if isinstance(value, dict):
        if parts[0] in value:
            yield from _path_values(value[parts[0]], parts[1:])
    elif isinstance(value, list):
        for item in value:
            yield from _path_values(item, parts)


class _Narrowing:
    """Hash indexes (value -> ids) on the first field of each declared index of one collection,
    and the candidate ids for a filter, or None when the filter needs a full scan."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[Any, dict[Any, None]]] = {}
        self._entries: dict[Any, list[tuple[str, Any]]] = {}
        self.stale = False

    def add_field(self, field: str, documents: Iterable[dict[str, Any]]) -> None:
        if field == "_id" or field in self.fields or any(p.isdigit() for p in field.split(".")):
            return
        self.fields[field] = {}
        self.rebuild(documents)

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> None:
        for index in self.fields.values():
            index.clear()
        self._entries.clear()
        for doc in documents:
            self.put(doc)
        self.stale = False

    def put(self, doc: dict[str, Any]) -> None:
        _id = doc["_id"]
        self.drop(_id)
        entries = []
        for field, index in self.fields.items():
            for value in _path_values(doc, field.split(".")):
                if isinstance(value, _INDEXABLE):
                    index.setdefault(value, {})[_id] = None
                    entries.append((field, value))
        self._entries[_id] = entries

    def drop(self, _id: Any) -> None:
        for field, value in self._entries.pop(_id, ()):
            ids = self.fields[field].get(value)
            if ids is not None:
                ids.pop(_id, None)

    def is_exact(self, filter: Any) -> bool:
        """Whether the candidates of this filter are its answer: one equality or $in on strings, on
        `_id` or an indexed top-level field (mongomock's own test costs O(len($in)) per document)."""
        if not isinstance(filter, dict) or len(filter) != 1:
            return False
        ((key, wanted),) = filter.items()
        if key != "_id" and (key not in self.fields or "." in key):
            return False
        values = _equality_values(wanted)
        return values is not None and all(isinstance(v, str) for v in values)

    def candidates(self, filter: Any) -> Iterable[Any] | None:
        if not isinstance(filter, dict):
            return None
        best: list[Any] | None = None
        for key, wanted in filter.items():
            found: list[Any] | None = None
            if key == "$and" and isinstance(wanted, list):
                for sub in wanted:
                    sub_ids = self.candidates(sub)
                    if sub_ids is not None:
                        found = list(sub_ids)
                        break
            elif key == "_id" or key in self.fields:
                values = _equality_values(wanted)
                if values is not None:
                    found = list(
                        dict.fromkeys(values)
                        if key == "_id"
                        else {i: None for v in values for i in self.fields[key].get(v, {})}
                    )
            if found is not None and (best is None or len(found) < len(best)):
                best = found
        return best


def _equality_values(wanted: Any) -> list[Any] | None:
    """The values an equality or $in condition accepts, when all are hashable scalars."""
    if isinstance(wanted, dict):
        if list(wanted) != ["$in"] or not isinstance(wanted["$in"], list):
            return None
        values = wanted["$in"]
    else:
        values = [wanted]
    return values if all(isinstance(v, _INDEXABLE) for v in values) else None


_PLAIN_SORT_TYPES = ({str}, {datetime}, {int}, {float}, {int, float})


def _sorted_plainly(documents: Iterable[dict[str, Any]], sort: Sort) -> list[dict[str, Any]] | None:
    """The documents sorted with Python's own comparisons, when every sort key is a top-level field
    holding values of one plain type (str, dates, numbers) in every document, which then orders
    exactly as MongoDB's BSON comparison; None (use mongomock's slower sort) otherwise."""
    docs = list(documents)
    for field, _ in sort:
        if "." in field:
            return None
        kinds = {type(doc.get(field)) for doc in docs}
        if docs and kinds not in _PLAIN_SORT_TYPES:
            return None
    for field, direction in reversed(sort):  # stable sorts, least significant key first
        docs.sort(key=lambda doc: doc[field], reverse=direction < 0)
    return docs


def _stored_copy(value: Any) -> Any:
    """A copy of a value as mongomock's insert and update store it (dates naive UTC at millisecond
    precision, tuples as lists), built with exact type checks: about half the cost of mongomock's
    own walk."""
    kind = type(value)
    if kind is dict:
        return {k: _stored_copy(v) for k, v in value.items()}
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is list or kind is tuple:
        return [_stored_copy(v) for v in value]
    return stored_dates(value)


def _has_secondary_unique(coll: Any) -> bool:
    return any(index.get("unique") and name != "_id_" for name, index in coll._store.indexes.items())


def _plain_path(path: str) -> bool:
    parts = path.split(".")
    return all(p and not p.startswith("$") and not p.isdigit() for p in parts) and parts[0] != "_id"


def _overlapping(paths: list[str]) -> bool:
    """Two paths where one is the other or inside it (MongoDB refuses such an update)."""
    ordered = sorted(paths)
    return any(b == a or b.startswith(a + ".") for a, b in itertools.pairwise(ordered))


def _settable(doc: dict[str, Any], path: str) -> bool:
    """Every existing step of the path is an object (else MongoDB refuses, so let mongomock say it)."""
    node: Any = doc
    for part in path.split(".")[:-1]:
        node = node.get(part)
        if node is None:
            return True
        if type(node) is not dict:
            return False
    return True


def _identical(a: Any, b: Any) -> bool:
    """Equal as BSON: same types (1 is not 1.0, True is not 1) and same field order."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return list(a) == list(b) and all(_identical(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _set_path(doc: dict[str, Any], path: str, value: Any) -> bool:
    """Set a dotted path to a stored copy of value, creating objects on the way, as MongoDB does: a
    value of another type or field order replaces an equal one (`1.0` over `1` stores the double).
    Whether it counts as modified follows mongomock (Python equality; see docs/storage-differences.md)."""
    *parents, last = path.split(".")
    node = doc
    for part in parents:
        node = node.setdefault(part, {})
    new = _stored_copy(value)
    if last in node:
        old = node[last]
        if _identical(old, new):
            return False
        node[last] = new
        return bool(old != new)
    node[last] = new
    return True


def _has_date(value: Any) -> bool:
    if isinstance(value, datetime):
        return True
    if isinstance(value, dict):
        return any(_has_date(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_date(v) for v in value)
    return False


def _unset_path(doc: dict[str, Any], path: str) -> bool:
    """Remove a dotted path; False when it is not there."""
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node.get(part) if type(node) is dict else None
        if node is None:
            return False
    if type(node) is not dict or last not in node:
        return False
    del node[last]
    return True


class MemoryCollection:
    """One mongomock collection, answering like lrs.storage.collection.Collection."""

    def __init__(self, coll: Any) -> None:
        self._c = coll
        self.name = coll.name
        self._narrowing = _Narrowing()
        self._touched: set[Any] | None = None
        coll._iter_documents = self._iter_documents  # narrow every scan mongomock makes

    def _iter_documents(self, filter: Any) -> Iterator[dict[str, Any]]:
        documents = self._c._store._documents
        narrowing = self._narrowing
        if narrowing.stale:
            narrowing.rebuild(documents.values())
        ids = narrowing.candidates(filter)
        pool = list(documents.values()) if ids is None else [documents[i] for i in ids if i in documents]
        exact = ids is not None and narrowing.is_exact(filter)
        touched = self._touched
        for doc in pool:
            if exact or filter_applies(filter, doc):
                if touched is not None:
                    touched.add(doc["_id"])
                yield doc

    def _write(self, call: Any, *, upsert: bool = False, upserted: Any = None) -> Any:
        """Run a mongomock write, then re-index the documents it matched or upserted (`upserted`
        reads the new `_id` from the result; without one, an upsert marks the indexes for a rebuild).
        mongomock's duplicate-key error is mapped here, once."""
        self._touched = set()
        try:
            result = call()
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"{self.name}: duplicate _id") from exc
        except PyMongoError as exc:
            raise StorageError(f"{self.name}: {exc}") from exc
        finally:
            touched, self._touched = self._touched, None
        documents = self._c._store._documents
        for _id in touched:
            if _id in documents:
                self._narrowing.put(documents[_id])
            else:
                self._narrowing.drop(_id)
        if upsert and not touched:
            new_id = upserted(result) if upserted is not None and result is not None else None
            if new_id is not None and new_id in documents:
                self._narrowing.put(documents[new_id])
            else:
                self._narrowing.stale = True
        return result

    def _insert_plainly(self, docs: Sequence[Document]) -> list[int] | None:
        """Store documents keyed by a string `_id` straight into mongomock's store, as mongomock's
        own insert would (BSON-encodable, dates made naive UTC at ms precision, stored as a copy);
        the duplicates' indexes; None when mongomock must do it (other `_id`s, unique indexes)."""
        if any(type(doc.get("_id")) is not str for doc in docs) or _has_secondary_unique(self._c):
            return None
        documents = self._c._store._documents
        duplicates = []
        for i, doc in enumerate(docs):
            if doc["_id"] in documents:
                duplicates.append(i)
                continue
            bson.encode(doc)  # what MongoDB would refuse, this store refuses too
            stored = documents[doc["_id"]] = _stored_copy(doc)
            self._narrowing.put(stored)
        return duplicates

    async def insert_one(self, doc: Document) -> None:
        duplicates = self._insert_plainly([doc])
        if duplicates is not None:
            if duplicates:
                raise DuplicateKey(f"{self.name}: duplicate _id")
            return
        try:
            self._c.insert_one(doc)
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"{self.name}: duplicate _id") from exc
        self._narrowing.put(self._c._store._documents[doc["_id"]])

    async def insert_many(self, docs: Sequence[Document]) -> list[int]:
        if not docs:
            return []
        plain = self._insert_plainly(docs)
        if plain is not None:
            return plain
        try:
            self._c.insert_many(list(docs), ordered=False)
        except BulkWriteError as exc:
            duplicates = duplicate_indexes(exc)
        else:
            duplicates = []
        stored = self._c._store._documents
        skip = set(duplicates)
        for i, doc in enumerate(docs):
            if i not in skip:
                self._narrowing.put(stored[doc["_id"]])
        return duplicates

    def _select(
        self, filter: Filter, projection: Mapping[str, Any] | None, sort: Sort | None, skip: int, limit: int
    ) -> list[Document]:
        """Matching documents, sorted, then skip/limit, and only then projected and copied.

        mongomock's cursor projects and copies every match before it skips and limits (a page of
        20 statements out of 2,000 matches copied all 2,000); its own dataset generator is lazy.
        """
        spec = stored_dates(dict(filter))
        matches = _sorted_plainly(self._c._iter_documents(spec), sort) if sort else None
        if matches is None:
            rows = self._c._get_dataset(spec, list(sort) if sort else None, projection, dict)
        else:
            rows = (self._c._copy_only_fields(doc, projection, dict) for doc in matches)
        if skip or limit:
            rows = itertools.islice(rows, skip, skip + limit if limit else None)
        return [aware_dates(doc) for doc in rows]

    async def find_one(
        self, filter: Filter, projection: Mapping[str, Any] | None = None, sort: Sort | None = None
    ) -> Document | None:
        found = self._select(filter, projection, sort, 0, 1)
        return found[0] if found else None

    async def find(
        self,
        filter: Filter,
        projection: Mapping[str, Any] | None = None,
        sort: Sort | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        return self._select(filter, projection, sort, skip, limit)

    async def count(self, filter: Filter) -> int:
        return int(self._c.count_documents(dict(filter)))

    def _set_plainly(self, filter: Filter, update: Any, upsert: bool) -> UpdateResult | None:
        """`$set` / `$setOnInsert` / `$unset` of plain dotted paths on the document with a string `_id`
        (and any further conditions of the filter, tested on that document), done in place (mongomock
        copies the whole document and re-validates the update on every call); None when the update
        needs mongomock (other operators, positional paths, conflicts, a conditional upsert)."""
        _id = filter.get("_id")
        if type(_id) is not str or not isinstance(update, Mapping):
            return None
        if not set(update) <= {"$set", "$setOnInsert", "$unset"} or _has_secondary_unique(self._c):
            return None
        conditions = {k: v for k, v in filter.items() if k != "_id"}
        sets: dict[str, Any] = dict(update.get("$set") or {})
        on_insert: dict[str, Any] = dict(update.get("$setOnInsert") or {})
        unsets = list(update.get("$unset") or {})
        paths = [*sets, *on_insert, *unsets]
        if not paths or not all(_plain_path(p) for p in paths) or _overlapping(paths):
            return None
        documents = self._c._store._documents
        doc = documents.get(_id)
        if doc is None and not upsert:
            return UpdateResult(0, 0, None)
        if conditions and _has_date(conditions):
            return None  # mongomock compares dates at the store's precision
        if conditions and (doc is None or not filter_applies(conditions, doc)):
            return None if upsert else UpdateResult(0, 0, None)
        changes = {**on_insert, **sets} if doc is None else sets
        target = {"_id": _id} if doc is None else doc
        for path in changes:
            if not _settable(target, path):
                return None
        modified = False
        for path, value in changes.items():
            modified = _set_path(target, path, value) or modified
        for path in unsets:
            modified = _unset_path(target, path) or modified
        if doc is None:
            documents[_id] = target
            self._narrowing.put(target)
            return UpdateResult(0, 0, _id)
        if modified:
            self._narrowing.put(doc)
        return UpdateResult(1, int(modified), None)

    async def update_one(
        self, filter: Filter, update: Mapping[str, Any] | Sequence[Mapping[str, Any]], upsert: bool = False
    ) -> UpdateResult:
        plain = self._set_plainly(filter, update, upsert)
        if plain is not None:
            return plain
        r = self._write(
            lambda: self._c.update_one(dict(filter), update_spec(update), upsert=upsert),
            upsert=upsert,
            upserted=lambda r: r.upserted_id,
        )
        return UpdateResult(r.matched_count, r.modified_count, r.upserted_id)

    async def update_each(
        self, updates: Sequence[tuple[Filter, Mapping[str, Any]]], upsert: bool = False
    ) -> UpdateResult:
        # unordered, as MongoDB's bulk write: every update runs; the failures are reported together after
        results: list[UpdateResult] = []
        failures: list[str] = []
        for i, (f, u) in enumerate(updates):
            try:
                results.append(await self.update_one(f, u, upsert=upsert))
            except StorageError as exc:
                failures.append(f"#{i}: {exc.message}")
        if failures:
            raise StorageError(bulk_failure_message(self.name, failures))
        return UpdateResult(sum(r.matched for r in results), sum(r.modified for r in results), None)

    async def update_many(self, filter: Filter, update: Mapping[str, Any]) -> UpdateResult:
        r = self._write(lambda: self._c.update_many(dict(filter), dict(update)))
        return UpdateResult(r.matched_count, r.modified_count, None)

    async def replace_one(self, filter: Filter, doc: Document, upsert: bool = False) -> UpdateResult:
        r = self._write(
            lambda: self._c.replace_one(dict(filter), doc, upsert=upsert),
            upsert=upsert,
            upserted=lambda r: r.upserted_id,
        )
        return UpdateResult(r.matched_count, r.modified_count, r.upserted_id)

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        upsert: bool = False,
        return_new: bool = True,
        projection: Mapping[str, Any] | None = None,
        sort: Sort | None = None,
    ) -> Document | None:
        found: Document | None = self._write(
            lambda: self._c.find_one_and_update(
                dict(filter),
                update_spec(update),
                projection=projection,
                sort=list(sort) if sort else None,
                upsert=upsert,
                return_document=ReturnDocument.AFTER if return_new else ReturnDocument.BEFORE,
            ),
            upsert=upsert,
            upserted=lambda d: d.get("_id"),
        )
        return found

    async def delete_one(self, filter: Filter) -> int:
        return int(self._write(lambda: self._c.delete_one(dict(filter))).deleted_count)

    async def delete_many(self, filter: Filter) -> int:
        return int(self._write(lambda: self._c.delete_many(dict(filter))).deleted_count)

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> list[Document]:
        stages = [dict(s) for s in pipeline]
        try:
            if stages and list(stages[0]) == ["$match"]:
                # a leading $match goes through find(), so it is narrowed like any query
                matched = list(self._c.find(stages[0]["$match"]))
                process: Any = mongomock_aggregate.process_pipeline
                return list(process(matched, self._c.database, stages[1:], None))
            return list(self._c.aggregate(stages))
        except (PyMongoError, NotImplementedError) as exc:
            raise StorageError(f"{self.name}: aggregation failed: {exc}") from exc

    async def create_index(self, keys: Sort, *, name: str, **options: Any) -> None:
        self._c.create_index(list(keys), name=name, **options)
        self._narrowing.add_field(keys[0][0], self._c._store._documents.values())

    async def list_indexes(self) -> list[Document]:
        return [{"name": name, **index} for name, index in self._c.index_information().items()]

    async def drop_index(self, name: str) -> None:
        if name in self._c.index_information():
            self._c.drop_index(name)  # the narrowing field stays: a superset never changes a result


# Collections of the in-memory store are millions of long-lived dicts and lists (never cyclic); the
# cyclic garbage collector re-walks them, and with the default thresholds it took 37% of the
# server's CPU storing batches of 100 statements (bench/README.md). Fewer, larger young
# collections and rarer full ones bring that under 5%.
_GC_THRESHOLDS = (100_000, 50, 100)


def relax_garbage_collector() -> None:
    """Raise the cyclic GC thresholds (never lower them) for a process serving the in-memory store."""
    gc.set_threshold(*(max(a, b) for a, b in zip(gc.get_threshold(), _GC_THRESHOLDS, strict=True)))


class MemoryDatabase:
    """A mongomock database; lives exactly as long as the process."""

    kind = "memory"

    def __init__(self, name: str = "lrs") -> None:
        self._db: Any = mongomock.MongoClient(tz_aware=True)[name]
        self._collections: dict[str, MemoryCollection] = {}

    def collection(self, name: str) -> MemoryCollection:
        if name not in self._collections:
            self._collections[name] = MemoryCollection(self._db[name])
        return self._collections[name]

    async def open(self) -> None:
        """Nothing to reach; a process serving this store gets the relaxed garbage collector."""
        relax_garbage_collector()

    async def ping(self) -> None:
        return None

    async def drop(self) -> None:
        for name in self._db.list_collection_names():
            self._db.drop_collection(name)
        self._collections.clear()

    async def close(self) -> None:
        return None
