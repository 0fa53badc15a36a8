"""What the benchmarks send: CMI maps, SCORM commits and xAPI statements of realistic size."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson

ScormVersion = str  # "1.2" | "2004"

ID_PLACEHOLDER = "00000000-0000-4000-8000-000000000000"
LMS = "https://lms.example.com"


def small_cmi(version: ScormVersion, step: int = 3) -> dict[str, str]:
    """About ten elements, what a content page sets between two commits."""
    if version == "1.2":
        return {
            "cmi.core.lesson_status": "incomplete",
            "cmi.core.lesson_location": f"page-{step}",
            "cmi.core.score.raw": str(min(100, 4 * step)),
            "cmi.core.score.min": "0",
            "cmi.core.score.max": "100",
            "cmi.core.session_time": f"00:{step // 60:02d}:{step % 60:02d}.50",
            "cmi.core.exit": "",
            "cmi.suspend_data": f"visited=1-{step};answers=" + "a" * 40,
            "cmi.comments": "",
            "cmi.student_preference.audio": "0",
        }
    return {
        "cmi.completion_status": "incomplete",
        "cmi.success_status": "unknown",
        "cmi.location": f"page-{step}",
        "cmi.score.raw": str(min(100, 4 * step)),
        "cmi.score.min": "0",
        "cmi.score.max": "100",
        "cmi.score.scaled": str(min(1.0, step / 25)),
        "cmi.progress_measure": str(min(1.0, step / 25)),
        "cmi.session_time": f"PT{step * 7}S",
        "cmi.suspend_data": f"visited=1-{step};answers=" + "a" * 40,
    }


def interaction_cmi(version: ScormVersion, n: int) -> dict[str, str]:
    """The elements a quiz question sets for interaction n."""
    p = f"cmi.interactions.{n}."
    right = n % 3 != 0
    if version == "1.2":
        return {
            p + "id": f"question-{n}",
            p + "type": "choice",
            p + "student_response": "b" if right else "c",
            p + "correct_responses.0.pattern": "b",
            p + "result": "correct" if right else "wrong",
            p + "weighting": "1",
            p + "latency": "00:00:12.5",
            p + "time": "10:15:00",
            p + "objectives.0.id": "obj-1",
        }
    return {
        p + "id": f"question-{n}",
        p + "type": "choice",
        p + "description": f"Question {n}",
        p + "learner_response": "b" if right else "c",
        p + "correct_responses.0.pattern": "b",
        p + "result": "correct" if right else "incorrect",
        p + "weighting": "1",
        p + "latency": "PT12.5S",
        p + "timestamp": "2026-11-21T10:15:00Z",
        p + "objectives.0.id": "obj-1",
    }


def large_cmi(version: ScormVersion, interactions: int = 50) -> dict[str, str]:
    """A final quiz commit: status, score and `interactions` answered questions."""
    cmi = small_cmi(version, 25)
    if version == "1.2":
        cmi["cmi.core.lesson_status"] = "passed"
    else:
        cmi.update({"cmi.completion_status": "completed", "cmi.success_status": "passed"})
    for n in range(interactions):
        cmi.update(interaction_cmi(version, n))
    return cmi


def launch_commits(
    version: ScormVersion, learner: str, course: str, session_id: str, commits: int = 20
) -> list[dict[str, Any]]:
    """One realistic launch: initialize, `commits` commits (a quiz question every other one), terminate."""
    base: dict[str, Any] = {
        "learner": {"id": learner, "name": f"Learner {learner}"},
        "course": {"id": course, "title": f"Course {course}"},
        "sco": {"id": "sco-1", "title": "Lesson 1"},
        "version": version,
        "session_id": session_id,
    }
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    entry = {"1.2": "cmi.core.entry", "2004": "cmi.entry"}[version]
    launch: list[dict[str, Any]] = [
        {**base, "sequence": 1, "event": "initialize", "timestamp": now, "cmi": {entry: "ab-initio"}}
    ]
    for step in range(1, commits + 1):
        cmi = small_cmi(version, step)
        if step % 2 == 0:
            cmi.update(interaction_cmi(version, step // 2))
        launch.append({**base, "sequence": step + 1, "event": "commit", "timestamp": now, "cmi": cmi})
    final = small_cmi(version, commits + 1)
    final.update(
        {"cmi.core.lesson_status": "passed"}
        if version == "1.2"
        else {"cmi.completion_status": "completed", "cmi.success_status": "passed"}
    )
    launch.append({**base, "sequence": commits + 2, "event": "terminate", "timestamp": now, "cmi": final})
    return launch


def statement(statement_id: str = ID_PLACEHOLDER, n: int = 0) -> dict[str, Any]:
    """A ~1.5 KB statement as an authoring tool sends it: actor, verb, activity with definition,
    result, context with registration and context activities."""
    return {
        "id": statement_id,
        "actor": {
            "objectType": "Agent",
            "name": f"Learner {n % 500}",
            "account": {"homePage": LMS, "name": f"learner-{n % 500}"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://lms.example.com/xapi/courses/c{n % 20}/questions/q{n % 50}",
            "definition": {
                "name": {"en-US": f"Question {n % 50}"},
                "description": {"en-US": "Which of these colours is a primary colour of light?"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["green"],
                "choices": [
                    {"id": c, "description": {"en-US": c.capitalize()}}
                    for c in ("red", "green", "yellow", "purple")
                ],
            },
        },
        "result": {
            "score": {"scaled": 1.0, "raw": 1, "min": 0, "max": 1},
            "success": True,
            "completion": True,
            "response": "green",
            "duration": "PT12.5S",
        },
        "context": {
            "registration": str(uuid.UUID(int=n % 1000)),
            "platform": "Bench authoring tool",
            "language": "en-US",
            "contextActivities": {
                "parent": [{"id": f"https://lms.example.com/xapi/courses/c{n % 20}/quiz"}],
                "grouping": [{"id": f"https://lms.example.com/xapi/courses/c{n % 20}"}],
                "category": [{"id": "https://w3id.org/xapi/scorm"}],
            },
        },
        "timestamp": "2026-11-21T10:15:00.000Z",
    }


def statement_template(n: int = 0) -> bytes:
    """A statement's JSON with ID_PLACEHOLDER where each request puts a fresh id."""
    return orjson.dumps(statement(ID_PLACEHOLDER, n))


def batch_body(templates: list[bytes], size: int) -> bytes:
    """A JSON array of `size` statements, each with a fresh id."""
    placeholder = ID_PLACEHOLDER.encode()
    parts = [
        templates[i % len(templates)].replace(placeholder, str(uuid.uuid4()).encode()) for i in range(size)
    ]
    return b"[" + b",".join(parts) + b"]"
