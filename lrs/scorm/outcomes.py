"""What follows an answered commit, in the same request: the course rollup of a multi-SCO package,
then an outbox change for every webhook that follows the enrollment.

Both steps are idempotent and run for re-sent commits too, so a request that died after ingest
has them done by the re-send: the rollup recomputes, and the outbox change is keyed by the commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from lrs.scorm.course_rollup import roll_up_commit
from lrs.scorm.launch_tokens import LaunchClaims
from lrs.scorm.models import parse_commit
from lrs.scorm.outbox import mark_changed
from lrs.scorm.timing import now_ms
from lrs.scorm.webhooks import fires_for
from lrs.storage import Database


def courses_of(raws: list[Any]) -> list[str]:
    """The course ids a request's commits name (best effort: invalid commits are answered anyway)."""
    found = set()
    for raw in raws:
        course = raw.get("course") if isinstance(raw, dict) else None
        if isinstance(course, dict) and course.get("id") is not None:
            found.add(str(course["id"]).strip())
    return sorted(found)


async def follow_commits(
    db: Database,
    raws: list[Any],
    results: list[dict[str, Any]],
    claims: LaunchClaims | None,
    webhooks: list[dict[str, Any]],
    wake: Callable[[], None],
) -> None:
    """Roll the course up after each answered commit, then mark each following webhook's outbox row
    changed once for the request (its commits' keys in the order applied)."""
    changed: dict[tuple[str, str], list[str]] = {}
    for raw, result in zip(raws, results, strict=True):
        if result.get("status") != 200:
            continue
        commit = parse_commit(raw)
        if claims is not None and claims.package:
            rolled = await roll_up_commit(db, commit, result, claims.package, now_ms())
            if rolled is not None:
                result["enrollment"]["status"] = rolled["status"]
        for webhook in webhooks:
            if fires_for(webhook, commit.course.id):
                keys = changed.setdefault((webhook["_id"], result["enrollment"]["id"]), [])
                keys.append(f"{commit.session_id}:{commit.sequence}")
    if changed:
        now = now_ms()
        await asyncio.gather(
            *(
                mark_changed(db, hook, enrollment, sorted_keys(keys), now)
                for (hook, enrollment), keys in changed.items()
            )
        )
        wake()


def sorted_keys(keys: list[str]) -> list[str]:
    """A request's commit keys in the order ingest applies them (session, then sequence)."""
    return sorted(keys, key=lambda k: (k.rsplit(":", 1)[0], int(k.rsplit(":", 1)[1])))
