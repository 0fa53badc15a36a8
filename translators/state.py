"""A version-neutral view of one attempt's merged CMI tree (SCORM 1.2 RTE 3.4, SCORM 2004 RTE 4.2)."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from translators.checks import is_decimal, split_lang
from translators.datamodel import COLLECTIONS, INDEX
from translators.durations import parse_session_time
from translators.responses import normalise_pattern, normalise_response
from translators.vocab import COMPLETION_STATUS, SUCCESS_STATUS, ScormVersion


@dataclass(frozen=True)
class Interaction:
    """One cmi.interactions.n entry, its responses already in xAPI format."""

    id: str
    type: str | None = None
    description: str | None = None
    learner_response: str | None = None
    correct_responses: list[str] = field(default_factory=list)
    result: str | None = None  # "correct" | "incorrect" | "unanticipated" | "neutral" | a decimal
    latency_s: float | None = None
    weighting: float | None = None
    timestamp: str | None = None
    objective_ids: tuple[str, ...] = ()
    index: int = 0  # n of cmi.interactions.n: the interaction's identity within its attempt


@dataclass(frozen=True)
class Objective:
    """One cmi.objectives.n entry."""

    id: str
    score_raw: float | None = None
    score_min: float | None = None
    score_max: float | None = None
    score_scaled: float | None = None
    success: str = "unknown"
    completion: str = "unknown"
    progress_measure: float | None = None
    description: str | None = None


@dataclass(frozen=True)
class Comment:
    """A comment from the learner (cmi.comments, cmi.comments_from_learner.n) or from the LMS."""

    text: str
    location: str | None = None
    timestamp: str | None = None
    from_lms: bool = False
    index: int = 0  # n of cmi.comments_from_learner.n (2004): the comment's identity within its attempt


@dataclass(frozen=True)
class AttemptState:
    """What one attempt's CMI tree says, independent of the SCORM version."""

    completion: str = "unknown"
    success: str = "unknown"
    score_raw: float | None = None
    score_min: float | None = None
    score_max: float | None = None
    score_scaled: float | None = None
    progress_measure: float | None = None
    location: str | None = None
    suspend_data: str | None = None
    entry: str | None = None
    exit: str | None = None
    session_time_s: float | None = None
    total_time_reported_s: float | None = None
    interactions: tuple[Interaction, ...] = ()
    objectives: tuple[Objective, ...] = ()
    comments: tuple[Comment, ...] = ()


EMPTY_STATE = AttemptState()


# SCORM 1.2 cmi.core.lesson_status -> (completion, success). 1.2 has one status for both; "passed" and
# "failed" are final verdicts, so they also mean the learner finished. "browsed" (viewed in browse mode)
# claims no completion, so it counts as incomplete.
LESSON_STATUS_12: dict[str, tuple[str, str]] = {
    "passed": ("completed", "passed"),
    "failed": ("completed", "failed"),
    "completed": ("completed", "unknown"),
    "incomplete": ("incomplete", "unknown"),
    "browsed": ("incomplete", "unknown"),
    "not attempted": ("not attempted", "unknown"),
}


def _number(cmi: Mapping[str, str], element: str) -> float | None:
    """A decimal element as a float; None when absent, empty or malformed."""
    value = cmi.get(element, "")
    return float(value) if is_decimal(value) else None


def _text(cmi: Mapping[str, str], element: str) -> str | None:
    """A string element; None when absent."""
    return cmi.get(element)


def _seconds(version: ScormVersion, cmi: Mapping[str, str], element: str) -> float | None:
    """A time span element in seconds; None when absent, empty or malformed."""
    value = cmi.get(element, "")
    try:
        return parse_session_time(version, value) if value else None
    except ValueError:
        return None


def _scaled_12(raw: float | None, low: float | None, high: float | None) -> float | None:
    """SCORM 1.2 has no scaled score: (raw - min) / (max - min), min 0 and max 100 by default.

    None when raw lies outside [min, max]: a scaled score derived from an impossible raw would be invented.
    """
    low = 0.0 if low is None else low
    high = 100.0 if high is None else high
    if raw is None or high <= low or not low <= raw <= high:
        return None
    return round((raw - low) / (high - low), 7)


@lru_cache(maxsize=65536)
def _collection_slots(element: str) -> tuple[tuple[str, int], ...]:
    """The (collection prefix, index) pairs one element name sits in ("cmi.interactions.", 0), once per name."""
    parts = element.split(".")
    return tuple(
        (".".join(parts[:position]) + ".", int(parts[position]))
        for position in range(1, len(parts) - 1)
        if parts[position - 1] in COLLECTIONS and INDEX.fullmatch(parts[position])
    )


def _index_map(cmi: Mapping[str, str]) -> dict[str, list[int]]:
    """For every collection prefix ("cmi.interactions.", "cmi.interactions.0.objectives."), its indexes."""
    found: dict[str, set[int]] = {}
    for key in cmi:
        for prefix, index in _collection_slots(key):
            found.setdefault(prefix, set()).add(index)
    return {prefix: sorted(indexes) for prefix, indexes in found.items()}


def _status_12(value: str | None) -> tuple[str, str]:
    """(completion, success) for a SCORM 1.2 lesson_status or objective status."""
    return LESSON_STATUS_12.get(value or "", ("unknown", "unknown"))


def _vocab(value: str | None, words: tuple[str, ...]) -> str:
    """A 2004 status word, "unknown" when absent or not in the vocabulary."""
    return value if value in words else "unknown"


def _interactions(
    version: ScormVersion, cmi: Mapping[str, str], indexes: dict[str, list[int]]
) -> tuple[Interaction, ...]:
    """Interactions in index order; entries without an id are skipped (SCORM requires the id first)."""
    found = []
    response_key = "student_response" if version == "1.2" else "learner_response"
    time_key = "time" if version == "1.2" else "timestamp"
    for n in indexes.get("cmi.interactions.", []):
        p = f"cmi.interactions.{n}."
        if not cmi.get(p + "id"):
            continue
        kind = cmi.get(p + "type") or None
        response = cmi.get(p + response_key)
        patterns = [
            normalise_pattern(version, kind, cmi[f"{p}correct_responses.{m}.pattern"])
            for m in indexes.get(p + "correct_responses.", [])
            if f"{p}correct_responses.{m}.pattern" in cmi
        ]
        result = cmi.get(p + "result") or None
        objectives = tuple(
            cmi[f"{p}objectives.{m}.id"]
            for m in indexes.get(p + "objectives.", [])
            if cmi.get(f"{p}objectives.{m}.id")
        )
        found.append(
            Interaction(
                id=cmi[p + "id"],
                type=kind,
                description=cmi.get(p + "description") or None,
                learner_response=None if response is None else normalise_response(version, kind, response),
                correct_responses=patterns,
                result="incorrect" if result == "wrong" else result,
                latency_s=_seconds(version, cmi, p + "latency"),
                weighting=_number(cmi, p + "weighting"),
                timestamp=cmi.get(p + time_key) or None,
                objective_ids=objectives,
                index=n,
            )
        )
    return tuple(found)


def _objectives(
    version: ScormVersion, cmi: Mapping[str, str], indexes: dict[str, list[int]]
) -> tuple[Objective, ...]:
    """Objectives in index order; entries without an id are skipped."""
    found = []
    for n in indexes.get("cmi.objectives.", []):
        p = f"cmi.objectives.{n}."
        if not cmi.get(p + "id"):
            continue
        raw, low, high = (_number(cmi, p + f"score.{k}") for k in ("raw", "min", "max"))
        if version == "1.2":
            completion, success = _status_12(cmi.get(p + "status"))
            scaled, progress = _scaled_12(raw, low, high), None
        else:
            completion = _vocab(cmi.get(p + "completion_status"), COMPLETION_STATUS)
            success = _vocab(cmi.get(p + "success_status"), SUCCESS_STATUS)
            scaled, progress = _number(cmi, p + "score.scaled"), _number(cmi, p + "progress_measure")
        found.append(
            Objective(
                id=cmi[p + "id"],
                score_raw=raw,
                score_min=low,
                score_max=high,
                score_scaled=scaled,
                success=success,
                completion=completion,
                progress_measure=progress,
                description=cmi.get(p + "description") or None,
            )
        )
    return tuple(found)


def _comments(
    version: ScormVersion, cmi: Mapping[str, str], indexes: dict[str, list[int]]
) -> tuple[Comment, ...]:
    """Learner comments then LMS comments, without {lang=xx}; SCORM 1.2 has one free text of each kind."""
    if version == "1.2":
        found = [Comment(text=cmi["cmi.comments"])] if cmi.get("cmi.comments") else []
        if cmi.get("cmi.comments_from_lms"):
            found.append(Comment(text=cmi["cmi.comments_from_lms"], from_lms=True))
        return tuple(found)
    found = []
    for kind, from_lms in (("comments_from_learner", False), ("comments_from_lms", True)):
        for n in indexes.get(f"cmi.{kind}.", []):
            p = f"cmi.{kind}.{n}."
            if p + "comment" in cmi:
                found.append(
                    Comment(
                        text=split_lang(cmi[p + "comment"])[1],
                        location=cmi.get(p + "location") or None,
                        timestamp=cmi.get(p + "timestamp") or None,
                        from_lms=from_lms,
                        index=n,
                    )
                )
    return tuple(found)


def state_from_cmi(version: ScormVersion, cmi: Mapping[str, str]) -> AttemptState:
    """The attempt state a (merged) CMI map describes; malformed values read as not set."""
    indexes = _index_map(cmi)
    shared = AttemptState(
        suspend_data=_text(cmi, "cmi.suspend_data"),
        interactions=_interactions(version, cmi, indexes),
        objectives=_objectives(version, cmi, indexes),
        comments=_comments(version, cmi, indexes),
    )
    if version == "1.2":
        raw, low, high = (_number(cmi, f"cmi.core.score.{k}") for k in ("raw", "min", "max"))
        completion, success = _status_12(cmi.get("cmi.core.lesson_status"))
        return replace(
            shared,
            completion=completion,
            success=success,
            score_raw=raw,
            score_min=low,
            score_max=high,
            score_scaled=_scaled_12(raw, low, high),
            location=_text(cmi, "cmi.core.lesson_location"),
            entry=_text(cmi, "cmi.core.entry"),
            exit=_text(cmi, "cmi.core.exit"),
            session_time_s=_seconds(version, cmi, "cmi.core.session_time"),
            total_time_reported_s=_seconds(version, cmi, "cmi.core.total_time"),
        )
    return replace(
        shared,
        completion=_vocab(cmi.get("cmi.completion_status"), COMPLETION_STATUS),
        success=_vocab(cmi.get("cmi.success_status"), SUCCESS_STATUS),
        score_raw=_number(cmi, "cmi.score.raw"),
        score_min=_number(cmi, "cmi.score.min"),
        score_max=_number(cmi, "cmi.score.max"),
        score_scaled=_number(cmi, "cmi.score.scaled"),
        progress_measure=_number(cmi, "cmi.progress_measure"),
        location=_text(cmi, "cmi.location"),
        entry=_text(cmi, "cmi.entry"),
        exit=_text(cmi, "cmi.exit"),
        session_time_s=_seconds(version, cmi, "cmi.session_time"),
        total_time_reported_s=_seconds(version, cmi, "cmi.total_time"),
    )
