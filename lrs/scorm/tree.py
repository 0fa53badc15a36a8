"""The merged CMI tree of an attempt: per element the value of the highest order key.

Stored as `cmi: {"cmi|core|score|raw": {"v": "85", "s": <order key>}}` (`.` encoded as `|`, since
a `.` in a field path means nesting). The order key is `session ordinal * 2**32 + sequence`: a later
session of the attempt outranks every commit of an earlier one, and within a session the higher
sequence wins, so a late older commit never overwrites newer values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrs.scorm.models import MAX_SEQUENCE

Tree = dict[str, dict[str, Any]]


def order_key(session_ordinal: int, sequence: int) -> int:
    """The rank of one commit within its attempt (fits an int64 for 2**31 sessions)."""
    return session_ordinal * (MAX_SEQUENCE + 1) + sequence


def encode(element: str) -> str:
    """A CMI element name as a field name ("cmi.core.exit" -> "cmi|core|exit")."""
    return element.replace(".", "|")


def decode(field: str) -> str:
    """The CMI element name of a tree field name."""
    return field.replace("|", ".")


def flat_cmi(tree: Mapping[str, Mapping[str, Any]] | None) -> dict[str, str]:
    """The element -> value map of a stored tree."""
    return {decode(k): v["v"] for k, v in (tree or {}).items()}


def merge_stages(cmi: Mapping[str, str], order: int | str, root: str = "cmi") -> dict[str, Any]:
    """$set expressions merging one commit into the tree at `root` (pipeline update): each element is
    replaced only when the stored one has a lower order key (a number, or a `$field` computed by an
    earlier stage); values go in as $literal (a value may start with `$`)."""
    stages: dict[str, Any] = {}
    for element, value in cmi.items():
        path = f"{root}.{encode(element)}"
        stages[path] = {
            "$cond": [
                {"$lt": [{"$ifNull": [f"${path}.s", -1]}, order]},
                {"v": {"$literal": value}, "s": order},
                f"${path}",
            ]
        }
    return stages


def merge_tree(
    before: Mapping[str, Mapping[str, Any]] | None, cmi: Mapping[str, str], order: int
) -> tuple[Tree, list[dict[str, Any]], int]:
    """The tree after merging a commit (an element is replaced only by a higher order key); also the
    changes it made (element, old, new) and how many of its elements won."""
    after: Tree = {k: dict(v) for k, v in (before or {}).items()}
    changes: list[dict[str, Any]] = []
    won = 0
    for element, value in cmi.items():
        field = encode(element)
        stored = after.get(field)
        if stored is not None and stored["s"] >= order:
            continue
        won += 1
        after[field] = {"v": value, "s": order}
        old = None if stored is None else stored["v"]
        if old != value:
            changes.append({"element": element, "old": old, "new": value})
    return after, changes, won
