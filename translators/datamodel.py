"""The SCORM 1.2 and 2004 (4th ed) run-time data models, and validation of a commit's CMI map."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from translators import checks as c
from translators.durations import MAX_DURATION_S, parse_session_time
from translators.vocab import (
    COMPLETION_STATUS,
    INTERACTION_TYPES_12,
    INTERACTION_TYPES_2004,
    LESSON_STATUS_12,
    SUCCESS_STATUS,
    TIME_LIMIT_ACTIONS,
    ScormVersion,
)

# Largest magnitude of an open CMI decimal unless told otherwise (the service passes LRS_MAX_CMI_NUMBER).
MAX_NUMBER = 1e15

# SCORM 1.2 RTE 3.4: element templates, "n" standing for an index.
ELEMENTS_12: dict[str, c.Check] = {
    "cmi.core.student_id": c.identifier_12,
    "cmi.core.student_name": c.string(255),
    "cmi.core.lesson_location": c.string(255),
    "cmi.core.credit": c.vocabulary("credit", "no-credit"),
    "cmi.core.lesson_status": c.vocabulary(*LESSON_STATUS_12),
    "cmi.core.entry": c.vocabulary("ab-initio", "resume", ""),
    "cmi.core.score.raw": c.decimal(0, 100, blank=True),
    "cmi.core.score.min": c.decimal(0, 100, blank=True),
    "cmi.core.score.max": c.decimal(0, 100, blank=True),
    "cmi.core.total_time": c.timespan_12,
    "cmi.core.lesson_mode": c.vocabulary("browse", "normal", "review"),
    "cmi.core.exit": c.vocabulary("time-out", "suspend", "logout", ""),
    "cmi.core.session_time": c.timespan_12,
    "cmi.suspend_data": c.string(4096),
    "cmi.launch_data": c.string(4096),
    "cmi.comments": c.string(4096),
    "cmi.comments_from_lms": c.string(4096),
    "cmi.objectives.n.id": c.identifier_12,
    "cmi.objectives.n.score.raw": c.decimal(0, 100, blank=True),
    "cmi.objectives.n.score.min": c.decimal(0, 100, blank=True),
    "cmi.objectives.n.score.max": c.decimal(0, 100, blank=True),
    "cmi.objectives.n.status": c.vocabulary(*LESSON_STATUS_12),
    "cmi.student_data.mastery_score": c.decimal(0, 100, blank=True),
    "cmi.student_data.max_time_allowed": c.timespan_12,
    "cmi.student_data.time_limit_action": c.vocabulary(*TIME_LIMIT_ACTIONS),
    "cmi.student_preference.audio": c.integer(-1, 100),
    "cmi.student_preference.language": c.string(255),
    "cmi.student_preference.speed": c.integer(-100, 100),
    "cmi.student_preference.text": c.integer(-1, 1),
    "cmi.interactions.n.id": c.identifier_12,
    "cmi.interactions.n.objectives.n.id": c.identifier_12,
    "cmi.interactions.n.time": c.time_12,
    "cmi.interactions.n.type": c.vocabulary(*INTERACTION_TYPES_12),
    "cmi.interactions.n.correct_responses.n.pattern": c.feedback_12,
    "cmi.interactions.n.weighting": c.decimal(blank=True),
    "cmi.interactions.n.student_response": c.feedback_12,
    "cmi.interactions.n.result": c.result_12,
    "cmi.interactions.n.latency": c.timespan_12,
}

# SCORM 2004 4th ed RTE 4.2. Reals, times and intervals that start uninitialised may be sent as "" (not set).
_REAL = c.decimal(blank=True)
_SCALED = c.decimal(-1, 1, blank=True)
_UNIT = c.decimal(0, 1, blank=True)
ELEMENTS_2004: dict[str, c.Check] = {
    "cmi.comments_from_learner.n.comment": c.localized(4000),
    "cmi.comments_from_learner.n.location": c.string(250),
    "cmi.comments_from_learner.n.timestamp": c.time_2004,
    "cmi.comments_from_lms.n.comment": c.localized(4000),
    "cmi.comments_from_lms.n.location": c.string(250),
    "cmi.comments_from_lms.n.timestamp": c.time_2004,
    "cmi.completion_status": c.vocabulary(*COMPLETION_STATUS),
    "cmi.completion_threshold": _UNIT,
    "cmi.credit": c.vocabulary("credit", "no-credit"),
    "cmi.entry": c.vocabulary("ab-initio", "resume", ""),
    "cmi.exit": c.vocabulary("time-out", "suspend", "logout", "normal", ""),
    "cmi.interactions.n.id": c.long_identifier,
    "cmi.interactions.n.type": c.vocabulary(*INTERACTION_TYPES_2004, ""),
    "cmi.interactions.n.objectives.n.id": c.long_identifier,
    "cmi.interactions.n.timestamp": c.time_2004,
    "cmi.interactions.n.correct_responses.n.pattern": c.string(7800),
    "cmi.interactions.n.weighting": _REAL,
    "cmi.interactions.n.learner_response": c.string(7800),
    "cmi.interactions.n.result": c.result_2004,
    "cmi.interactions.n.latency": c.interval_2004,
    "cmi.interactions.n.description": c.localized(250),
    "cmi.launch_data": c.string(4000),
    "cmi.learner_id": c.long_identifier,
    "cmi.learner_name": c.localized(250),
    "cmi.learner_preference.audio_level": c.decimal(0, None),
    "cmi.learner_preference.language": c.string(250),
    "cmi.learner_preference.delivery_speed": c.decimal(0, None),
    "cmi.learner_preference.audio_captioning": c.vocabulary("-1", "0", "1"),
    "cmi.location": c.string(1000),
    "cmi.max_time_allowed": c.interval_2004,
    "cmi.mode": c.vocabulary("browse", "normal", "review"),
    "cmi.objectives.n.id": c.long_identifier,
    "cmi.objectives.n.score.scaled": _SCALED,
    "cmi.objectives.n.score.raw": _REAL,
    "cmi.objectives.n.score.min": _REAL,
    "cmi.objectives.n.score.max": _REAL,
    "cmi.objectives.n.success_status": c.vocabulary(*SUCCESS_STATUS),
    "cmi.objectives.n.completion_status": c.vocabulary(*COMPLETION_STATUS),
    "cmi.objectives.n.progress_measure": _UNIT,
    "cmi.objectives.n.description": c.localized(250),
    "cmi.progress_measure": _UNIT,
    "cmi.scaled_passing_score": _SCALED,
    "cmi.score.scaled": _SCALED,
    "cmi.score.raw": _REAL,
    "cmi.score.min": _REAL,
    "cmi.score.max": _REAL,
    "cmi.session_time": c.interval_2004,
    "cmi.success_status": c.vocabulary(*SUCCESS_STATUS),
    "cmi.suspend_data": c.string(64000),
    "cmi.time_limit_action": c.vocabulary(*TIME_LIMIT_ACTIONS),
    "cmi.total_time": c.interval_2004,
    # SCORM 2004 4th ed SN 4.x navigation requests and the ADL shared data stores.
    "adl.nav.request": c.string(4000),
    "adl.data.n.id": c.long_identifier,
    "adl.data.n.store": c.string(64000),
}
_NAV_REQUEST_VALID = re.compile(
    r"adl\.nav\.request_valid\.(continue|previous|(choice|jump)\.\{target=[^}]+\})"
)

ELEMENTS: dict[ScormVersion, dict[str, c.Check]] = {"1.2": ELEMENTS_12, "2004": ELEMENTS_2004}
KEYWORDS = ("_count", "_children", "_version")
# Elements whose next name segment is an index.
COLLECTIONS = (
    "interactions",
    "objectives",
    "correct_responses",
    "comments_from_learner",
    "comments_from_lms",
)
INDEX = re.compile(r"0|[1-9]\d*")


# Elements that describe one session, not the attempt (SCORM 2004 RTE 4.2.8, 4.2.10, 4.2.23; 1.2 RTE
# 3.4.4): the write-only exit and session time, and the entry the LMS set when the session began. A new
# session must not inherit them, or its terminate would report the previous session's exit and time.
SESSION_ELEMENTS: dict[ScormVersion, tuple[str, ...]] = {
    "1.2": ("cmi.core.session_time", "cmi.core.exit", "cmi.core.entry"),
    "2004": ("cmi.session_time", "cmi.exit", "cmi.entry", "adl.nav.request"),
}


def without_session_elements(version: ScormVersion, cmi: Mapping[str, str]) -> dict[str, str]:
    """An attempt's CMI map as a new session starts from it: the previous session's own elements removed."""
    dropped = SESSION_ELEMENTS[version]
    return {element: value for element, value in cmi.items() if element not in dropped}


# the duration types (session_time, total_time, latency, max_time_allowed), bounded by validate_cmi
_DURATION_CHECKS = (c.timespan_12, c.interval_2004)


@dataclass(frozen=True)
class CmiBounds:
    """Bounds past the data model's own: the longest duration and the largest magnitude of an open
    decimal (a score of 1e308 is a valid real, but two of them overflow an average)."""

    max_duration_s: float = MAX_DURATION_S
    max_number: float = MAX_NUMBER


@dataclass(frozen=True)
class CmiProblem:
    """One bad element of a commit: its name, its value and why it is wrong."""

    element: str
    value: str
    reason: str


# Launchers send the same element names commit after commit: templating them once per name (a regex per
# index) keeps validation out of the profile. Bounded, so made-up names cannot grow it without limit.
@lru_cache(maxsize=65536)
def element_template(element: str) -> tuple[str, str | None]:
    """The element name with every index replaced by "n", and the reason an index is bad (or None)."""
    parts = element.split(".")
    for position in range(1, len(parts)):
        previous = parts[position - 1]
        is_collection = previous in COLLECTIONS or (previous == "data" and parts[0] == "adl")
        if is_collection and parts[position] not in KEYWORDS:
            if not INDEX.fullmatch(parts[position]):
                return element, f"index {parts[position]!r} must be a non-negative integer"
            parts[position] = "n"
    return ".".join(parts), None


def _problem(version: ScormVersion, element: str, value: str, bounds: CmiBounds) -> str | None:
    """Why one element is bad, or None when it is fine."""
    if not isinstance(value, str):
        return "must be a string"
    template, index_problem = element_template(element)
    if index_problem:
        return index_problem
    if template.rsplit(".", 1)[-1] in KEYWORDS:
        return None
    check = ELEMENTS[version].get(template)
    if check is None:
        if version == "2004" and _NAV_REQUEST_VALID.fullmatch(element):
            return None
        return f"not an element of the SCORM {version} data model"
    reason = check(value)
    if reason is not None or value == "":
        return reason
    if check in _DURATION_CHECKS and parse_session_time(version, value) > bounds.max_duration_s:
        return f"longer than the maximum duration of {bounds.max_duration_s:g} seconds"
    if check in c.UNBOUNDED_DECIMALS and abs(float(value)) > bounds.max_number:
        return f"must be within [-{bounds.max_number:g}, {bounds.max_number:g}]"
    return None


def validate_cmi(
    version: ScormVersion, cmi: Mapping[str, str], bounds: CmiBounds = CmiBounds()
) -> list[CmiProblem]:
    """Every problem in a commit's CMI map against that version's data model and `bounds`; [] when valid."""
    if version not in ELEMENTS:
        raise ValueError(f"unknown SCORM version {version!r}")
    problems = []
    for element, value in cmi.items():
        reason = _problem(version, element, value, bounds)
        if reason:
            problems.append(CmiProblem(element, value if isinstance(value, str) else repr(value), reason))
    return problems
