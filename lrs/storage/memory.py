"""The embedded in-memory store: mongomock behind the same async Collection interface.

mongomock is synchronous and in-process, so every call runs inline on the event loop; that is
also what makes a read-modify-write on this store atomic between awaits of one process.

mongomock answers every query, `_id` lookups included, by testing every document of the
collection. The adapter narrows that scan: a query on `_id`, or on equality with the first field
of a declared index, only tests the documents an in-process hash index names (a superset of the
answer, so results never change; only the cost does). See `_Narrowing`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import mongomock
from mongomock import aggregate as mongomock_aggregate
from mongomock import helpers as mongomock_helpers
from mongomock.filtering import filter_applies as _filter_applies
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from lrs.errors import DuplicateKey, StorageError
from lrs.storage.collection import Document, Filter, Sort, UpdateResult


def _duplicate_indexes(exc: BulkWriteError) -> list[int]:
    errors = exc.details.get("writeErrors", [])
    if any(e.get("code") != 11000 for e in errors):
        raise StorageError(f"bulk insert failed: {errors[0].get('errmsg')}") from exc
    return [int(e["index"]) for e in errors]


filter_applies: Any = _filter_applies  # untyped in mongomock

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
        reads the new `_id` from the result; without one, an upsert marks the indexes for a rebuild)."""
        self._touched = set()
        try:
            result = call()
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

    async def insert_one(self, doc: Document) -> None:
        try:
            self._c.insert_one(doc)
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"{self.name}: duplicate _id") from exc
        self._narrowing.put(self._c._store._documents[doc["_id"]])

    async def insert_many(self, docs: Sequence[Document]) -> list[int]:
        if not docs:
            return []
        try:
            self._c.insert_many(list(docs), ordered=False)
        except BulkWriteError as exc:
            duplicates = _duplicate_indexes(exc)
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
        spec = mongomock_helpers.patch_datetime_awareness_in_document(dict(filter))
        matches = _sorted_plainly(self._c._iter_documents(spec), sort) if sort else None
        if matches is None:
            rows = self._c._get_dataset(spec, list(sort) if sort else None, projection, dict)
        else:
            rows = (self._c._copy_only_fields(doc, projection, dict) for doc in matches)
        if skip or limit:
            rows = itertools.islice(rows, skip, skip + limit if limit else None)
        return [mongomock_helpers.make_datetime_timezone_aware_in_document(doc) for doc in rows]

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

    async def update_one(
        self, filter: Filter, update: Mapping[str, Any] | Sequence[Mapping[str, Any]], upsert: bool = False
    ) -> UpdateResult:
        try:
            r = self._write(
                lambda: self._c.update_one(dict(filter), _update(update), upsert=upsert),
                upsert=upsert,
                upserted=lambda r: r.upserted_id,
            )
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"{self.name}: duplicate _id") from exc
        return UpdateResult(r.matched_count, r.modified_count, r.upserted_id)

    async def update_many(self, filter: Filter, update: Mapping[str, Any]) -> UpdateResult:
        r = self._write(lambda: self._c.update_many(dict(filter), dict(update)))
        return UpdateResult(r.matched_count, r.modified_count, None)

    async def replace_one(self, filter: Filter, doc: Document, upsert: bool = False) -> UpdateResult:
        try:
            r = self._write(
                lambda: self._c.replace_one(dict(filter), doc, upsert=upsert),
                upsert=upsert,
                upserted=lambda r: r.upserted_id,
            )
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"{self.name}: duplicate _id") from exc
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
        try:
            found: Document | None = self._write(
                lambda: self._c.find_one_and_update(
                    dict(filter),
                    _update(update),
                    projection=projection,
                    sort=list(sort) if sort else None,
                    upsert=upsert,
                    return_document=ReturnDocument.AFTER if return_new else ReturnDocument.BEFORE,
                ),
                upsert=upsert,
                upserted=lambda d: d.get("_id"),
            )
            return found
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"{self.name}: duplicate _id") from exc

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


def _update(update: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
    return dict(update) if isinstance(update, Mapping) else [dict(s) for s in update]


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

    async def ping(self) -> None:
        return None

    async def drop(self) -> None:
        for name in self._db.list_collection_names():
            self._db.drop_collection(name)
        self._collections.clear()

    async def close(self) -> None:
        return None
