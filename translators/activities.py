"""The xAPI activity objects a commit's statements refer to (xAPI SCORM profile 3.2 and 6.0)."""

from typing import Any

from translators.checks import split_lang
from translators.iris import (
    ATTEMPT_TYPE,
    COURSE_TYPE,
    INTERACTION_TYPE,
    LESSON_TYPE,
    OBJECTIVE_TYPE,
    PROFILE_TYPE,
    SCORM_PROFILE_IRI,
    interaction_iri,
    objective_iri,
)
from translators.responses import interaction_components
from translators.state import Interaction

# xAPI 1.0.3 Data 2.4.4.1 interactionType vocabulary.
XAPI_INTERACTION_TYPES = (
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
)


def activity(iri: str, kind: str, name: str, description: str | None = None) -> dict[str, Any]:
    """An activity with a definition holding an en-US name (or the {lang=xx} of a description) and a type."""
    definition: dict[str, Any] = {"name": {"en-US": name}}
    if description:
        lang, text = split_lang(description)
        definition["description"] = {lang or "en-US": text}
    definition["type"] = kind
    return {"objectType": "Activity", "id": iri, "definition": definition}


def profile_activity() -> dict[str, Any]:
    """The xAPI SCORM profile activity every statement lists in context.contextActivities.category."""
    return {"id": SCORM_PROFILE_IRI, "definition": {"type": PROFILE_TYPE}}


def sco_activity(iri: str, title: str) -> dict[str, Any]:
    """The SCO: a lesson activity."""
    return activity(iri, LESSON_TYPE, title)


def course_activity(iri: str, title: str) -> dict[str, Any]:
    """The course the SCO belongs to."""
    return activity(iri, COURSE_TYPE, title)


def attempt_activity(iri: str, number: int, sco_title: str) -> dict[str, Any]:
    """One attempt on the SCO; the profile defines no attempt extensions, so its number is in the name."""
    return activity(iri, ATTEMPT_TYPE, f"Attempt {number} of {sco_title}")


def objective_activity(sco_iri: str, objective_id: str, description: str | None = None) -> dict[str, Any]:
    """A local objective of the SCO, named by its id."""
    return activity(objective_iri(sco_iri, objective_id), OBJECTIVE_TYPE, objective_id, description)


def interaction_activity(sco_iri: str, interaction: Interaction) -> dict[str, Any]:
    """An xAPI interaction activity (cmi.interaction) for a SCORM interaction."""
    kind = interaction.type if interaction.type in XAPI_INTERACTION_TYPES else "other"
    result = activity(
        interaction_iri(sco_iri, interaction.id), INTERACTION_TYPE, interaction.id, interaction.description
    )
    definition = result["definition"]
    definition["interactionType"] = kind
    if interaction.correct_responses:
        definition["correctResponsesPattern"] = list(interaction.correct_responses)
    components = interaction_components(kind, interaction.correct_responses, interaction.learner_response)
    definition.update({name: ids for name, ids in components.items() if ids})
    return result
