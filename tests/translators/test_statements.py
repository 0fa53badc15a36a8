"""Tests for translators.statements: the state-machine rules of statements_for_commit."""

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from translators import (
    EMPTY_STATE,
    SCORM_PROFILE_IRI,
    SESSION_EXTENSION,
    AttemptState,
    CommitContext,
    Event,
    Interaction,
    state_from_cmi,
    statements_for_commit,
)
from translators.statements import statement_id, xapi_score

CTX = CommitContext(
    version="2004",
    event="commit",
    session_id="session-1",
    sequence=3,
    timestamp=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
    learner={"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": "u42"}},
    registration="5a2c7f3e-8b1d-4e6a-9c0f-1d2e3f4a5b6c",
    course_iri="https://lms.example.com/xapi/courses/c1",
    course_title="Course one",
    sco_iri="https://lms.example.com/xapi/courses/c1/scos/s1",
    sco_title="SCO one",
    attempt_iri="https://lms.example.com/xapi/courses/c1/attempts/a1",
    attempt_number=1,
    resumed=False,
)
BUSY = state_from_cmi(
    "2004",
    {
        "cmi.completion_status": "completed",
        "cmi.success_status": "passed",
        "cmi.score.scaled": "0.9",
        "cmi.progress_measure": "0.5",
        "cmi.interactions.0.id": "q1",
        "cmi.interactions.0.type": "choice",
        "cmi.interactions.0.learner_response": "a",
        "cmi.comments_from_learner.0.comment": "hi",
        "cmi.objectives.0.id": "o1",
        "cmi.objectives.0.success_status": "passed",
        "cmi.exit": "normal",
    },
)


def verbs(statements: list[dict[str, Any]]) -> list[str]:
    """The verb display words of statements, in order."""
    return [s["verb"]["display"]["en-US"] for s in statements]


def ctx(**changes: Any) -> CommitContext:
    """CTX with some fields changed."""
    return dataclasses.replace(CTX, **changes)


@pytest.mark.parametrize(
    ("event", "resumed", "expected"),
    [
        pytest.param("initialize", False, ["initialized"], id="initialize"),
        pytest.param("initialize", True, ["resumed"], id="initialize-resumed"),
        pytest.param("commit", False, [], id="commit"),
        pytest.param("terminate", False, ["terminated"], id="terminate"),
    ],
)
def test_unchanged_state_emits_only_the_lifecycle_statement(
    event: Event, resumed: bool, expected: list[str]
) -> None:
    assert verbs(statements_for_commit(ctx(event=event, resumed=resumed), BUSY, BUSY)) == expected


def test_busy_commit_emits_every_outcome_in_order() -> None:
    assert verbs(statements_for_commit(CTX, EMPTY_STATE, BUSY)) == [
        "responded",
        "commented",
        "passed",
        "progressed",
        "scored",
        "completed",
        "passed",
    ]


def test_statement_ids_are_deterministic_uuid5_and_depend_on_the_commit() -> None:
    first = statements_for_commit(CTX, EMPTY_STATE, BUSY)
    again = statements_for_commit(CTX, EMPTY_STATE, BUSY)
    later = statements_for_commit(ctx(sequence=4), EMPTY_STATE, BUSY)
    other_session = statements_for_commit(ctx(session_id="session-2"), EMPTY_STATE, BUSY)
    ids = [s["id"] for s in first]
    assert ids == [s["id"] for s in again]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 5 and i == str(uuid.UUID(i)) for i in ids)
    assert not set(ids) & {s["id"] for s in later + other_session}


@pytest.mark.parametrize(
    ("exit_value", "version", "verb"),
    [
        pytest.param("suspend", "2004", "suspended", id="2004-suspend"),
        pytest.param("normal", "2004", "terminated", id="2004-normal"),
        pytest.param("", "2004", "terminated", id="2004-empty"),
        pytest.param("suspend", "1.2", "suspended", id="1.2-suspend"),
        pytest.param("logout", "1.2", "terminated", id="1.2-logout"),
        pytest.param("time-out", "1.2", "terminated", id="1.2-time-out"),
    ],
)
def test_terminate_suspends_only_on_exit_suspend(exit_value: str, version: str, verb: str) -> None:
    element = "cmi.core.exit" if version == "1.2" else "cmi.exit"
    state = state_from_cmi(version, {element: exit_value})  # type: ignore[arg-type]
    statements = statements_for_commit(ctx(event="terminate", version=version), state, state)
    assert verbs(statements) == [verb]


def test_terminate_result_carries_outcome_and_session_duration() -> None:
    state = dataclasses.replace(BUSY, session_time_s=3723.456)
    (statement,) = statements_for_commit(ctx(event="terminate"), state, state)
    assert statement["result"] == {
        "score": {"scaled": 0.9},
        "success": True,
        "completion": True,
        "duration": "PT1H2M3.46S",
    }


def test_terminate_without_session_time_has_no_duration() -> None:
    (statement,) = statements_for_commit(ctx(event="terminate"), EMPTY_STATE, EMPTY_STATE)
    assert "result" not in statement


def test_every_statement_has_the_profile_context() -> None:
    for statement in statements_for_commit(ctx(event="initialize"), EMPTY_STATE, BUSY):
        context = statement["context"]
        assert context["registration"] == CTX.registration
        assert context["platform"] == "lrs-bridge"
        assert context["extensions"] == {SESSION_EXTENSION: "session-1"}
        grouping = context["contextActivities"]["grouping"]
        assert [a["id"] for a in grouping] == [CTX.attempt_iri, CTX.course_iri]
        assert [a["definition"]["type"] for a in grouping] == [
            "http://adlnet.gov/expapi/activities/attempt",
            "http://adlnet.gov/expapi/activities/course",
        ]
        assert context["contextActivities"]["category"] == [
            {"id": SCORM_PROFILE_IRI, "definition": {"type": "http://adlnet.gov/expapi/activities/profile"}}
        ]
        assert statement["actor"] == CTX.learner and statement["actor"] is not CTX.learner
        assert statement["timestamp"] == "2024-05-01T10:00:00.000Z"
        assert statement["version"] == "1.0.0"
        assert "stored" not in statement and "authority" not in statement
        inside_sco = statement["object"]["id"] != CTX.sco_iri
        assert ("parent" in context["contextActivities"]) == inside_sco


def test_timestamp_is_converted_to_utc_and_naive_is_refused() -> None:
    paris = timezone(timedelta(hours=2))
    (statement,) = statements_for_commit(
        ctx(event="initialize", timestamp=datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=paris)),
        EMPTY_STATE,
        EMPTY_STATE,
    )
    assert statement["timestamp"] == "2024-05-01T10:00:00.123Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        statements_for_commit(ctx(timestamp=datetime(2024, 5, 1)), EMPTY_STATE, EMPTY_STATE)


def test_registration_is_written_as_a_lowercase_uuid() -> None:
    (statement,) = statements_for_commit(
        ctx(event="initialize", registration=CTX.registration.upper()), EMPTY_STATE, EMPTY_STATE
    )
    assert statement["context"]["registration"] == CTX.registration
    with pytest.raises(ValueError):
        statements_for_commit(ctx(registration="not-a-uuid"), EMPTY_STATE, EMPTY_STATE)


def _with_interaction(**fields: Any) -> AttemptState:
    """A state holding one interaction q1."""
    return dataclasses.replace(EMPTY_STATE, interactions=(Interaction(id="q1", type="numeric", **fields),))


def test_responded_waits_for_a_response_or_result_and_repeats_when_it_changes() -> None:
    declared = _with_interaction()
    answered = _with_interaction(learner_response="4")
    judged = _with_interaction(learner_response="4", result="correct")
    assert statements_for_commit(CTX, EMPTY_STATE, declared) == []
    assert verbs(statements_for_commit(CTX, declared, answered)) == ["responded"]
    (statement,) = statements_for_commit(CTX, answered, judged)
    assert statement["result"] == {"response": "4", "success": True}
    assert statements_for_commit(CTX, judged, judged) == []


def test_scored_only_when_the_score_changes() -> None:
    scored = dataclasses.replace(EMPTY_STATE, score_raw=5.0, score_min=0.0, score_max=10.0)
    rescored = dataclasses.replace(scored, score_raw=7.0)
    assert verbs(statements_for_commit(CTX, EMPTY_STATE, scored)) == ["scored"]
    assert statements_for_commit(CTX, scored, scored) == []
    (statement,) = statements_for_commit(CTX, scored, rescored)
    assert statement["result"] == {"score": {"raw": 7.0, "min": 0.0, "max": 10.0}}


def test_progressed_reports_scaled_and_cmi5_percentage() -> None:
    state = dataclasses.replace(EMPTY_STATE, progress_measure=0.456)
    (statement,) = statements_for_commit(CTX, EMPTY_STATE, state)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/progressed"
    assert statement["result"] == {
        "score": {"scaled": 0.456},
        "extensions": {"https://w3id.org/xapi/cmi5/result/extensions/progress": 46},
    }


def test_completed_and_passed_are_not_repeated_and_failed_follows_a_change() -> None:
    passed = dataclasses.replace(EMPTY_STATE, completion="completed", success="passed")
    failed = dataclasses.replace(passed, success="failed")
    assert verbs(statements_for_commit(CTX, EMPTY_STATE, passed)) == ["completed", "passed"]
    assert verbs(statements_for_commit(CTX, passed, failed)) == ["failed"]
    assert verbs(statements_for_commit(CTX, passed, EMPTY_STATE)) == []


def test_12_comment_that_grows_reports_only_the_new_text() -> None:
    before = state_from_cmi("1.2", {"cmi.comments": "One."})
    after = state_from_cmi("1.2", {"cmi.comments": "One. Two."})
    (statement,) = statements_for_commit(ctx(version="1.2"), before, after)
    assert statement["result"] == {"response": "Two."}


def test_2004_comments_are_keyed_by_cmi_index_not_position() -> None:
    # comments_from_learner.2 arrived before .1: only the new .1 is stated, under its own index
    before = state_from_cmi("2004", {"cmi.comments_from_learner.2.comment": "Later"})
    after = state_from_cmi(
        "2004",
        {"cmi.comments_from_learner.2.comment": "Later", "cmi.comments_from_learner.1.comment": "Earlier"},
    )
    (statement,) = statements_for_commit(CTX, before, after)
    assert statement["result"] == {"response": "Earlier"}
    (alone,) = statements_for_commit(
        CTX, EMPTY_STATE, state_from_cmi("2004", {"cmi.comments_from_learner.1.comment": "Earlier"})
    )
    assert statement["id"] == alone["id"]


def test_comments_from_lms_emit_no_statement() -> None:
    after = state_from_cmi("2004", {"cmi.comments_from_lms.0.comment": "Welcome"})
    assert statements_for_commit(CTX, EMPTY_STATE, after) == []


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        pytest.param((5.0, 0.0, 10.0, 0.5), {"scaled": 0.5, "raw": 5.0, "min": 0.0, "max": 10.0}, id="valid"),
        pytest.param((15.0, 0.0, 10.0, None), None, id="raw-above-max-alone-is-dropped"),
        pytest.param((15.0, 0.0, 10.0, 0.5), {"scaled": 0.5, "min": 0.0, "max": 10.0}, id="raw-above-max"),
        pytest.param((-1.0, 0.0, None, 0.1), {"scaled": 0.1, "min": 0.0}, id="raw-below-min"),
        pytest.param((5.0, 10.0, 10.0, None), {"raw": 5.0}, id="min-equal-max-dropped"),
        pytest.param((5.0, 20.0, 10.0, None), {"raw": 5.0}, id="min-above-max-dropped"),
        pytest.param((None, None, None, 1.5), None, id="scaled-above-one"),
        pytest.param((None, None, None, -1.0), {"scaled": -1.0}, id="scaled-minus-one"),
        pytest.param((None, 0.0, 100.0, None), None, id="min-max-alone-score-nothing"),
    ],
)
def test_xapi_score_never_emits_invalid_scores(
    score: tuple[float | None, ...], expected: dict[str, float] | None
) -> None:
    assert xapi_score(*score) == expected


def _containers(value: Any) -> list[Any]:
    """Every dict and list inside a JSON-like value, the value included."""
    if isinstance(value, dict):
        return [value, *(c for item in value.values() for c in _containers(item))]
    if isinstance(value, list):
        return [value, *(c for item in value for c in _containers(item))]
    return []


def test_statements_share_no_mutable_parts_with_each_other_or_the_context() -> None:
    objectives = state_from_cmi(
        "2004",
        {
            "cmi.objectives.0.id": "o1",
            "cmi.objectives.0.success_status": "passed",
            "cmi.objectives.0.completion_status": "completed",
            "cmi.objectives.0.score.scaled": "1",
        },
    )
    both = dataclasses.replace(BUSY, objectives=objectives.objectives, session_time_s=5.0)
    statements = statements_for_commit(ctx(event="terminate"), EMPTY_STATE, both)
    seen = [id(c) for s in statements for c in _containers(s)]
    assert len(seen) == len(set(seen))
    assert not {id(c) for c in _containers(CTX.learner)} & set(seen)


def _answered(version: str, *indexes: int) -> AttemptState:
    """A state whose interactions at these cmi indexes are answered (q<n> answered r<n>)."""
    key = "student_response" if version == "1.2" else "learner_response"
    cmi: dict[str, str] = {}
    for n in indexes:
        cmi |= {
            f"cmi.interactions.{n}.id": f"q{n}",
            f"cmi.interactions.{n}.type": "fill-in",
            f"cmi.interactions.{n}.{key}": f"r{n}",
        }
    return state_from_cmi(version, cmi)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "version", [pytest.param("1.2", id="scorm-1.2"), pytest.param("2004", id="scorm-2004")]
)
def test_responded_keys_interactions_by_cmi_index_not_position(version: str) -> None:
    # cmi.interactions.5 arrived before .3: only the new .3 is stated, under its own index
    context = ctx(version=version)
    statements = statements_for_commit(context, _answered(version, 5), _answered(version, 3, 5))
    assert [s["object"]["id"].rsplit("/", 1)[1] for s in statements] == ["q3"]
    assert statements[0]["id"] == statement_id(context, "responded", "interaction:3")
    # a later commit answering .4 between them states .4 alone
    statements = statements_for_commit(context, _answered(version, 3, 5), _answered(version, 3, 4, 5))
    assert [s["object"]["id"].rsplit("/", 1)[1] for s in statements] == ["q4"]
    assert statements[0]["id"] == statement_id(context, "responded", "interaction:4")


def test_responded_statement_id_follows_the_index_whatever_precedes_it() -> None:
    alone = statements_for_commit(CTX, EMPTY_STATE, _answered("2004", 7))
    after_others = statements_for_commit(CTX, _answered("2004", 1, 2), _answered("2004", 1, 2, 7))
    assert [s["id"] for s in alone] == [s["id"] for s in after_others]
