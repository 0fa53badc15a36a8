"""Tests for translators.documents: the profile's activity-state and attempt-state documents."""

import pytest

from translators import activity_state_document, attempt_state_document


@pytest.mark.parametrize(
    ("attempts", "current", "expected"),
    [
        pytest.param([], "urn:a1", ["urn:a1"], id="first-attempt"),
        pytest.param(["urn:a1"], "urn:a2", ["urn:a1", "urn:a2"], id="appended-last"),
        pytest.param(["urn:a1", "urn:a2"], "urn:a1", ["urn:a1", "urn:a2"], id="resumed-not-duplicated"),
        pytest.param(["urn:a1", "urn:a1"], None, ["urn:a1"], id="duplicates-dropped"),
    ],
)
def test_activity_state_document_lists_attempts_first_to_latest(
    attempts: list[str], current: str | None, expected: list[str]
) -> None:
    assert activity_state_document(attempts, current) == {"attempts": expected}


def test_attempt_state_document_for_2004() -> None:
    cmi = {
        "cmi.credit": "no-credit",
        "cmi.mode": "review",
        "cmi.location": "page-7",
        "cmi.total_time": "PT99H",  # the content's claim is not used
        "cmi.learner_preference.audio_level": "1.5",
        "cmi.learner_preference.language": "fr-CA",
        "cmi.learner_preference.delivery_speed": "0.5",
        "cmi.learner_preference.audio_captioning": "1",
        "cmi.comments_from_lms.0.comment": "{lang=en}Welcome",
        "cmi.comments_from_lms.0.location": "intro",
        "cmi.comments_from_lms.0.timestamp": "2024-05-01T10:00:00Z",
        "cmi.comments_from_learner.0.comment": "not an LMS comment",
    }
    assert attempt_state_document("2004", cmi, total_time_s=754.5) == {
        "comments_from_lms": [
            {"comment": "Welcome", "location": "intro", "timestamp": "2024-05-01T10:00:00Z"}
        ],
        "credit": "no-credit",
        "mode": "review",
        "location": "page-7",
        "preferences": {
            "audio_level": 1.5,
            "delivery_speed": 0.5,
            "language": "fr-CA",
            "audio_captioning": 1,
        },
        "total_time": "PT12M34.5S",
    }


def test_attempt_state_document_for_12_maps_preferences() -> None:
    cmi = {
        "cmi.core.credit": "credit",
        "cmi.core.lesson_mode": "normal",
        "cmi.core.lesson_location": "p2",
        "cmi.comments_from_lms": "Hi",
        "cmi.student_preference.audio": "-1",
        "cmi.student_preference.speed": "50",
        "cmi.student_preference.language": "english",  # not an RFC 5646 tag: left out
        "cmi.student_preference.text": "0",
    }
    assert attempt_state_document("1.2", cmi) == {
        "comments_from_lms": [{"comment": "Hi"}],
        "credit": "credit",
        "mode": "normal",
        "location": "p2",
        "preferences": {"audio_level": 0.0, "delivery_speed": 1.5, "audio_captioning": 0},
    }


def test_attempt_state_document_of_nothing_is_empty() -> None:
    assert attempt_state_document("2004", {}) == {}
