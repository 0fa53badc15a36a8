"""Course rollup: an organization's status from its SCOs' (pure; SCORM 2004 SN 4.6, the common subset).

Supported (README "Course rollup"):
- which children count: SCO items; assets and clusters without SCOs count for nothing; an item with
  `rollupObjectiveSatisfied="false"` is left out of its parent's success, one with
  `rollupProgressCompletion="false"` out of its parent's completion;
- measure: the weighted mean of the counted children's measures (`objectiveMeasureWeight`, default
  1; a child without a measure counts as 0 while some child has one);
- success and completion: an item's own `rollupRule`s when it has any for that kind, else the
  defaults: not satisfied when every counted child's success is known, satisfied when every counted
  child is satisfied (evaluated after, so it wins); incomplete when every counted child is attempted,
  completed when every counted child is completed;
- rule child sets all, any, none, atLeastCount, atLeastPercent; conditions satisfied,
  objectiveStatusKnown, objectiveMeasureKnown, completed, activityProgressKnown, attempted, each
  with `operator="not"`, combined by `conditionCombination` any/all; other conditions never hold.
Clusters roll up recursively, so nested organizations work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from translators import state_from_cmi


@dataclass(frozen=True)
class Status:
    """An activity's tracked outcome."""

    completion: str  # completed | incomplete | unknown
    success: str  # passed | failed | unknown
    measure: float | None
    attempted: bool


UNKNOWN = Status("unknown", "unknown", None, False)


def sco_status(version: str, cmi: Mapping[str, str]) -> Status:
    """A SCO's status from its own outcome elements (any stored record means it was attempted)."""
    state = state_from_cmi(version, dict(cmi))  # type: ignore[arg-type]
    completion = {"completed": "completed", "not attempted": "unknown"}.get(state.completion, "incomplete")
    success = state.success if state.success in ("passed", "failed") else "unknown"
    measure = state.score_scaled
    if measure is None and state.score_raw is not None:
        low = state.score_min if state.score_min is not None else 0.0
        high = state.score_max if state.score_max is not None else 100.0
        measure = (state.score_raw - low) / (high - low) if high > low else None
    return Status(completion, success, measure, True)


def _holds(condition: str, status: Status) -> bool:
    return {
        "satisfied": status.success == "passed",
        "objectiveStatusKnown": status.success != "unknown",
        "objectiveMeasureKnown": status.measure is not None,
        "completed": status.completion == "completed",
        "activityProgressKnown": status.completion != "unknown",
        "attempted": status.attempted,
    }.get(condition, False)


def _rule_applies(rule: Mapping[str, Any], children: list[Status]) -> bool:
    def child_meets(status: Status) -> bool:
        results = [_holds(cond, status) != negated for cond, negated in rule["conditions"]]
        if not results:
            return True
        return all(results) if rule["combination"] == "all" else any(results)

    met = sum(1 for child in children if child_meets(child))
    count = len(children)
    if not count:
        return False
    return {
        "all": met == count,
        "any": met > 0,
        "none": met == 0,
        "atLeastCount": met >= int(rule.get("minimum_count") or 0),
        "atLeastPercent": met * 100 >= float(rule.get("minimum_percent") or 0) * count,
    }.get(rule["child_set"], False)


def _evaluate(rules: list[Any], children: list[Status], negative: str, positive: str) -> str | None:
    """The action that applies: `negative` rules first, then `positive` ones (which win)."""
    outcome = None
    for action in (negative, positive):
        if any(r["action"] == action and _rule_applies(r, children) for r in rules):
            outcome = action
    return outcome


def _default(kind: str) -> list[Any]:
    if kind == "success":
        known = {
            "child_set": "all",
            "conditions": [["objectiveStatusKnown", False]],
            "action": "notSatisfied",
        }
        satisfied = {"child_set": "all", "conditions": [["satisfied", False]], "action": "satisfied"}
        return [known | {"combination": "any"}, satisfied | {"combination": "any"}]
    attempted = {"child_set": "all", "conditions": [["attempted", False]], "action": "incomplete"}
    completed = {"child_set": "all", "conditions": [["completed", False]], "action": "completed"}
    return [attempted | {"combination": "any"}, completed | {"combination": "any"}]


def roll_up(item: Mapping[str, Any], statuses: Mapping[str, Status]) -> Status | None:
    """The status of an item (an organization or a cluster) from its SCOs; None when it has no SCO."""
    if item.get("sco"):
        return statuses.get(item["sco"], UNKNOWN)
    rollup = item.get("rollup") or {}
    rules = list(rollup.get("rules") or [])
    rolled = [(child, roll_up(child, statuses)) for child in item.get("children") or []]
    tracked = [(child, status) for child, status in rolled if status is not None]
    if not tracked:
        return None

    def counts(child: Mapping[str, Any], flag: str) -> bool:
        return bool((child.get("rollup") or {}).get(flag, True))

    for_success = [s for c, s in tracked if counts(c, "objective_satisfied")]
    for_completion = [s for c, s in tracked if counts(c, "progress_completion")]
    success_rules = [r for r in rules if r["action"] in ("satisfied", "notSatisfied")] or _default("success")
    completion_rules = [r for r in rules if r["action"] in ("completed", "incomplete")] or _default(
        "completion"
    )
    success = {"satisfied": "passed", "notSatisfied": "failed", None: "unknown"}[
        _evaluate(success_rules, for_success, "notSatisfied", "satisfied")
    ]
    attempted = any(s.attempted for _, s in tracked)
    completion = _evaluate(completion_rules, for_completion, "incomplete", "completed") or (
        "incomplete" if attempted else "unknown"
    )
    weights = [(float((c.get("rollup") or {}).get("measure_weight", 1.0)), s.measure) for c, s in tracked]
    total = sum(w for w, _ in weights if w > 0)
    known = [(w, m) for w, m in weights if w > 0 and m is not None]
    measure = sum(w * m for w, m in known) / total if known and total else None
    return Status(completion, success, measure, attempted)


def course_status(status: Status) -> str:
    """The enrollment status of a rolled-up course (the enrollments' rule: passed > completed and
    not failed > failed > in progress)."""
    if status.success == "passed":
        return "passed"
    if status.completion == "completed" and status.success != "failed":
        return "completed"
    if status.success == "failed":
        return "failed"
    return "in progress"


def count_scos(item: Mapping[str, Any]) -> int:
    """How many SCO items an organization holds."""
    return (1 if item.get("sco") else 0) + sum(count_scos(c) for c in item.get("children") or [])
