"""Collection names, and every index the queries need, created at startup (idempotent).

Uniqueness lives on `_id` only: natural keys are the `_id` (the in-memory store scans the whole
collection for every other unique index). Each index says which query it serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lrs.storage import Database

STATEMENTS = "statements"
ATTACHMENTS = "attachments"
DOCUMENTS = "documents"
CREDENTIALS = "credentials"
SCORM_COMMITS = "scorm_commits"  # applied commits, _id = "<session_id>:<sequence>"
SCORM_AUDIT = "scorm_audit"  # every commit received, whatever its outcome
SCORM_SESSIONS = "scorm_sessions"  # _id = session_id
SCORM_ATTEMPTS = "scorm_attempts"
SCORM_ENROLLMENTS = "scorm_enrollments"


@dataclass(frozen=True)
class Index:
    collection: str
    keys: list[tuple[str, int]]
    name: str
    why: str
    options: dict[str, Any] = field(default_factory=dict)


INDEXES: list[Index] = [
    # --- statements (owned by lrs/xapi) ---
    # --- documents (owned by lrs/xapi documents) ---
    # --- scorm (owned by lrs/scorm) ---
    # --- reports (owned by lrs/reports) ---
]


async def create_indexes(db: Database) -> None:
    """Create every index in INDEXES; existing ones are left as they are."""
    for index in INDEXES:
        await db.collection(index.collection).create_index(index.keys, name=index.name, **index.options)
