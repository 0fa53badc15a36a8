"""Tests for translators.datamodel: validate_cmi against the SCORM 1.2 and 2004 data models."""

import pytest

from translators import CmiProblem, validate_cmi, without_session_elements

VALID_12 = {
    "cmi.core.student_id": "u42",
    "cmi.core.student_name": "Doe, Ann",
    "cmi.core.lesson_location": "page-3",
    "cmi.core.credit": "credit",
    "cmi.core.lesson_status": "incomplete",
    "cmi.core.entry": "",
    "cmi.core.score.raw": "85.5",
    "cmi.core.score.min": "0",
    "cmi.core.score.max": "",
    "cmi.core.total_time": "0000:00:00",
    "cmi.core.lesson_mode": "normal",
    "cmi.core.exit": "suspend",
    "cmi.core.session_time": "00:10:05.25",
    "cmi.core._children": "student_id,student_name",
    "cmi.suspend_data": "x" * 4096,
    "cmi.launch_data": "",
    "cmi.comments": "Nice",
    "cmi.comments_from_lms": "Welcome",
    "cmi.objectives._count": "1",
    "cmi.objectives.0.id": "obj-1",
    "cmi.objectives.0.score.raw": "100",
    "cmi.objectives.0.status": "passed",
    "cmi.student_data.mastery_score": "80",
    "cmi.student_data.max_time_allowed": "01:00:00",
    "cmi.student_data.time_limit_action": "continue,no message",
    "cmi.student_preference.audio": "-1",
    "cmi.student_preference.language": "en",
    "cmi.student_preference.speed": "-50",
    "cmi.student_preference.text": "1",
    "cmi.interactions._count": "1",
    "cmi.interactions.0.id": "q1",
    "cmi.interactions.0.objectives.0.id": "obj-1",
    "cmi.interactions.0.time": "13:45:00",
    "cmi.interactions.0.type": "choice",
    "cmi.interactions.0.correct_responses.0.pattern": "{a,b}",
    "cmi.interactions.0.weighting": "1.5",
    "cmi.interactions.0.student_response": "a,b",
    "cmi.interactions.0.result": "wrong",
    "cmi.interactions.0.latency": "00:00:12.5",
    "cmi.interactions.10.result": "0.75",
}

VALID_2004 = {
    "cmi._version": "1.0",
    "cmi.comments_from_learner._count": "1",
    "cmi.comments_from_learner.0.comment": "{lang=en}Great",
    "cmi.comments_from_learner.0.location": "p2",
    "cmi.comments_from_learner.0.timestamp": "2024-05-01T10:00:00.5Z",
    "cmi.comments_from_lms.0.comment": "Hello",
    "cmi.comments_from_lms.0.timestamp": "2024-05-01",
    "cmi.completion_status": "incomplete",
    "cmi.completion_threshold": "0.8",
    "cmi.credit": "no-credit",
    "cmi.entry": "resume",
    "cmi.exit": "normal",
    "cmi.interactions.0.id": "urn:example:q1",
    "cmi.interactions.0.type": "long-fill-in",
    "cmi.interactions.0.objectives.0.id": "urn:example:obj1",
    "cmi.interactions.0.timestamp": "2024-05-01T10:00:00+02:00",
    "cmi.interactions.0.correct_responses.0.pattern": "{case_matters=true}{lang=en}Hello",
    "cmi.interactions.0.weighting": "2",
    "cmi.interactions.0.learner_response": "hello",
    "cmi.interactions.0.result": "-3.5",
    "cmi.interactions.0.latency": "PT5.25S",
    "cmi.interactions.0.description": "{lang=de}Frage eins",
    "cmi.launch_data": "",
    "cmi.learner_id": "u42",
    "cmi.learner_name": "Ann",
    "cmi.learner_preference.audio_level": "1.5",
    "cmi.learner_preference.language": "en-US",
    "cmi.learner_preference.delivery_speed": "1",
    "cmi.learner_preference.audio_captioning": "-1",
    "cmi.location": "x" * 1000,
    "cmi.max_time_allowed": "PT1H",
    "cmi.mode": "review",
    "cmi.objectives.0.id": "urn:example:obj1",
    "cmi.objectives.0.score.scaled": "-1",
    "cmi.objectives.0.score.raw": "-5",
    "cmi.objectives.0.success_status": "failed",
    "cmi.objectives.0.completion_status": "not attempted",
    "cmi.objectives.0.progress_measure": "0",
    "cmi.objectives.0.description": "Objective one",
    "cmi.progress_measure": "1",
    "cmi.scaled_passing_score": "0.7",
    "cmi.score.scaled": "0.95",
    "cmi.score.raw": "",
    "cmi.session_time": "PT1H2M3.5S",
    "cmi.success_status": "unknown",
    "cmi.suspend_data": "x" * 64000,
    "cmi.time_limit_action": "exit,message",
    "cmi.total_time": "P1DT2H",
    "adl.nav.request": "continue",
    "adl.nav.request_valid.continue": "true",
    "adl.nav.request_valid.choice.{target=sco2}": "unknown",
    "adl.data.0.id": "urn:example:store",
    "adl.data.0.store": "{}",
}


@pytest.mark.parametrize(
    ("version", "cmi"),
    [
        pytest.param("1.2", VALID_12, id="1.2-full-model"),
        pytest.param("2004", VALID_2004, id="2004-full-model"),
    ],
)
def test_validate_cmi_accepts_valid_commit(version: str, cmi: dict[str, str]) -> None:
    assert validate_cmi(version, cmi) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("version", "element", "value", "reason"),
    [
        # names
        pytest.param("1.2", "cmi.core.favourite_colour", "red", "not an element", id="1.2-unknown-name"),
        pytest.param("1.2", "cmi.completion_status", "completed", "not an element", id="1.2-given-2004-name"),
        pytest.param("2004", "cmi.core.lesson_status", "passed", "not an element", id="2004-given-1.2-name"),
        pytest.param(
            "2004", "cmi.interactions.0.student_response", "a", "not an element", id="2004-1.2-response"
        ),
        pytest.param("1.2", "cmi.interactions.0.description", "x", "not an element", id="1.2-description"),
        pytest.param("2004", "adl.nav.teleport", "x", "not an element", id="2004-unknown-adl-nav"),
        # indexes
        pytest.param("1.2", "cmi.interactions.-1.id", "q1", "non-negative integer", id="1.2-negative-index"),
        pytest.param("2004", "cmi.objectives.x.id", "o", "non-negative integer", id="2004-letter-index"),
        pytest.param("2004", "cmi.objectives.01.id", "o", "non-negative integer", id="2004-leading-zero"),
        pytest.param(
            "2004",
            "cmi.interactions.0.correct_responses.+1.pattern",
            "a",
            "non-negative integer",
            id="2004-signed-nested-index",
        ),
        pytest.param(
            "1.2", "cmi.interactions.0.objectives.a.id", "o", "non-negative integer", id="1.2-nested-index"
        ),
        # vocabularies
        pytest.param("1.2", "cmi.core.lesson_status", "done", "must be one of", id="1.2-lesson-status"),
        pytest.param("1.2", "cmi.core.lesson_status", "", "must be one of", id="1.2-empty-lesson-status"),
        pytest.param("1.2", "cmi.core.exit", "normal", "must be one of", id="1.2-exit-normal-is-2004"),
        pytest.param("1.2", "cmi.core.entry", "resumed", "must be one of", id="1.2-entry"),
        pytest.param(
            "1.2", "cmi.interactions.0.type", "long-fill-in", "must be one of", id="1.2-long-fill-in"
        ),
        pytest.param("1.2", "cmi.interactions.0.result", "incorrect", "must be one of", id="1.2-result"),
        pytest.param(
            "1.2", "cmi.objectives.0.status", "unknown", "must be one of", id="1.2-objective-status"
        ),
        pytest.param("2004", "cmi.completion_status", "passed", "must be one of", id="2004-completion"),
        pytest.param("2004", "cmi.success_status", "completed", "must be one of", id="2004-success"),
        pytest.param("2004", "cmi.exit", "quit", "must be one of", id="2004-exit"),
        pytest.param("2004", "cmi.entry", "", None, id="2004-empty-entry-is-allowed"),
        pytest.param("2004", "cmi.credit", "yes", "must be one of", id="2004-credit"),
        pytest.param("2004", "cmi.mode", "Normal", "must be one of", id="2004-mode-is-case-sensitive"),
        pytest.param(
            "2004", "cmi.interactions.0.type", "essay", "must be one of", id="2004-interaction-type"
        ),
        pytest.param("2004", "cmi.interactions.0.result", "wrong", "must be one of", id="2004-result-wrong"),
        # ranges and numbers
        pytest.param("2004", "cmi.score.scaled", "1.01", "within [-1, 1]", id="2004-scaled-above-1"),
        pytest.param("2004", "cmi.score.scaled", "-1.5", "within [-1, 1]", id="2004-scaled-below-minus-1"),
        pytest.param(
            "2004", "cmi.objectives.3.score.scaled", "2", "within [-1, 1]", id="2004-objective-scaled"
        ),
        pytest.param("2004", "cmi.progress_measure", "1.2", "within [0, 1]", id="2004-progress-above-1"),
        pytest.param("2004", "cmi.score.raw", "ninety", "decimal", id="2004-raw-not-number"),
        pytest.param("1.2", "cmi.core.score.raw", "101", "within [0, 100]", id="1.2-raw-above-100"),
        pytest.param("1.2", "cmi.core.score.min", "-1", "within [0, 100]", id="1.2-min-negative"),
        pytest.param("1.2", "cmi.core.score.raw", "8O", "decimal", id="1.2-raw-letter-o"),
        pytest.param("1.2", "cmi.core.score.raw", "", None, id="1.2-blank-raw-is-allowed"),
        pytest.param("1.2", "cmi.student_preference.audio", "101", "within [-1, 100]", id="1.2-audio"),
        # time spans and times
        pytest.param("1.2", "cmi.core.session_time", "PT1M", "CMITimespan", id="1.2-session-time-iso"),
        pytest.param("1.2", "cmi.core.session_time", "1:00:00", "CMITimespan", id="1.2-one-digit-hours"),
        pytest.param("1.2", "cmi.interactions.0.latency", "00:61:00", "CMITimespan", id="1.2-latency"),
        pytest.param("1.2", "cmi.interactions.0.time", "25:00:00", "CMITime", id="1.2-time-hour-25"),
        pytest.param("1.2", "cmi.interactions.0.time", "2024-05-01T10:00:00Z", "CMITime", id="1.2-time-iso"),
        pytest.param("2004", "cmi.session_time", "00:10:00", "ISO 8601 duration", id="2004-session-timespan"),
        pytest.param("2004", "cmi.session_time", "PT", "ISO 8601 duration", id="2004-session-bare-pt"),
        pytest.param("2004", "cmi.interactions.0.latency", "5s", "ISO 8601 duration", id="2004-latency"),
        pytest.param(
            "2004", "cmi.interactions.0.timestamp", "10:00", "ISO 8601 timestamp", id="2004-timestamp"
        ),
        pytest.param("2004", "cmi.interactions.0.timestamp", "2024-13-01", "ISO 8601", id="2004-month-13"),
        pytest.param(
            "2004", "cmi.comments_from_learner.0.timestamp", "1969", "ISO 8601", id="2004-before-1970"
        ),
        # lengths and identifiers
        pytest.param("1.2", "cmi.suspend_data", "x" * 4097, "longer than 4096", id="1.2-suspend-data"),
        pytest.param("1.2", "cmi.core.lesson_location", "x" * 256, "longer than 255", id="1.2-location"),
        pytest.param("1.2", "cmi.comments", "x" * 4097, "longer than 4096", id="1.2-comments"),
        pytest.param("2004", "cmi.suspend_data", "x" * 64001, "longer than 64000", id="2004-suspend-data"),
        pytest.param("2004", "cmi.location", "x" * 1001, "longer than 1000", id="2004-location"),
        pytest.param(
            "2004", "cmi.comments_from_learner.0.comment", "x" * 4001, "longer than 4000", id="2004-comment"
        ),
        pytest.param(
            "2004",
            "cmi.interactions.0.description",
            "{lang=en}" + "x" * 251,
            "longer than 250",
            id="2004-desc",
        ),
        pytest.param("1.2", "cmi.interactions.0.id", "q 1", "without white space", id="1.2-id-with-space"),
        pytest.param("1.2", "cmi.interactions.0.id", "q" * 256, "1-255", id="1.2-id-too-long"),
        pytest.param("1.2", "cmi.objectives.0.id", "", "1-255", id="1.2-empty-objective-id"),
        pytest.param("2004", "cmi.objectives.0.id", "", "1-4000", id="2004-empty-objective-id"),
        pytest.param("2004", "cmi.interactions.0.id", "u" * 4001, "longer than 4000", id="2004-id-too-long"),
    ],
)
def test_validate_cmi_reports_bad_element(version: str, element: str, value: str, reason: str | None) -> None:
    problems = validate_cmi(version, {element: value})  # type: ignore[arg-type]
    if reason is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert (problems[0].element, problems[0].value) == (element, value)
        assert reason in problems[0].reason


def test_validate_cmi_reports_every_problem_and_ignores_good_elements() -> None:
    cmi = {
        "cmi.core.lesson_status": "done",
        "cmi.core.score.raw": "50",
        "cmi.core.session_time": "PT1S",
    }
    problems = validate_cmi("1.2", cmi)
    assert [p.element for p in problems] == ["cmi.core.lesson_status", "cmi.core.session_time"]


@pytest.mark.parametrize(
    "element",
    [
        pytest.param("cmi.interactions._count", id="count"),
        pytest.param("cmi.core.score._children", id="children"),
        pytest.param("cmi.interactions.0.correct_responses._count", id="nested-count"),
        pytest.param("cmi._version", id="version"),
    ],
)
def test_validate_cmi_ignores_keywords(element: str) -> None:
    assert validate_cmi("2004", {element: "anything at all"}) == []
    assert validate_cmi("1.2", {element: "anything at all"}) == []


def test_validate_cmi_reports_non_string_value() -> None:
    assert validate_cmi("2004", {"cmi.score.scaled": 0.5}) == [  # type: ignore[dict-item]
        CmiProblem("cmi.score.scaled", "0.5", "must be a string")
    ]


def test_validate_cmi_rejects_unknown_version() -> None:
    with pytest.raises(ValueError, match="SCORM version"):
        validate_cmi("3", {})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("version", "cmi", "kept"),
    [
        pytest.param(
            "1.2",
            {
                "cmi.core.exit": "suspend",
                "cmi.core.session_time": "00:10:00",
                "cmi.core.entry": "ab-initio",
                "cmi.core.lesson_location": "p3",
            },
            {"cmi.core.lesson_location": "p3"},
            id="1.2",
        ),
        pytest.param(
            "2004",
            {
                "cmi.exit": "suspend",
                "cmi.session_time": "PT10M",
                "cmi.entry": "resume",
                "adl.nav.request": "continue",
                "cmi.location": "p3",
            },
            {"cmi.location": "p3"},
            id="2004",
        ),
    ],
)
def test_without_session_elements_forgets_the_previous_session(
    version: str, cmi: dict[str, str], kept: dict[str, str]
) -> None:
    assert without_session_elements(version, cmi) == kept  # type: ignore[arg-type]
