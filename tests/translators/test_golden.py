"""Golden tests: tests/cases/<name>.json holds a commit's context, CMI before and after, and its statements.

Regenerate after a deliberate change with LRS_UPDATE_GOLDEN=1 and review the diff before committing.
"""

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from lrs.xapi.validation import validate_statement
from translators import CommitContext, state_from_cmi, statements_for_commit

CASES = Path(__file__).resolve().parents[1] / "cases"
UPDATE = os.environ.get("LRS_UPDATE_GOLDEN") == "1"


def load_case(path: Path) -> dict[str, Any]:
    """One golden case file."""
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return case


def context_of(case: dict[str, Any]) -> CommitContext:
    """The CommitContext a golden case describes."""
    fields = dict(case["context"])
    fields["timestamp"] = datetime.fromisoformat(fields["timestamp"].replace("Z", "+00:00"))
    return CommitContext(version=case["version"], **fields)


def produce(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements the translators make for a golden case."""
    version = case["version"]
    before = state_from_cmi(version, case["before_cmi"])
    after = state_from_cmi(version, case["after_cmi"])
    return statements_for_commit(context_of(case), before, after)


CASE_FILES = sorted(CASES.glob("*.json"))


def test_golden_cases_exist() -> None:
    assert len(CASE_FILES) >= 9


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_statements_for_commit_matches_golden_file(path: Path) -> None:
    case = load_case(path)
    statements = json.loads(json.dumps(produce(case)))  # what the wire would carry
    if UPDATE:
        case["statements"] = statements
        path.write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert statements == case["statements"]


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_statements_for_commit_is_deterministic_with_distinct_ids(path: Path) -> None:
    case = load_case(path)
    first, second = produce(case), produce(case)
    assert first == second
    ids = [s["id"] for s in first]
    assert len(set(ids)) == len(ids)
    assert all(i == i.lower() and len(i) == 36 for i in ids)


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_golden_statements_pass_the_lrs_xapi_validator(path: Path) -> None:
    # The tests may use lrs; the translators never do. This keeps both sides honest about xAPI 1.0.3.
    for statement in load_case(path)["statements"]:
        validate_statement(statement, "1.0.3")
