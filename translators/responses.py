"""Interaction responses and correct-response patterns in xAPI format (xAPI 1.0.3 Data 2.4.4.1)."""

import re

from translators.checks import split_lang
from translators.vocab import ScormVersion

_TRUE_12 = ("t", "1", "true")
_FALSE_12 = ("f", "0", "false")
# SCORM 2004 RTE 4.2.9.1: the delimiters that may open a fill-in or performance correct-response pattern.
_PATTERN_FLAGS = re.compile(r"(\{(?:case_matters|order_matters)=(?:true|false)\})+")


def _strip_braces(value: str) -> str:
    """A SCORM 1.2 set "{a,b}" without its braces (the braces mean "all of these, any order")."""
    stripped = value.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        return stripped[1:-1]
    return stripped


def _true_false_12(value: str) -> str:
    """SCORM 1.2 true-false ("t", "f", "0", "1"; only the first character counts) as "true"/"false"."""
    lowered = value.strip().lower()
    if lowered in _TRUE_12 or lowered[:1] in ("t", "1"):
        return "true"
    if lowered in _FALSE_12 or lowered[:1] in ("f", "0"):
        return "false"
    return value


def _normalise_12(kind: str | None, value: str) -> str:
    """A SCORM 1.2 CMIFeedback value in the xAPI response format of its interaction type."""
    if kind == "true-false":
        return _true_false_12(value)
    if kind in ("choice", "sequencing"):
        return "[,]".join(part.strip() for part in _strip_braces(value).split(",") if part.strip())
    if kind == "matching":
        pairs = [part.strip() for part in _strip_braces(value).split(",") if part.strip()]
        return "[,]".join("[.]".join(p.strip() for p in pair.split(".", 1)) for pair in pairs)
    # fill-in, likert, numeric and performance are single opaque values in SCORM 1.2.
    return value


def _strip_item_langs(value: str) -> str:
    """A SCORM 2004 fill-in response without {lang=xx} prefixes, which xAPI responses do not carry."""
    return "[,]".join(split_lang(item)[1] for item in value.split("[,]"))


def normalise_response(version: ScormVersion, kind: str | None, value: str) -> str:
    """A learner response in xAPI format for a SCORM interaction of type `kind`."""
    if version == "1.2":
        return _normalise_12(kind, value)
    if kind in ("fill-in", "long-fill-in"):
        return _strip_item_langs(value)
    if kind == "true-false":
        return value.strip().lower()
    return value


def normalise_pattern(version: ScormVersion, kind: str | None, value: str) -> str:
    """A correct-response pattern in xAPI format; 2004 {case_matters}/{order_matters}/{lang} are kept."""
    if version == "1.2":
        return _normalise_12(kind, value)
    if kind == "true-false":
        return value.strip().lower()
    return value


def _pattern_body(pattern: str) -> str:
    """A pattern without its leading {case_matters=...}/{order_matters=...} flags."""
    match = _PATTERN_FLAGS.match(pattern)
    return pattern[match.end() :] if match else pattern


def interaction_components(
    kind: str | None, patterns: list[str], response: str | None
) -> dict[str, list[dict[str, str]]]:
    """The choices/scale/source/target/steps ids an xAPI interaction definition can list for this type."""
    texts = [_pattern_body(p) for p in patterns] + ([response] if response else [])
    items = [item for text in texts for item in text.split("[,]") if item]
    if kind in ("choice", "sequencing"):
        return {"choices": _components(items)}
    if kind == "likert":
        return {"scale": _components(items)}
    if kind == "matching":
        pairs = [item.split("[.]", 1) for item in items if "[.]" in item]
        return {
            "source": _components([pair[0] for pair in pairs]),
            "target": _components([pair[1] for pair in pairs]),
        }
    if kind == "performance":
        return {"steps": _components([item.split("[.]", 1)[0] for item in items if "[.]" in item])}
    return {}


def _components(ids: list[str]) -> list[dict[str, str]]:
    """Interaction components for distinct non-empty ids, in order of first appearance."""
    return [{"id": item} for item in dict.fromkeys(i for i in ids if i)]
