"""Table tests for statement validation: a minimal valid statement, mutated once per rule."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from lrs.errors import InvalidStatement
from lrs.xapi.validation import validate_statement, validate_statements

UUID = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"
ACTOR = {"objectType": "Agent", "mbox": "mailto:learner@example.com", "name": "Learner"}
VERB = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
ACTIVITY = {"objectType": "Activity", "id": "http://example.com/activities/1"}
GROUP = {"objectType": "Group", "name": "Team", "member": [{"mbox": "mailto:a@example.com"}]}


def base() -> dict[str, Any]:
    """A minimal valid statement; each case mutates a fresh copy."""
    return copy.deepcopy({"id": UUID, "actor": ACTOR, "verb": VERB, "object": ACTIVITY})


def with_(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Mutation that sets a dotted path (creating objects on the way)."""

    def mutate(statement: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = statement
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        node[last] = value

    return mutate


def without(path: str) -> Callable[[dict[str, Any]], None]:
    """Mutation that removes a dotted path."""

    def mutate(statement: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = statement
        for key in parents:
            node = node[key]
        del node[last]

    return mutate


def substatement(**extra: Any) -> dict[str, Any]:
    """A valid SubStatement object plus overrides."""
    return {"objectType": "SubStatement", "actor": ACTOR, "verb": VERB, "object": ACTIVITY, **extra}


def choice_definition(**extra: Any) -> dict[str, Any]:
    """A valid choice interaction definition plus overrides."""
    return {
        "interactionType": "choice",
        "correctResponsesPattern": ["a"],
        "choices": [{"id": "a", "description": {"en-US": "A"}}, {"id": "b"}],
        **extra,
    }


VALID = [
    pytest.param(lambda s: None, id="minimal"),
    pytest.param(without("id"), id="id-optional"),
    pytest.param(with_("id", UUID.upper()), id="id-uppercase-uuid"),
    pytest.param(without("actor.objectType"), id="agent-objecttype-optional"),
    pytest.param(with_("actor", {"mbox_sha1sum": "a" * 40}), id="agent-mbox-sha1sum"),
    pytest.param(with_("actor", {"openid": "http://openid.example.org/1"}), id="agent-openid"),
    pytest.param(with_("actor", {"account": {"homePage": "http://e.com", "name": "x"}}), id="agent-account"),
    pytest.param(with_("actor", GROUP), id="actor-anonymous-group"),
    pytest.param(
        with_("actor", {"objectType": "Group", "mbox": "mailto:g@e.com"}), id="actor-identified-group"
    ),
    pytest.param(with_("verb", {"id": "http://e.com/v"}), id="verb-display-optional"),
    pytest.param(with_("object", {"id": "http://e.com/a"}), id="object-objecttype-optional"),
    pytest.param(with_("object", {"objectType": "Agent", "mbox": "mailto:b@e.com"}), id="object-agent"),
    pytest.param(with_("object", GROUP), id="object-group"),
    pytest.param(with_("object", {"objectType": "StatementRef", "id": UUID}), id="object-statementref"),
    pytest.param(with_("object", substatement()), id="object-substatement"),
    pytest.param(with_("object.definition", choice_definition()), id="definition-choice"),
    pytest.param(
        with_("object.definition", {"interactionType": "likert", "scale": [{"id": "1"}]}),
        id="definition-likert",
    ),
    pytest.param(
        with_(
            "object.definition",
            {"interactionType": "matching", "source": [{"id": "a"}], "target": [{"id": "b"}]},
        ),
        id="definition-matching",
    ),
    pytest.param(
        with_("object.definition", {"interactionType": "performance", "steps": [{"id": "1"}]}),
        id="definition-performance",
    ),
    pytest.param(with_("object.definition.extensions", {"http://e.com/x": None}), id="extension-null-value"),
    pytest.param(
        with_("result", {"score": {"scaled": -1, "raw": 5, "min": 0, "max": 10}, "success": True}),
        id="result-score",
    ),
    pytest.param(with_("result.duration", "PT1H0M0.5S"), id="result-duration"),
    pytest.param(with_("result.duration", "P3W"), id="result-duration-weeks"),
    pytest.param(
        with_(
            "context", {"registration": UUID, "revision": "1", "platform": "web", "language": "zh-Hant-TW"}
        ),
        id="context-basic",
    ),
    pytest.param(with_("context.contextActivities", {"parent": ACTIVITY}), id="context-activities-single"),
    pytest.param(with_("context.contextActivities", {"other": [ACTIVITY]}), id="context-activities-array"),
    pytest.param(with_("context.team", GROUP), id="context-team-group"),
    pytest.param(
        with_("context.statement", {"objectType": "StatementRef", "id": UUID}), id="context-statement"
    ),
    pytest.param(with_("timestamp", "2024-01-02T03:04:05Z"), id="timestamp-z"),
    pytest.param(with_("timestamp", "2024-01-02T03:04:05.123+01:00"), id="timestamp-offset"),
    pytest.param(with_("timestamp", "2008-09-15T15:53:00.601+00:00"), id="timestamp-plus-zero"),
    pytest.param(with_("stored", "2024-01-02T03:04:05.123456Z"), id="stored"),
    pytest.param(with_("version", "1.0.3"), id="version-1.0.3"),
    pytest.param(with_("version", "1.0"), id="version-1.0"),
    pytest.param(
        with_(
            "authority",
            {"objectType": "Group", "member": [{"mbox": "mailto:a@e.com"}, {"openid": "http://e.com/o"}]},
        ),
        id="authority-oauth-group",
    ),
    pytest.param(
        with_(
            "attachments",
            [
                {
                    "usageType": "http://e.com/u",
                    "display": {"en": "x"},
                    "contentType": "text/plain",
                    "length": 3,
                    "sha2": "abc",
                    "fileUrl": "http://e.com/f",
                }
            ],
        ),
        id="attachment",
    ),
]


@pytest.mark.parametrize("mutate", VALID)
def test_validate_statement_accepts_valid(mutate: Callable[[dict[str, Any]], None]) -> None:
    statement = base()
    mutate(statement)
    validate_statement(statement, "1.0.3")
    validate_statement(statement, "2.0.0")


INVALID = [
    # structure
    pytest.param(with_("unknown", 1), "unknown", "no property", id="statement-unknown-property"),
    pytest.param(without("actor"), "actor", "requires", id="statement-actor-required"),
    pytest.param(without("verb"), "verb", "requires", id="statement-verb-required"),
    pytest.param(without("object"), "object", "requires", id="statement-object-required"),
    pytest.param(with_("id", "not-a-uuid"), "id", "UUID", id="id-not-uuid"),
    pytest.param(with_("id", 12), "id", "UUID", id="id-not-string"),
    # agents
    pytest.param(with_("actor.objectType", "agent"), "actor.objectType", "Agent", id="agent-objecttype-case"),
    pytest.param(with_("actor.name", 1), "actor.name", "string", id="agent-name-type"),
    pytest.param(without("actor.mbox"), "actor", "exactly one", id="agent-no-ifi"),
    pytest.param(with_("actor.openid", "http://e.com/o"), "actor", "exactly one", id="agent-two-ifis"),
    pytest.param(
        with_("actor.mbox", "learner@example.com"), "actor.mbox", "mailto", id="agent-mbox-no-mailto"
    ),
    pytest.param(
        with_("actor", {"mbox_sha1sum": "xyz"}), "actor.mbox_sha1sum", "SHA1", id="agent-mbox-sha1sum-not-hex"
    ),
    pytest.param(with_("actor", {"openid": "not a uri"}), "actor.openid", "IRI", id="agent-openid-not-uri"),
    pytest.param(
        with_("actor", {"account": {"name": "x"}}),
        "actor.account.homePage",
        "requires",
        id="account-homepage",
    ),
    pytest.param(
        with_("actor", {"account": {"homePage": "http://e.com"}}),
        "actor.account.name",
        "requires",
        id="account-name",
    ),
    pytest.param(
        with_("actor", {"account": {"homePage": "e.com", "name": "x"}}),
        "actor.account.homePage",
        "IRL",
        id="account-homepage-not-irl",
    ),
    pytest.param(
        with_("actor", {"account": {"homePage": "http://e.com", "name": "x", "extra": 1}}),
        "actor.account.extra",
        "no property",
        id="account-extra-property",
    ),
    pytest.param(with_("actor.bogus", 1), "actor.bogus", "no property", id="agent-unknown-property"),
    pytest.param(
        with_("actor", {"objectType": "Group"}),
        "actor.member",
        "anonymous",
        id="anonymous-group-needs-member",
    ),
    pytest.param(
        with_("actor", {"objectType": "Group", "member": [GROUP]}),
        "actor.member[0].objectType",
        "not Groups",
        id="group-member-not-group",
    ),
    pytest.param(
        with_("actor", {"objectType": "Group", "member": [{"name": "x"}]}),
        "actor.member[0]",
        "exactly one",
        id="group-member-needs-ifi",
    ),
    pytest.param(
        with_("actor", {"objectType": "Group", "mbox": "mailto:g@e.com", "openid": "http://e.com/o"}),
        "actor",
        "at most one",
        id="group-two-ifis",
    ),
    pytest.param(with_("actor", [ACTOR]), "actor", "JSON object", id="actor-not-object"),
    # verb
    pytest.param(without("verb.id"), "verb.id", "requires", id="verb-id-required"),
    pytest.param(with_("verb.id", "completed"), "verb.id", "IRI", id="verb-id-not-iri"),
    pytest.param(
        with_("verb.display", {"not a tag": "x"}), "verb.display.not a tag", "RFC 5646", id="verb-display-tag"
    ),
    pytest.param(with_("verb.display", {"en": 1}), "verb.display.en", "strings", id="verb-display-value"),
    pytest.param(
        with_("verb.display", "completed"), "verb.display", "language map", id="verb-display-not-map"
    ),
    pytest.param(
        with_("verb.id", "http://adlnet.gov/expapi/verbs/voided"),
        "object",
        "StatementRef",
        id="voiding-needs-ref",
    ),
    # object
    pytest.param(
        with_("object.objectType", "activity"), "object.objectType", "not one of", id="object-type-case"
    ),
    pytest.param(without("object.id"), "object.id", "requires", id="activity-id-required"),
    pytest.param(with_("object.id", "activity 1"), "object.id", "IRI", id="activity-id-not-iri"),
    pytest.param(
        with_("object", {"objectType": "StatementRef", "id": "x"}),
        "object.id",
        "UUID",
        id="statementref-uuid",
    ),
    pytest.param(with_("object", substatement(id=UUID)), "object.id", "must not", id="substatement-no-id"),
    pytest.param(
        with_("object", substatement(stored="2024-01-01T00:00:00Z")),
        "object.stored",
        "must not",
        id="substatement-no-stored",
    ),
    pytest.param(
        with_("object", substatement(version="1.0.0")),
        "object.version",
        "must not",
        id="substatement-no-version",
    ),
    pytest.param(
        with_("object", substatement(authority=ACTOR)),
        "object.authority",
        "must not",
        id="substatement-no-authority",
    ),
    pytest.param(
        with_("object", substatement(object=substatement())),
        "object.object.objectType",
        "SubStatement",
        id="substatement-no-nesting",
    ),
    pytest.param(
        with_("object", substatement(verb={})), "object.verb.id", "requires", id="substatement-verb"
    ),
    # activity definitions
    pytest.param(
        with_("object.definition.interactionType", "essay"),
        "object.definition.interactionType",
        "not one of",
        id="interaction-type-vocabulary",
    ),
    pytest.param(
        with_("object.definition", choice_definition(correctResponsesPattern="a")),
        "object.definition.correctResponsesPattern",
        "array",
        id="correct-responses-array",
    ),
    pytest.param(
        with_("object.definition", choice_definition(correctResponsesPattern=[1])),
        "object.definition.correctResponsesPattern[0]",
        "string",
        id="correct-responses-strings",
    ),
    pytest.param(
        with_("object.definition", choice_definition(scale=[{"id": "1"}])),
        "object.definition.scale",
        "not allowed",
        id="components-match-interaction-type",
    ),
    pytest.param(
        with_("object.definition", choice_definition(choices=[{"description": {"en": "x"}}])),
        "object.definition.choices[0].id",
        "requires",
        id="component-id-required",
    ),
    pytest.param(
        with_("object.definition", choice_definition(choices=[{"id": "a"}, {"id": "a"}])),
        "object.definition.choices[1].id",
        "repeated",
        id="component-ids-distinct",
    ),
    pytest.param(
        with_("object.definition", choice_definition(choices=[{"id": "a", "x": 1}])),
        "object.definition.choices[0].x",
        "no property",
        id="component-unknown-property",
    ),
    pytest.param(
        with_("object.definition.moreInfo", "info"), "object.definition.moreInfo", "IRI", id="moreinfo-irl"
    ),
    pytest.param(
        with_("object.definition.type", "t"), "object.definition.type", "IRI", id="definition-type-iri"
    ),
    pytest.param(
        with_("object.definition.extensions", {"key": 1}),
        "object.definition.extensions.key",
        "IRI",
        id="extension-key-iri",
    ),
    pytest.param(
        with_("object.definition.bogus", 1),
        "object.definition.bogus",
        "no property",
        id="definition-unknown-property",
    ),
    # result
    pytest.param(with_("result.success", "true"), "result.success", "boolean", id="result-success-boolean"),
    pytest.param(
        with_("result.completion", 1), "result.completion", "boolean", id="result-completion-boolean"
    ),
    pytest.param(with_("result.response", 1), "result.response", "string", id="result-response-string"),
    pytest.param(
        with_("result.duration", "1 hour"), "result.duration", "duration", id="result-duration-format"
    ),
    pytest.param(
        with_("result.score.scaled", 1.5), "result.score.scaled", "between", id="score-scaled-range"
    ),
    pytest.param(
        with_("result.score.scaled", True), "result.score.scaled", "number", id="score-bool-not-number"
    ),
    pytest.param(with_("result.score.raw", "5"), "result.score.raw", "number", id="score-raw-number"),
    pytest.param(
        with_("result.score", {"raw": 11, "min": 0, "max": 10}),
        "result.score.raw",
        "above",
        id="score-raw-max",
    ),
    pytest.param(
        with_("result.score", {"raw": -1, "min": 0, "max": 10}),
        "result.score.raw",
        "below",
        id="score-raw-min",
    ),
    pytest.param(
        with_("result.score", {"min": 10, "max": 0}), "result.score.min", "less", id="score-min-max"
    ),
    pytest.param(with_("result.bogus", 1), "result.bogus", "no property", id="result-unknown-property"),
    # context
    pytest.param(
        with_("context.registration", "x"), "context.registration", "UUID", id="context-registration"
    ),
    pytest.param(with_("context.team", ACTOR), "context.team", "Group", id="context-team-must-be-group"),
    pytest.param(
        with_("context.contextActivities", {"sibling": [ACTIVITY]}),
        "context.contextActivities.sibling",
        "no property",
        id="context-activities-keys",
    ),
    pytest.param(
        with_("context.contextActivities", {"parent": [{"id": "bad"}]}),
        "context.contextActivities.parent[0].id",
        "IRI",
        id="context-activities-activity",
    ),
    pytest.param(
        with_("context.language", "english!"), "context.language", "RFC 5646", id="context-language"
    ),
    pytest.param(with_("context.revision", 1), "context.revision", "string", id="context-revision-string"),
    pytest.param(
        lambda s: (with_("object", ACTOR)(s), with_("context.platform", "web")(s)),
        "context.platform",
        "only allowed",
        id="context-platform-activity-only",
    ),
    pytest.param(
        lambda s: (
            with_("object", {"objectType": "StatementRef", "id": UUID})(s),
            with_("context.revision", "1")(s),
        ),
        "context.revision",
        "only allowed",
        id="context-revision-activity-only",
    ),
    pytest.param(
        with_("context.statement", {"id": UUID}),
        "context.statement.objectType",
        "StatementRef",
        id="context-statement-ref",
    ),
    pytest.param(
        with_("context.contextAgents", []),
        "context.contextAgents",
        "no property",
        id="context-agents-not-in-1.0.3",
    ),
    # timestamps, version, authority
    pytest.param(with_("timestamp", "yesterday"), "timestamp", "ISO 8601", id="timestamp-format"),
    pytest.param(with_("timestamp", "2024-02-30T00:00:00Z"), "timestamp", "valid date", id="timestamp-date"),
    pytest.param(
        with_("timestamp", "2024-01-01T00:00:00-00:00"), "timestamp", "-00:00", id="timestamp-minus-zero"
    ),
    pytest.param(
        with_("timestamp", "2024-01-01T00:00:00-0000"), "timestamp", "-00:00", id="timestamp-minus-0000"
    ),
    pytest.param(
        with_("timestamp", "2024-01-01T00:00:00-00"), "timestamp", "-00:00", id="timestamp-minus-00"
    ),
    pytest.param(with_("stored", "2024-01-01"), "stored", "ISO 8601", id="stored-format"),
    pytest.param(with_("version", "2.0.0"), "version", "1.0.x", id="version-2-under-1.0.3"),
    pytest.param(with_("version", "0.9"), "version", "supported", id="version-unknown"),
    pytest.param(with_("version", 1.0), "version", "supported", id="version-not-string"),
    pytest.param(
        with_("authority", {"objectType": "Group", "member": [ACTOR]}),
        "authority.member",
        "two",
        id="authority-group-two-members",
    ),
    pytest.param(
        with_("authority", {"objectType": "Group", "mbox": "mailto:g@e.com", "member": [ACTOR, ACTOR]}),
        "authority.mbox",
        "anonymous",
        id="authority-group-anonymous",
    ),
    pytest.param(
        with_("object", {"mbox": "mailto:b@e.com"}),
        "object.objectType",
        "must specify objectType",
        id="object-agent-needs-objecttype",
    ),
    pytest.param(
        with_(
            "attachments",
            [
                {
                    "usageType": "http://adlnet.gov/expapi/attachments/signature",
                    "display": {"en": "x"},
                    "contentType": "text/plain",
                    "length": 3,
                    "sha2": "a",
                }
            ],
        ),
        "attachments[0].contentType",
        "application/octet-stream",
        id="signature-attachment-content-type",
    ),
    pytest.param(with_("actor.name", None), "actor.name", "null", id="null-value-rejected"),
    pytest.param(
        with_("context.instructor", {"name": "x"}),
        "context.instructor",
        "exactly one",
        id="context-instructor-agent",
    ),
    # attachments
    pytest.param(with_("attachments", {}), "attachments", "array", id="attachments-array"),
    pytest.param(
        with_(
            "attachments",
            [
                {
                    "usageType": "http://e.com/u",
                    "display": {"en": "x"},
                    "contentType": "text/plain",
                    "length": 3,
                }
            ],
        ),
        "attachments[0].sha2",
        "requires",
        id="attachment-sha2-required",
    ),
    pytest.param(
        with_(
            "attachments",
            [
                {
                    "usageType": "u",
                    "display": {"en": "x"},
                    "contentType": "text/plain",
                    "length": 3,
                    "sha2": "a",
                }
            ],
        ),
        "attachments[0].usageType",
        "IRI",
        id="attachment-usagetype-iri",
    ),
    pytest.param(
        with_(
            "attachments",
            [
                {
                    "usageType": "http://e.com/u",
                    "display": {"en": "x"},
                    "contentType": "text/plain",
                    "length": "3",
                    "sha2": "a",
                }
            ],
        ),
        "attachments[0].length",
        "integer",
        id="attachment-length-integer",
    ),
]


@pytest.mark.parametrize(("mutate", "field", "message"), INVALID)
def test_validate_statement_rejects_invalid(
    mutate: Callable[[dict[str, Any]], Any], field: str, message: str
) -> None:
    statement = base()
    mutate(statement)
    with pytest.raises(InvalidStatement) as caught:
        validate_statement(statement, "1.0.3")
    assert caught.value.status_code == 400
    assert caught.value.field == field
    assert message in caught.value.message
    assert field in caught.value.message


def test_validate_statement_rejects_non_object() -> None:
    with pytest.raises(InvalidStatement, match="JSON object"):
        validate_statement([base()], "1.0.3")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        pytest.param(
            with_("context.contextAgents", [{"objectType": "contextAgent", "agent": ACTOR}]),
            None,
            id="context-agents",
        ),
        pytest.param(
            with_(
                "context.contextGroups",
                [{"objectType": "contextGroup", "group": GROUP, "relevantTypes": ["http://e.com/t"]}],
            ),
            None,
            id="context-groups",
        ),
        pytest.param(with_("version", "2.0.0"), None, id="version-2.0.0"),
        pytest.param(
            with_("context.contextAgents", [{"agent": ACTOR}]),
            "context.contextAgents[0].objectType",
            id="context-agent-objecttype",
        ),
        pytest.param(
            with_("context.contextAgents", [{"objectType": "contextAgent"}]),
            "context.contextAgents[0].agent",
            id="context-agent-agent-required",
        ),
        pytest.param(
            with_(
                "context.contextAgents", [{"objectType": "contextAgent", "agent": ACTOR, "relevantTypes": []}]
            ),
            "context.contextAgents[0].relevantTypes",
            id="context-agent-relevant-types-non-empty",
        ),
        pytest.param(
            with_(
                "context.contextGroups",
                [{"objectType": "contextGroup", "group": GROUP, "relevantTypes": ["x"]}],
            ),
            "context.contextGroups[0].relevantTypes[0]",
            id="context-group-relevant-types-iri",
        ),
        pytest.param(
            with_("context.contextGroups", [{"objectType": "contextGroup", "group": ACTOR}]),
            "context.contextGroups[0].group.objectType",
            id="context-group-must-be-group",
        ),
        pytest.param(with_("version", "3.0.0"), "version", id="version-3"),
    ],
)
def test_validate_statement_2_0_rules(mutate: Callable[[dict[str, Any]], None], field: str | None) -> None:
    statement = base()
    mutate(statement)
    if field is None:
        validate_statement(statement, "2.0.0")
        return
    with pytest.raises(InvalidStatement) as caught:
        validate_statement(statement, "2.0.0")
    assert caught.value.field == field


def test_validate_statements_prefixes_index() -> None:
    bad = base()
    bad["verb"]["id"] = "nope"
    with pytest.raises(InvalidStatement) as caught:
        validate_statements([base(), base(), bad], "1.0.3")
    assert caught.value.field == "[2].verb.id"
    assert caught.value.message.startswith("[2].verb.id:")
