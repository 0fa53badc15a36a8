"""Tests for translators.responses: SCORM learner responses and patterns in xAPI interaction format."""

import pytest

from translators import normalise_pattern, normalise_response
from translators.responses import interaction_components


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        pytest.param("true-false", "t", "true", id="true-false-t"),
        pytest.param("true-false", "f", "false", id="true-false-f"),
        pytest.param("true-false", "1", "true", id="true-false-1"),
        pytest.param("true-false", "0", "false", id="true-false-0"),
        pytest.param("true-false", "True", "true", id="true-false-word-first-char-counts"),
        pytest.param("choice", "a", "a", id="choice-single"),
        pytest.param("choice", "a,b", "a[,]b", id="choice-multiple"),
        pytest.param("choice", "{a,c}", "a[,]c", id="choice-braced-set"),
        pytest.param("choice", "a, b", "a[,]b", id="choice-spaces"),
        pytest.param("fill-in", "Paris", "Paris", id="fill-in"),
        pytest.param("matching", "1.a,2.b", "1[.]a[,]2[.]b", id="matching"),
        pytest.param("matching", "{1.c,2.a}", "1[.]c[,]2[.]a", id="matching-braced"),
        pytest.param("sequencing", "c,a,b", "c[,]a[,]b", id="sequencing"),
        pytest.param("likert", "3", "3", id="likert"),
        pytest.param("numeric", "42.5", "42.5", id="numeric"),
        pytest.param("performance", "step one done", "step one done", id="performance-opaque"),
        pytest.param(None, "a,b", "a,b", id="unknown-type-verbatim"),
    ],
)
def test_normalise_response_converts_scorm_12_formats(kind: str | None, value: str, expected: str) -> None:
    assert normalise_response("1.2", kind, value) == expected


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        pytest.param("true-false", "true", "true", id="true-false"),
        pytest.param("true-false", "FALSE", "false", id="true-false-lowercased"),
        pytest.param("choice", "a[,]b", "a[,]b", id="choice"),
        pytest.param("fill-in", "{lang=en}Paris[,]{lang=fr}Lyon", "Paris[,]Lyon", id="fill-in-lang-dropped"),
        pytest.param("fill-in", "Paris", "Paris", id="fill-in-plain"),
        pytest.param("long-fill-in", "{lang=en}A long answer.", "A long answer.", id="long-fill-in"),
        pytest.param("matching", "1[.]a[,]2[.]b", "1[.]a[,]2[.]b", id="matching"),
        pytest.param("performance", "s1[.]5[,][.]done", "s1[.]5[,][.]done", id="performance"),
        pytest.param("sequencing", "c[,]a[,]b", "c[,]a[,]b", id="sequencing"),
        pytest.param("likert", "likert_3", "likert_3", id="likert"),
        pytest.param("numeric", "3.14", "3.14", id="numeric"),
        pytest.param("other", "anything, really", "anything, really", id="other"),
    ],
)
def test_normalise_response_keeps_scorm_2004_formats(kind: str, value: str, expected: str) -> None:
    assert normalise_response("2004", kind, value) == expected


@pytest.mark.parametrize(
    ("version", "kind", "value", "expected"),
    [
        pytest.param("1.2", "true-false", "1", "true", id="1.2-true-false"),
        pytest.param("1.2", "choice", "{a,b}", "a[,]b", id="1.2-choice-set"),
        pytest.param("1.2", "matching", "1.a,2.b", "1[.]a[,]2[.]b", id="1.2-matching"),
        pytest.param("1.2", "sequencing", "a,b,c", "a[,]b[,]c", id="1.2-sequencing"),
        pytest.param("1.2", "numeric", "10", "10", id="1.2-numeric"),
        pytest.param(
            "2004",
            "fill-in",
            "{case_matters=true}{order_matters=false}{lang=en}Paris[,]Lyon",
            "{case_matters=true}{order_matters=false}{lang=en}Paris[,]Lyon",
            id="2004-fill-in-flags-kept",
        ),
        pytest.param("2004", "numeric", "1[:]5", "1[:]5", id="2004-numeric-range"),
        pytest.param(
            "2004",
            "performance",
            "{order_matters=false}s1[.]1[:]5",
            "{order_matters=false}s1[.]1[:]5",
            id="perf",
        ),
        pytest.param("2004", "true-false", "True", "true", id="2004-true-false"),
    ],
)
def test_normalise_pattern(version: str, kind: str, value: str, expected: str) -> None:
    assert normalise_pattern(version, kind, value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "patterns", "response", "expected"),
    [
        pytest.param(
            "choice", ["a[,]b"], "c", {"choices": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}, id="choice"
        ),
        pytest.param(
            "sequencing", ["b[,]a"], "a[,]b", {"choices": [{"id": "b"}, {"id": "a"}]}, id="sequencing"
        ),
        pytest.param(
            "likert",
            ["likert_3"],
            "likert_1",
            {"scale": [{"id": "likert_3"}, {"id": "likert_1"}]},
            id="likert",
        ),
        pytest.param(
            "matching",
            ["1[.]a[,]2[.]b"],
            "1[.]b",
            {"source": [{"id": "1"}, {"id": "2"}], "target": [{"id": "a"}, {"id": "b"}]},
            id="matching",
        ),
        pytest.param(
            "performance",
            ["{order_matters=false}s1[.]1[:]5[,]s2[.]x"],
            None,
            {"steps": [{"id": "s1"}, {"id": "s2"}]},
            id="performance-flags-skipped",
        ),
        pytest.param("fill-in", ["Paris"], "Paris", {}, id="fill-in-has-none"),
        pytest.param("numeric", ["1[:]5"], "3", {}, id="numeric-has-none"),
    ],
)
def test_interaction_components_lists_derivable_ids(
    kind: str, patterns: list[str], response: str | None, expected: dict[str, list[dict[str, str]]]
) -> None:
    assert interaction_components(kind, patterns, response) == expected
