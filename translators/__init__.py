"""SCORM commits -> version-neutral attempt state -> xAPI statements; pure and synchronous, no I/O."""

from translators.datamodel import (
    SESSION_ELEMENTS,
    CmiBounds,
    CmiProblem,
    validate_cmi,
    without_session_elements,
)
from translators.documents import activity_state_document, attempt_state_document
from translators.durations import (
    format_iso_duration,
    parse_cmi_timespan,
    parse_iso_duration,
    parse_session_time,
)
from translators.iris import (
    ACTIVITY_STATE_ID,
    ATTEMPT_STATE_ID,
    PROGRESS_EXTENSION,
    SCORM_PROFILE_IRI,
    SESSION_EXTENSION,
    SUSPEND_DATA_STATE_ID,
    attempt_iri,
    course_id_from_iri,
    course_iri,
    sco_iri,
)
from translators.responses import normalise_pattern, normalise_response
from translators.state import EMPTY_STATE, AttemptState, Comment, Interaction, Objective, state_from_cmi
from translators.statements import CommitContext, statements_for_commit
from translators.vocab import Event, ScormVersion

__all__ = [
    "ACTIVITY_STATE_ID",
    "ATTEMPT_STATE_ID",
    "EMPTY_STATE",
    "PROGRESS_EXTENSION",
    "SCORM_PROFILE_IRI",
    "SESSION_ELEMENTS",
    "SESSION_EXTENSION",
    "SUSPEND_DATA_STATE_ID",
    "AttemptState",
    "CmiBounds",
    "CmiProblem",
    "Comment",
    "CommitContext",
    "Event",
    "Interaction",
    "Objective",
    "ScormVersion",
    "activity_state_document",
    "attempt_iri",
    "attempt_state_document",
    "course_id_from_iri",
    "course_iri",
    "format_iso_duration",
    "normalise_pattern",
    "normalise_response",
    "parse_cmi_timespan",
    "parse_iso_duration",
    "parse_session_time",
    "sco_iri",
    "state_from_cmi",
    "statements_for_commit",
    "validate_cmi",
    "without_session_elements",
]
