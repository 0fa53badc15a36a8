"""Registered packages: what a course's manifest says, one revision per distinct manifest.

A package's id is a hash of (course id, manifest bytes): registering the same manifest again for the
same course answers the stored package and changes nothing; a changed manifest is a new package with
the course's next revision and becomes the course's latest. Attempts belong to (learner, course),
never to a package revision, so a new revision loses none of them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson

from lrs.errors import DuplicateKey, InvalidRequest, NotFound
from lrs.scorm.launches import ScoSpec
from lrs.scorm.manifest import parse_manifest
from lrs.scorm.package_zip import PackageLimits, manifest_bytes
from lrs.scorm.rollup import count_scos
from lrs.scorm.timing import now_ms
from lrs.storage import Database
from lrs.storage.indexes import SCORM_COURSES, SCORM_PACKAGES


def package_id(course_id: str, manifest: bytes) -> str:
    """The id of a course's package: sha256 of (course id, manifest bytes), 32 hex digits."""
    return hashlib.sha256(course_id.encode() + b"\x1f" + manifest).hexdigest()[:32]


def package_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored package as answered."""
    return {
        "id": doc["_id"],
        "course": {"id": doc["course_id"], "title": doc.get("course_title", "")},
        "revision": doc["revision"],
        "registered_at": doc["registered_at"],
        "manifest_sha256": doc["manifest_sha256"],
        **doc["manifest"],
    }


async def _next_revision(db: Database, course_id: str, title: str) -> int:
    courses = db.collection(SCORM_COURSES)
    update = {"$inc": {"revisions": 1}, "$set": {"title": title}}
    try:
        doc = await courses.find_one_and_update({"_id": course_id}, update, upsert=True, return_new=True)
    except DuplicateKey:  # two first registrations of the course raced on the _id
        doc = await courses.find_one_and_update({"_id": course_id}, update, upsert=True, return_new=True)
    assert doc is not None
    return int(doc["revisions"])


async def register_package(
    db: Database, body: bytes, course_id: str, course_title: str, limits: PackageLimits
) -> tuple[dict[str, Any], bool]:
    """Register an upload (manifest or zip) for a course; (the package, whether it is new)."""
    if not course_id:
        raise InvalidRequest("course: the LMS course id is required (?course=)", field="course")
    data = manifest_bytes(body, limits)
    manifest = parse_manifest(data, limits.depth)
    identifier = package_id(course_id, data)
    packages = db.collection(SCORM_PACKAGES)
    existing = await packages.find_one({"_id": identifier})
    if existing is not None:
        return package_view(existing), False
    revision = await _next_revision(db, course_id, course_title)
    now: datetime = now_ms()
    doc = {
        "_id": identifier,
        "course_id": course_id,
        "course_title": course_title,
        "revision": revision,
        "registered_at": now,
        "manifest_sha256": hashlib.sha256(data).hexdigest(),
        "manifest": orjson.loads(orjson.dumps(manifest)),
    }
    try:
        await packages.insert_one(doc)
    except DuplicateKey:  # the same manifest registered concurrently
        stored = await packages.find_one({"_id": identifier})
        assert stored is not None
        return package_view(stored), False
    await db.collection(SCORM_COURSES).update_one(
        {"_id": course_id, "$or": [{"latest_revision": {"$lt": revision}}, {"latest_revision": None}]},
        {"$set": {"latest_revision": revision, "latest_package": identifier}},
    )
    return package_view(doc), True


async def find_package(db: Database, identifier: str) -> dict[str, Any]:
    """A stored package document; NotFound naming the id."""
    doc = await db.collection(SCORM_PACKAGES).find_one({"_id": identifier})
    if doc is None:
        raise NotFound(f"no package {identifier!r} is registered", field="package")
    return doc


async def list_packages(db: Database, course: str | None, limit: int, offset: int) -> dict[str, Any]:
    """Registered packages (of one course when given), newest revision first."""
    query = {"course_id": course} if course else {}
    packages = db.collection(SCORM_PACKAGES)
    docs = await packages.find(query, sort=[("course_id", 1), ("revision", -1)], skip=offset, limit=limit)
    return {
        "items": [package_view(d) for d in docs],
        "total": await packages.count(query),
        "limit": limit,
        "offset": offset,
    }


async def latest_package(db: Database, course_id: str) -> dict[str, Any] | None:
    """The course's latest registered package document, None when it has none."""
    course = await db.collection(SCORM_COURSES).find_one({"_id": course_id}, {"latest_package": 1})
    if course is None or not course.get("latest_package"):
        return None
    return await db.collection(SCORM_PACKAGES).find_one({"_id": course["latest_package"]})


def package_sco(doc: dict[str, Any], course_id: str, sco_id: str | None) -> ScoSpec:
    """The launch spec of one SCO of a package (the only one when `sco_id` is not given)."""
    if doc["course_id"] != course_id:
        raise InvalidRequest(
            f"package {doc['_id']!r} is registered for course {doc['course_id']!r}, not {course_id!r}",
            field="package",
        )
    manifest = doc["manifest"]
    scos = manifest["scos"]
    if sco_id is None:
        if len(scos) != 1:
            raise InvalidRequest(
                f"package {doc['_id']!r} has {len(scos)} SCOs; name one in sco: "
                + ", ".join(s["id"] for s in scos),
                field="sco",
            )
        sco = scos[0]
    else:
        found = [s for s in scos if s["id"] == sco_id]
        if not found:
            raise NotFound(f"package {doc['_id']!r} has no SCO {sco_id!r}", field="sco")
        sco = found[0]
    return ScoSpec(
        id=sco["id"],
        title=sco["title"],
        href=sco["href"],
        version=manifest["version"],
        mastery_score=sco["mastery_score"],
        scaled_passing_score=sco["scaled_passing_score"],
        completion_threshold=sco["completion_threshold"],
        launch_data=sco["launch_data"],
        max_time_allowed=sco["max_time_allowed"],
        time_limit_action=sco["time_limit_action"],
        objectives=tuple(o["id"] for o in sco["objectives"]),
        multi_sco=count_scos(default_organization(manifest)) > 1,
    )


def default_organization(manifest: dict[str, Any]) -> dict[str, Any]:
    """The stored manifest's default organization (the first when the default names none)."""
    organizations: list[dict[str, Any]] = manifest["organizations"]
    return next(
        (o for o in organizations if o["identifier"] == manifest["default_organization"]), organizations[0]
    )
