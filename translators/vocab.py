"""SCORM versions, commit events and the vocabularies both data models share."""

from typing import Literal

ScormVersion = Literal["1.2", "2004"]
Event = Literal["initialize", "commit", "terminate"]

# SCORM 1.2 RTE 3.4.4 cmi.core.lesson_status (also cmi.objectives.n.status).
LESSON_STATUS_12 = ("passed", "completed", "failed", "incomplete", "browsed", "not attempted")
# SCORM 2004 4th ed RTE 4.2.4 and 4.2.22.
COMPLETION_STATUS = ("completed", "incomplete", "not attempted", "unknown")
SUCCESS_STATUS = ("passed", "failed", "unknown")

INTERACTION_TYPES_12 = (
    "true-false",
    "choice",
    "fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
)
INTERACTION_TYPES_2004 = (*INTERACTION_TYPES_12, "long-fill-in", "other")
INTERACTION_RESULTS_12 = ("correct", "wrong", "unanticipated", "neutral")
INTERACTION_RESULTS_2004 = ("correct", "incorrect", "unanticipated", "neutral")
TIME_LIMIT_ACTIONS = ("exit,message", "exit,no message", "continue,message", "continue,no message")
