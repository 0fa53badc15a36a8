"""What follows an applied commit, in the same request: the course rollup of a multi-SCO package."""

from __future__ import annotations

from typing import Any

from lrs.scorm.course_rollup import roll_up_commit
from lrs.scorm.launch_tokens import LaunchClaims
from lrs.scorm.models import parse_commit
from lrs.scorm.timing import now_ms
from lrs.storage import Database


async def follow_commits(
    db: Database, raws: list[Any], results: list[dict[str, Any]], claims: LaunchClaims | None
) -> None:
    """Roll the course up after each answered commit (re-sends too: a request that died after
    ingest left it undone; every step is idempotent)."""
    if claims is None or not claims.package:
        return
    for raw, result in zip(raws, results, strict=True):
        if result.get("status") != 200:
            continue
        rolled = await roll_up_commit(db, parse_commit(raw), result, claims.package, now_ms())
        if rolled is not None:
            result["enrollment"]["status"] = rolled["status"]
