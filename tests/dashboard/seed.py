"""Seed a store through the public endpoints for the dashboard tests: SCORM commits of several
learners and attempts in two courses, and video statements (non-SCORM time) in one of them.

Works with any client that has httpx's `post(url, json=...)` (TestClient or httpx.Client on uvicorn)
and sends an all-scopes credential with X-Experience-API-Version.
"""

from __future__ import annotations

import uuid
from typing import Any

HOME = "https://lms.example.com"
COURSE_IRI = "https://lms.example.com/xapi/courses/{}"
VIDEO_SESSION = "https://w3id.org/xapi/video/extensions/session-id"
PLAYED = "https://w3id.org/xapi/video/extensions/played-segments"
COURSES = {"safety": "Safety basics", "fire": "Fire drill"}


def _commit(
    learner: str, course: str, session: str, seq: int, cmi: dict[str, str], event: str
) -> dict[str, Any]:
    return {
        "learner": {"id": learner, "name": learner.title()},
        "course": {"id": course, "title": COURSES[course]},
        "sco": {"id": "sco-1", "title": "Module 1"},
        "version": "1.2",
        "session_id": session,
        "sequence": seq,
        "event": event,
        "cmi": cmi,
    }


def _session(client: Any, learner: str, course: str, session: str, final: dict[str, str]) -> None:
    steps = [
        ({"cmi.core.entry": "ab-initio"}, "initialize"),
        ({"cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "p1"}, "commit"),
        (final, "terminate"),
    ]
    for seq, (cmi, event) in enumerate(steps):
        response = client.post("/scorm/commits", json=_commit(learner, course, session, seq, cmi, event))
        assert response.status_code == 200, response.text


def seed(client: Any) -> None:
    """ann passes safety on her 2nd attempt; bob fails it; cy is still in it; ann is in fire too;
    dee only watched the safety video (330 s played)."""
    passed = {
        "cmi.core.lesson_status": "passed",
        "cmi.core.score.raw": "90",
        "cmi.core.session_time": "00:20:00",
    }
    failed = {
        "cmi.core.lesson_status": "failed",
        "cmi.core.score.raw": "40",
        "cmi.core.session_time": "00:15:00",
    }
    going = {
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.exit": "suspend",
        "cmi.core.session_time": "00:05:00",
    }
    _session(client, "ann", "safety", "ann-s1", failed)
    _session(client, "ann", "safety", "ann-s2", passed)
    _session(client, "bob", "safety", "bob-s1", failed)
    _session(client, "cy", "safety", "cy-s1", going)
    _session(client, "ann", "fire", "ann-f1", {**passed, "cmi.core.score.raw": "70"})
    video = [
        _video("dee", "0[.]120[,]100[.]300"),
        _video("dee", "0[.]120[,]100[.]300[,]300[.]330"),  # cumulative, as the video profile sends them
    ]
    response = client.post("/xapi/statements", json=video)
    assert response.status_code == 200, response.text


def _video(learner: str, segments: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": HOME, "name": learner}},
        "verb": {"id": "https://w3id.org/xapi/video/verbs/paused"},
        "object": {"id": "https://lms.example.com/videos/intro"},
        "result": {"extensions": {PLAYED: segments}},
        "context": {
            "contextActivities": {"grouping": [{"id": COURSE_IRI.format("safety")}]},
            "extensions": {VIDEO_SESSION: f"video-{learner}"},
        },
    }
