"""Statement checks: structure, verb, object, result, context, attachments, version (xAPI Data 2.4)."""

from __future__ import annotations

import math
import re
from typing import Any

from lrs.errors import InvalidStatement
from lrs.xapi.validation.activities import check_activity
from lrs.xapi.validation.agents import IFIS, check_actor, check_agent, check_authority, check_group
from lrs.xapi.validation.context import check_context, check_statement_ref
from lrs.xapi.validation.primitives import (
    Path,
    check_bool,
    check_duration,
    check_extensions,
    check_iri,
    check_keys,
    check_language_map,
    check_number,
    check_string,
    check_uuid,
    fail,
    is_valid_duration,
    is_valid_iri,
    parse_timestamp,
    require_array,
    require_object,
)

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE_TYPE = "http://adlnet.gov/expapi/attachments/signature"
STATEMENT_KEYS = (
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
)
SUBSTATEMENT_KEYS = ("objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments")
RESULT_KEYS = ("score", "success", "completion", "response", "duration", "extensions")
ATTACHMENT_KEYS = ("usageType", "display", "description", "contentType", "length", "sha2", "fileUrl")
VERSION_1_RE = re.compile(r"^1\.0(\.\d+)?$")
VERSION_2_RE = re.compile(r"^(1\.0|2\.0)(\.\d+)?$")

# property sets for check_keys (frozensets: one subset test when every property is known)
_STATEMENT_KEYS = frozenset(STATEMENT_KEYS)
_SUBSTATEMENT_KEYS = frozenset(SUBSTATEMENT_KEYS)
_RESULT_KEYS = frozenset(RESULT_KEYS)
_ATTACHMENT_KEYS = frozenset(ATTACHMENT_KEYS)
_VERB_KEYS = frozenset(("id", "display"))
_SCORE_KEYS = frozenset(("scaled", "raw", "min", "max"))


def is_v2(version: str) -> bool:
    """True when the request's X-Experience-API-Version selects xAPI 2.0 rules."""
    return version.startswith("2.")


def validate_statement(statement: Any, version: str) -> None:
    """Raise InvalidStatement (with the JSON path in `field`) for the first MUST the statement breaks."""
    check_statement(statement, "", version)


def validate_statements(statements: list[Any], version: str, *, max_duration_s: float = math.inf) -> None:
    """Validate each statement of a batch; field paths start with the index, e.g. "[3].verb.id"."""
    for i, statement in enumerate(statements):
        check_statement(statement, f"[{i}]", version)
        check_duration_bounds(statement, f"[{i}]", max_duration_s)


def check_duration_bounds(statement: dict[str, Any], path: str, max_seconds: float) -> None:
    """result.duration (of the statement and of a SubStatement object) within the configured maximum."""
    obj = statement.get("object")
    holders = [(path, statement)]
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        holders.append((f"{path}.object", obj))
    for where, holder in holders:
        result = holder.get("result")
        if isinstance(result, dict) and "duration" in result:
            check_duration(result["duration"], f"{where}.result.duration", max_seconds)


def check_statement(value: Any, path: Path, version: str) -> None:
    """A top-level Statement (Data 2.4)."""
    statement = require_object(value, path, "a statement")
    check_keys(statement, _STATEMENT_KEYS, path, "a statement")
    for key in ("actor", "verb", "object"):
        if key not in statement:
            fail((path, key), f"a statement requires {key!r}")
    if "id" in statement:
        check_uuid(statement["id"], (path, "id"))
    check_body(statement, path, version)
    if "stored" in statement:
        parse_timestamp(statement["stored"], (path, "stored"))
    if "authority" in statement:
        check_authority(statement["authority"], (path, "authority"))
    if "version" in statement:
        check_version(statement["version"], (path, "version"), version)


def check_body(statement: dict[str, Any], path: Path, version: str, *, sub: bool = False) -> None:
    """What Statements and SubStatements share: actor, verb, object, result, context, timestamp..."""
    check_actor(statement["actor"], (path, "actor"))
    verb_id = check_verb(statement["verb"], (path, "verb"))
    obj = check_object(statement["object"], (path, "object"), version, sub=sub)
    if verb_id == VOIDED and not sub and obj.get("objectType") != "StatementRef":
        fail((path, "object"), "a voiding statement's object must be a StatementRef")
    if "result" in statement:
        check_result(statement["result"], (path, "result"))
    if "context" in statement:
        is_activity = obj.get("objectType", "Activity") == "Activity"
        check_context(statement["context"], (path, "context"), version, object_is_activity=is_activity)
    if "timestamp" in statement:
        parse_timestamp(statement["timestamp"], (path, "timestamp"))
    if "attachments" in statement:
        for i, item in enumerate(
            require_array(statement["attachments"], (path, "attachments"), "attachments")
        ):
            check_attachment(item, ((path, "attachments"), i))


def check_verb(value: Any, path: Path) -> str:
    """A Verb: id IRI, optional display language map (Data 2.4.3)."""
    verb = require_object(value, path, "a verb")
    check_keys(verb, _VERB_KEYS, path, "a verb")
    if "id" not in verb:
        fail((path, "id"), "a verb requires 'id'")
    check_iri(verb["id"], (path, "id"))
    if "display" in verb:
        check_language_map(verb["display"], (path, "display"))
    return str(verb["id"])


def check_object(value: Any, path: Path, version: str, *, sub: bool) -> dict[str, Any]:
    """The object: Activity, Agent, Group, StatementRef or (top level only) SubStatement (Data 2.4.4)."""
    obj = require_object(value, path, "an object")
    kind = obj.get("objectType", "Activity")
    if "objectType" not in obj and "id" not in obj and any(k in obj for k in (*IFIS, "member")):
        fail((path, "objectType"), "an Agent or Group used as object must specify objectType")
    if kind == "Activity":
        check_activity(obj, path)
    elif kind == "Agent":
        check_agent(obj, path)
    elif kind == "Group":
        check_group(obj, path)
    elif kind == "StatementRef":
        check_statement_ref(obj, path)
    elif kind == "SubStatement":
        if sub:
            fail((path, "objectType"), "a SubStatement must not contain a SubStatement")
        check_substatement(obj, path, version)
    else:
        fail(
            (path, "objectType"),
            f"{kind!r} is not one of Activity, Agent, Group, StatementRef, SubStatement",
        )
    return obj


def check_substatement(obj: dict[str, Any], path: Path, version: str) -> None:
    """A SubStatement: a statement without id, stored, version, authority or a nested SubStatement."""
    for key in ("id", "stored", "version", "authority"):
        if key in obj:
            fail((path, key), f"a SubStatement must not have {key!r}")
    check_keys(obj, _SUBSTATEMENT_KEYS, path, "a SubStatement")
    for key in ("actor", "verb", "object"):
        if key not in obj:
            fail((path, key), f"a SubStatement requires {key!r}")
    check_body(obj, path, version, sub=True)


def check_result(value: Any, path: Path) -> None:
    """A Result: score, success, completion, response, duration, extensions (Data 2.4.5)."""
    result = require_object(value, path, "a result")
    check_keys(result, _RESULT_KEYS, path, "a result")
    if "score" in result:
        check_score(result["score"], (path, "score"))
    for key in ("success", "completion"):
        if key in result:
            check_bool(result[key], (path, key))
    if "response" in result:
        check_string(result["response"], (path, "response"))
    if "duration" in result and not is_valid_duration(result["duration"]):
        fail((path, "duration"), f"{result['duration']!r} is not an ISO 8601 duration")
    if "extensions" in result:
        check_extensions(result["extensions"], (path, "extensions"))


def check_score(value: Any, path: Path) -> None:
    """A Score: scaled in [-1, 1]; min <= raw <= max; min < max (Data 2.4.5.1)."""
    score = require_object(value, path, "a score")
    check_keys(score, _SCORE_KEYS, path, "a score")
    numbers = {
        key: check_number(score[key], (path, key)) for key in ("scaled", "raw", "min", "max") if key in score
    }
    if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
        fail((path, "scaled"), f"scaled must be between -1 and 1, got {score['scaled']!r}")
    if "min" in numbers and "max" in numbers and numbers["min"] >= numbers["max"]:
        fail((path, "min"), f"min ({score['min']!r}) must be less than max ({score['max']!r})")
    if "raw" in numbers:
        if "min" in numbers and numbers["raw"] < numbers["min"]:
            fail((path, "raw"), f"raw ({score['raw']!r}) must not be below min ({score['min']!r})")
        if "max" in numbers and numbers["raw"] > numbers["max"]:
            fail((path, "raw"), f"raw ({score['raw']!r}) must not be above max ({score['max']!r})")


def check_attachment(value: Any, path: Path) -> None:
    """An Attachment: usageType, display, contentType, length, sha2 required (Data 2.4.11)."""
    attachment = require_object(value, path, "an attachment")
    check_keys(attachment, _ATTACHMENT_KEYS, path, "an attachment")
    for key in ("usageType", "display", "contentType", "length", "sha2"):
        if key not in attachment:
            fail((path, key), f"an attachment requires {key!r}")
    check_iri(attachment["usageType"], (path, "usageType"))
    check_language_map(attachment["display"], (path, "display"))
    if "description" in attachment:
        check_language_map(attachment["description"], (path, "description"))
    content_type = check_string(attachment["contentType"], (path, "contentType"))
    if attachment["usageType"] == SIGNATURE_USAGE_TYPE and content_type != "application/octet-stream":
        fail((path, "contentType"), "a signature attachment must have contentType application/octet-stream")
    length = attachment["length"]
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        fail((path, "length"), f"length must be a non-negative integer, got {length!r}")
    check_string(attachment["sha2"], (path, "sha2"))
    if "fileUrl" in attachment and not is_valid_iri(attachment["fileUrl"]):
        fail((path, "fileUrl"), f"{attachment['fileUrl']!r} is not an absolute IRL")


def check_version(value: Any, path: Path, version: str) -> None:
    """The statement's version: "1.0.x" (and "2.0.x" under 2.0) (Data 2.4.10)."""
    pattern = VERSION_2_RE if is_v2(version) else VERSION_1_RE
    if not isinstance(value, str) or not pattern.match(value):
        allowed = "1.0.x or 2.0.x" if is_v2(version) else "1.0.x"
        fail(path, f"{value!r} is not a supported statement version ({allowed})")


__all__ = ["InvalidStatement", "validate_statement", "validate_statements"]
