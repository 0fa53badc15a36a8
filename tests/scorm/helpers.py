"""Building commits and reading the SCORM collections in the scenario tests."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from lrs.scorm.attempts import attempt_id, enrollment_id

LEARNER = {"id": "u-42", "name": "Ada Lovelace"}
COURSE = {"id": "course-7", "title": "Safety basics"}
SCO = {"id": "sco-1", "title": "Module 1"}
ENROLLMENT = enrollment_id(LEARNER["id"], COURSE["id"])


def attempt_of(number: int) -> str:
    """The id of the test enrollment's attempt `number`."""
    return attempt_id(ENROLLMENT, number)


def commit(
    version: str, session: str, sequence: int, cmi: dict[str, str], event: str = "commit", **extra: Any
) -> dict[str, Any]:
    """One launcher commit of the test learner in the test course."""
    return {
        "learner": LEARNER,
        "course": COURSE,
        "sco": SCO,
        "version": version,
        "session_id": session,
        "sequence": sequence,
        "event": event,
        "cmi": cmi,
        "timestamp": f"2026-11-20T10:{sequence // 60:02d}:{sequence % 60:02d}Z",
        **extra,
    }


def post(client: TestClient, body: Any, status: int = 200) -> Any:
    """POST /scorm/commits and check the status."""
    response = client.post("/scorm/commits", json=body)
    assert response.status_code == status, response.text
    return response.json()


def store(client: TestClient, name: str) -> Any:
    """A collection of the app's store (for checks the HTTP answers do not show)."""
    return client.app.state.db.collection(name)  # type: ignore[attr-defined]


def find(
    client: TestClient, name: str, filter: dict[str, Any], sort: list[tuple[str, int]] | None = None
) -> list[dict[str, Any]]:
    """Documents of a collection, through the app's event loop."""

    async def run() -> list[dict[str, Any]]:
        return await store(client, name).find(filter, sort=sort)

    return client.portal.call(run)  # type: ignore[union-attr]


def find_one(client: TestClient, name: str, _id: str) -> dict[str, Any]:
    docs = find(client, name, {"_id": _id})
    assert docs, f"{name} has no {_id}"
    return docs[0]


def attempt_detail(client: TestClient, number: int = 1) -> Any:
    """The test enrollment's attempt `number` as the attempt detail report shows it."""
    response = client.get(f"/reports/attempts/{attempt_of(number)}")
    assert response.status_code == 200, response.text
    return response.json()
