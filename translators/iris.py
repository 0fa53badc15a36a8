"""The IRIs lrs-bridge mints and the ones it borrows from ADL, the SCORM profile and cmi5."""

from urllib.parse import quote, unquote

SCORM_PROFILE_IRI = "https://w3id.org/xapi/scorm"
# cmi5's session id extension (cmi5 9.6.3.1): a registered IRI whose meaning, "the launch session this
# statement belongs to", is exactly ours, so reports and other tools already know it.
SESSION_EXTENSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
# cmi5 9.7.2.1: progress as an integer percentage, sent next to the profile's result.score.scaled.
PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"

# xAPI SCORM profile, Appendix "xAPI SCORM Data Objects".
ACTIVITY_STATE_ID = "https://w3id.org/xapi/scorm/activity-state"
ATTEMPT_STATE_ID = "https://w3id.org/xapi/scorm/attempt-state"
SUSPEND_DATA_STATE_ID = "https://w3id.org/xapi/scorm/types/adl-suspend-data"
ACTIVITY_PROFILE_ID = "https://w3id.org/xapi/scorm/activity-profile"
AGENT_PROFILE_ID = "https://w3id.org/xapi/scorm/agent-profile"

VERBS = "http://adlnet.gov/expapi/verbs/"
ACTIVITY_TYPES = "http://adlnet.gov/expapi/activities/"
LESSON_TYPE = ACTIVITY_TYPES + "lesson"
COURSE_TYPE = ACTIVITY_TYPES + "course"
ATTEMPT_TYPE = ACTIVITY_TYPES + "attempt"
OBJECTIVE_TYPE = ACTIVITY_TYPES + "objective"
INTERACTION_TYPE = ACTIVITY_TYPES + "cmi.interaction"
PROFILE_TYPE = ACTIVITY_TYPES + "profile"


def _segment(value: str) -> str:
    """One percent-encoded path segment (a "/" in an id must not add a level)."""
    return quote(value, safe="")


def course_iri(base: str, course_id: str) -> str:
    """The course activity IRI: {base}/courses/{course_id}."""
    return f"{base.rstrip('/')}/courses/{_segment(course_id)}"


def sco_iri(base: str, course_id: str, sco_id: str) -> str:
    """The SCO activity IRI: {base}/courses/{course_id}/scos/{sco_id}."""
    return f"{course_iri(base, course_id)}/scos/{_segment(sco_id)}"


def attempt_iri(base: str, course_id: str, attempt_id: str) -> str:
    """The attempt activity IRI: {base}/courses/{course_id}/attempts/{attempt_id}."""
    return f"{course_iri(base, course_id)}/attempts/{_segment(attempt_id)}"


def interaction_iri(sco: str, interaction_id: str) -> str:
    """An interaction activity IRI under its SCO (profile 6.0 Interactions: <sco>/interaction/<id>)."""
    return f"{sco}/interaction/{_segment(interaction_id)}"


def objective_iri(sco: str, objective_id: str) -> str:
    """A local objective activity IRI under its SCO (profile 6.0 Objectives: <sco>/objective/<id>)."""
    return f"{sco}/objective/{_segment(objective_id)}"


def course_id_from_iri(base: str, iri: str) -> str | None:
    """The course id in an IRI built by course_iri() or below it; None for other IRIs."""
    prefix = f"{base.rstrip('/')}/courses/"
    if not iri.startswith(prefix):
        return None
    segment = iri[len(prefix) :].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return unquote(segment) if segment else None
