"""Size limits of SCORM commits and attempts, checked before anything is merged (413 naming the limit).

A commit is refused when its own CMI is too large, or when it would take its attempt over the number
of interactions or objectives, or over the attempt's CMI size: the merged tree, the only part of an
attempt record that grows with the content, therefore stays bounded (docs/architecture.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lrs.errors import PayloadTooLarge
from lrs.settings import Settings

_COLLECTIONS = {
    "interactions": (re.compile(r"^cmi\.interactions\.(\d+)\."), "max_interactions_per_attempt"),
    "objectives": (re.compile(r"^cmi\.objectives\.(\d+)\."), "max_objectives_per_attempt"),
}


def cmi_bytes(cmi: Mapping[str, str]) -> int:
    """The size of a CMI map: its element names and values in UTF-8."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in cmi.items())


def _too_large(message: str, setting: str, limit: int, element: str) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"{message}; the limit is {limit} (LRS_{setting.upper()})", field=element, limit=limit
    )


def _indexes(elements: Any, pattern: re.Pattern[str]) -> set[int]:
    found: set[int] = set()
    for element in elements:
        match = pattern.match(element)
        if match:
            found.add(int(match.group(1)))
    return found


def check_commit(settings: Settings, cmi: Mapping[str, str]) -> None:
    """Limits one commit breaks on its own, whatever its attempt holds."""
    size = cmi_bytes(cmi)
    if size > settings.max_commit_cmi_bytes:
        raise _too_large(
            f"cmi: {size} bytes of CMI in one commit",
            "max_commit_cmi_bytes",
            settings.max_commit_cmi_bytes,
            "cmi",
        )
    check_collections(settings, cmi)


def check_collections(settings: Settings, cmi: Mapping[str, str]) -> None:
    """At most the allowed number of distinct interactions and objectives (indexes n of cmi.x.n)."""
    for name, (pattern, setting) in _COLLECTIONS.items():
        limit = int(getattr(settings, setting))
        indexes = _indexes(cmi, pattern)
        if len(indexes) > limit:
            first_over = sorted(indexes)[limit]
            raise _too_large(
                f"cmi.{name}: {len(indexes)} {name} in the attempt",
                setting,
                limit,
                f"cmi.{name}.{first_over}",
            )


def check_attempt(settings: Settings, flat: Mapping[str, str]) -> None:
    """Limits of an attempt's merged CMI (element -> value) after a commit."""
    check_collections(settings, flat)
    size = cmi_bytes(flat)
    if size > settings.max_attempt_cmi_bytes:
        raise _too_large(
            f"cmi: the attempt's CMI would hold {size} bytes",
            "max_attempt_cmi_bytes",
            settings.max_attempt_cmi_bytes,
            "cmi",
        )
