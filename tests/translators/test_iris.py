"""Tests for translators.iris: course, SCO and attempt IRIs and reading the course id back."""

import pytest

from translators import attempt_iri, course_id_from_iri, course_iri, sco_iri

BASE = "https://lms.example.com/xapi"


@pytest.mark.parametrize(
    ("iri", "expected"),
    [
        pytest.param(course_iri(BASE, "physics-101"), f"{BASE}/courses/physics-101", id="course"),
        pytest.param(course_iri(BASE + "/", "c1"), f"{BASE}/courses/c1", id="trailing-slash-base"),
        pytest.param(course_iri(BASE, "a b/c"), f"{BASE}/courses/a%20b%2Fc", id="course-id-escaped"),
        pytest.param(sco_iri(BASE, "c1", "sco/1"), f"{BASE}/courses/c1/scos/sco%2F1", id="sco"),
        pytest.param(attempt_iri(BASE, "c1", "a-1"), f"{BASE}/courses/c1/attempts/a-1", id="attempt"),
    ],
)
def test_iris_are_built_under_the_course(iri: str, expected: str) -> None:
    assert iri == expected


@pytest.mark.parametrize(
    "course_id",
    ["physics-101", "a b/c", "ünï", "x?y#z", "100%"],
    ids=["plain", "slash", "unicode", "query", "pct"],
)
def test_course_id_round_trips_from_every_iri(course_id: str) -> None:
    for iri in (
        course_iri(BASE, course_id),
        sco_iri(BASE, course_id, "s/1"),
        attempt_iri(BASE, course_id, "a1"),
        sco_iri(BASE, course_id, "s1") + "/interaction/q1",
    ):
        assert course_id_from_iri(BASE, iri) == course_id


@pytest.mark.parametrize(
    "iri",
    [
        pytest.param("https://other.example.com/xapi/courses/c1", id="other-base"),
        pytest.param(f"{BASE}/courses/", id="no-id"),
        pytest.param(f"{BASE}/people/u1", id="not-a-course"),
    ],
)
def test_course_id_from_foreign_iri_is_none(iri: str) -> None:
    assert course_id_from_iri(BASE, iri) is None
