"""Tests for translators.state: a CMI map as a version-neutral AttemptState."""

import pytest

from translators import EMPTY_STATE, AttemptState, Comment, Interaction, Objective, state_from_cmi


@pytest.mark.parametrize(
    ("lesson_status", "completion", "success"),
    [
        pytest.param("passed", "completed", "passed", id="passed-means-finished"),
        pytest.param("failed", "completed", "failed", id="failed-means-finished"),
        pytest.param("completed", "completed", "unknown", id="completed"),
        pytest.param("incomplete", "incomplete", "unknown", id="incomplete"),
        pytest.param("browsed", "incomplete", "unknown", id="browsed-is-incomplete"),
        pytest.param("not attempted", "not attempted", "unknown", id="not-attempted"),
        pytest.param(None, "unknown", "unknown", id="absent"),
        pytest.param("bogus", "unknown", "unknown", id="malformed"),
    ],
)
def test_state_from_cmi_maps_12_lesson_status(
    lesson_status: str | None, completion: str, success: str
) -> None:
    cmi = {} if lesson_status is None else {"cmi.core.lesson_status": lesson_status}
    state = state_from_cmi("1.2", cmi)
    assert (state.completion, state.success) == (completion, success)


@pytest.mark.parametrize(
    ("completion", "success", "expected"),
    [
        pytest.param("completed", "failed", ("completed", "failed"), id="completed-failed"),
        pytest.param("incomplete", "passed", ("incomplete", "passed"), id="incomplete-passed"),
        pytest.param("not attempted", "unknown", ("not attempted", "unknown"), id="not-attempted"),
        pytest.param(None, None, ("unknown", "unknown"), id="absent"),
    ],
)
def test_state_from_cmi_reads_2004_statuses_independently(
    completion: str | None, success: str | None, expected: tuple[str, str]
) -> None:
    cmi = {}
    if completion:
        cmi["cmi.completion_status"] = completion
    if success:
        cmi["cmi.success_status"] = success
    state = state_from_cmi("2004", cmi)
    assert (state.completion, state.success) == expected


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        pytest.param({"raw": "85"}, (85.0, None, None, 0.85), id="raw-only-defaults-0-100"),
        pytest.param({"raw": "15", "min": "10", "max": "20"}, (15.0, 10.0, 20.0, 0.5), id="raw-min-max"),
        pytest.param({"raw": "", "min": "0", "max": "100"}, (None, 0.0, 100.0, None), id="blank-raw"),
        pytest.param({"raw": "50", "min": "60", "max": "60"}, (50.0, 60.0, 60.0, None), id="empty-range"),
        pytest.param({"raw": "5", "min": "10", "max": "20"}, (5.0, 10.0, 20.0, None), id="raw-below-min"),
        pytest.param(
            {"raw": "90", "min": "10", "max": "20"}, (90.0, 10.0, 20.0, None), id="scaled-beyond-one"
        ),
    ],
)
def test_state_from_cmi_computes_12_scaled_score(
    score: dict[str, str], expected: tuple[float | None, ...]
) -> None:
    state = state_from_cmi("1.2", {f"cmi.core.score.{k}": v for k, v in score.items()})
    assert (state.score_raw, state.score_min, state.score_max, state.score_scaled) == expected


def test_state_from_cmi_reads_2004_core_elements() -> None:
    state = state_from_cmi(
        "2004",
        {
            "cmi.score.scaled": "0.9",
            "cmi.score.raw": "45",
            "cmi.score.min": "0",
            "cmi.score.max": "50",
            "cmi.progress_measure": "0.75",
            "cmi.location": "page-4",
            "cmi.suspend_data": '{"p":4}',
            "cmi.entry": "resume",
            "cmi.exit": "suspend",
            "cmi.session_time": "PT1H2M3.5S",
            "cmi.total_time": "PT10H",
        },
    )
    assert state == AttemptState(
        score_raw=45.0,
        score_min=0.0,
        score_max=50.0,
        score_scaled=0.9,
        progress_measure=0.75,
        location="page-4",
        suspend_data='{"p":4}',
        entry="resume",
        exit="suspend",
        session_time_s=3723.5,
        total_time_reported_s=36000.0,
    )


def test_state_from_cmi_reads_12_core_elements() -> None:
    state = state_from_cmi(
        "1.2",
        {
            "cmi.core.lesson_location": "p2",
            "cmi.core.entry": "ab-initio",
            "cmi.core.exit": "logout",
            "cmi.core.session_time": "00:01:30",
            "cmi.core.total_time": "0010:00:00",
            "cmi.suspend_data": "abc",
            "cmi.progress_measure": "0.5",
        },
    )
    assert (state.location, state.entry, state.exit, state.suspend_data) == (
        "p2",
        "ab-initio",
        "logout",
        "abc",
    )
    assert (state.session_time_s, state.total_time_reported_s) == (90.0, 36000.0)
    assert state.progress_measure is None  # SCORM 1.2 has no progress measure


def test_state_from_cmi_reads_malformed_values_as_not_set() -> None:
    state = state_from_cmi("2004", {"cmi.score.scaled": "high", "cmi.session_time": "10 minutes"})
    assert (state.score_scaled, state.session_time_s) == (None, None)


def test_state_from_cmi_of_nothing_is_the_empty_state() -> None:
    assert state_from_cmi("1.2", {}) == EMPTY_STATE
    assert state_from_cmi("2004", {}) == EMPTY_STATE
    assert EMPTY_STATE.completion == "unknown" and EMPTY_STATE.success == "unknown"
    assert EMPTY_STATE.interactions == () and EMPTY_STATE.score_raw is None


def test_state_from_cmi_reads_12_interactions_in_index_order() -> None:
    cmi = {
        "cmi.interactions.10.id": "q3",
        "cmi.interactions.10.type": "true-false",
        "cmi.interactions.10.student_response": "t",
        "cmi.interactions.2.id": "q2",
        "cmi.interactions.2.type": "matching",
        "cmi.interactions.2.student_response": "1.a,2.b",
        "cmi.interactions.2.correct_responses.0.pattern": "1.a,2.c",
        "cmi.interactions.2.result": "wrong",
        "cmi.interactions.2.latency": "00:00:07.5",
        "cmi.interactions.2.weighting": "2",
        "cmi.interactions.2.time": "10:15:00",
        "cmi.interactions.2.objectives.0.id": "obj1",
        "cmi.interactions.2.objectives.1.id": "obj2",
        "cmi.interactions.5.type": "choice",  # no id yet: skipped
    }
    state = state_from_cmi("1.2", cmi)
    assert state.interactions == (
        Interaction(
            id="q2",
            type="matching",
            learner_response="1[.]a[,]2[.]b",
            correct_responses=["1[.]a[,]2[.]c"],
            result="incorrect",
            latency_s=7.5,
            weighting=2.0,
            timestamp="10:15:00",
            objective_ids=("obj1", "obj2"),
            index=2,
        ),
        Interaction(id="q3", type="true-false", learner_response="true", index=10),
    )


def test_state_from_cmi_reads_2004_interaction() -> None:
    cmi = {
        "cmi.interactions.0.id": "urn:q1",
        "cmi.interactions.0.type": "fill-in",
        "cmi.interactions.0.description": "{lang=en}Capital of France?",
        "cmi.interactions.0.learner_response": "{lang=en}paris",
        "cmi.interactions.0.correct_responses.0.pattern": "{case_matters=false}{lang=en}Paris",
        "cmi.interactions.0.correct_responses.1.pattern": "Paname",
        "cmi.interactions.0.result": "correct",
        "cmi.interactions.0.latency": "PT4.5S",
        "cmi.interactions.0.timestamp": "2024-05-01T10:00:00Z",
    }
    (interaction,) = state_from_cmi("2004", cmi).interactions
    assert interaction == Interaction(
        id="urn:q1",
        type="fill-in",
        description="{lang=en}Capital of France?",
        learner_response="paris",
        correct_responses=["{case_matters=false}{lang=en}Paris", "Paname"],
        result="correct",
        latency_s=4.5,
        timestamp="2024-05-01T10:00:00Z",
    )


@pytest.mark.parametrize(
    ("version", "cmi", "expected"),
    [
        pytest.param(
            "1.2",
            {
                "cmi.objectives.0.id": "obj1",
                "cmi.objectives.0.status": "failed",
                "cmi.objectives.0.score.raw": "40",
            },
            Objective(id="obj1", score_raw=40.0, score_scaled=0.4, success="failed", completion="completed"),
            id="1.2-failed-objective",
        ),
        pytest.param(
            "2004",
            {
                "cmi.objectives.0.id": "urn:obj1",
                "cmi.objectives.0.success_status": "passed",
                "cmi.objectives.0.completion_status": "incomplete",
                "cmi.objectives.0.score.scaled": "0.8",
                "cmi.objectives.0.score.raw": "8",
                "cmi.objectives.0.score.min": "0",
                "cmi.objectives.0.score.max": "10",
                "cmi.objectives.0.progress_measure": "0.5",
                "cmi.objectives.0.description": "Know things",
            },
            Objective(
                id="urn:obj1",
                score_raw=8.0,
                score_min=0.0,
                score_max=10.0,
                score_scaled=0.8,
                success="passed",
                completion="incomplete",
                progress_measure=0.5,
                description="Know things",
            ),
            id="2004-objective",
        ),
    ],
)
def test_state_from_cmi_reads_objectives(version: str, cmi: dict[str, str], expected: Objective) -> None:
    assert state_from_cmi(version, cmi).objectives == (expected,)  # type: ignore[arg-type]


def test_state_from_cmi_reads_comments_of_both_versions() -> None:
    state_12 = state_from_cmi("1.2", {"cmi.comments": "Nice", "cmi.comments_from_lms": "Hi"})
    assert state_12.comments == (Comment(text="Nice"), Comment(text="Hi", from_lms=True))
    state_2004 = state_from_cmi(
        "2004",
        {
            "cmi.comments_from_learner.1.comment": "second",
            "cmi.comments_from_learner.0.comment": "first",
            "cmi.comments_from_learner.0.location": "p1",
            "cmi.comments_from_learner.0.timestamp": "2024-05-01T10:00:00Z",
            "cmi.comments_from_lms.0.comment": "from the LMS",
        },
    )
    assert state_2004.comments == (
        Comment(text="first", location="p1", timestamp="2024-05-01T10:00:00Z"),
        Comment(text="second", index=1),
        Comment(text="from the LMS", from_lms=True),
    )
