"""Packages over HTTP: registration (manifest or zip), idempotency, revisions, hostile zips, launches."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from starlette.testclient import TestClient

from lrs.settings import Settings
from tests.scorm.helpers import COURSE, LEARNER
from tests.scorm.test_manifest import load
from tests.support import make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings(package_max_unpacked_bytes=1_000_000, package_max_manifest_bytes=50_000)


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def register(client: TestClient, body: bytes, status: int = 201, course: str = "course-7") -> Any:
    response = client.post(
        "/scorm/packages", params={"course": course, "course_title": "Safety"}, content=body
    )
    assert response.status_code == status, response.text
    return response.json()


def test_packages_register_a_zip_reading_only_its_manifest(client: TestClient) -> None:
    body = make_zip({"imsmanifest.xml": load("golf_12.xml"), "content/Playing/Playing.html": b"<html/>"})
    package = register(client, body)
    assert (package["version"], package["edition"], package["revision"]) == ("1.2", "1.2", 1)
    assert package["course"] == {"id": "course-7", "title": "Safety"}
    assert [s["id"] for s in package["scos"]] == ["playing_item", "etiquette_item", "handicap_item"]
    assert package["scos"][0]["mastery_score"] == 80.0
    assert package["organizations"][0]["children"][1]["identifier"] == "etiquette_cluster"
    assert client.get(f"/scorm/packages/{package['id']}").json() == package


def test_packages_same_manifest_is_idempotent_and_a_changed_one_is_a_new_revision(client: TestClient) -> None:
    first = register(client, load("golf_12.xml"))
    again = register(client, make_zip({"imsmanifest.xml": load("golf_12.xml")}), status=200)
    assert again["id"] == first["id"] and again["revision"] == 1
    changed = register(client, load("golf_12.xml").replace(b"<title>Golf Explained", b"<title>Golf, 2nd"))
    assert changed["id"] != first["id"] and changed["revision"] == 2
    listed = client.get("/scorm/packages", params={"course": "course-7"}).json()
    assert [(p["revision"], p["title"]) for p in listed["items"]] == [(2, "Golf, 2nd"), (1, "Golf Explained")]
    assert listed["total"] == 2
    other_course = register(client, load("golf_12.xml"), course="course-8")
    assert other_course["id"] != first["id"] and other_course["revision"] == 1


def zip_bomb() -> bytes:
    return make_zip({"imsmanifest.xml": load("cam13_2nd.xml"), "zeros.bin": b"\0" * 2_000_000})


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        pytest.param(
            lambda: make_zip({"../../etc/cron.d/x": b"", "imsmanifest.xml": load("cam13_2nd.xml")}),
            400,
            "zip-slip",
            id="zip-slip-dotdot",
        ),
        pytest.param(
            lambda: make_zip({"/abs/path.html": b"", "imsmanifest.xml": load("cam13_2nd.xml")}),
            400,
            "zip-slip",
            id="zip-slip-absolute",
        ),
        pytest.param(
            lambda: make_zip({"C:\\evil.exe": b"", "imsmanifest.xml": load("cam13_2nd.xml")}),
            400,
            "zip-slip",
            id="zip-slip-drive",
        ),
        pytest.param(zip_bomb, 413, "zip bomb", id="zip-bomb"),
        pytest.param(
            lambda: make_zip({"course/imsmanifest.xml": load("cam13_2nd.xml")}),
            400,
            "no imsmanifest.xml",
            id="no-manifest",
        ),
        pytest.param(
            lambda: make_zip({"imsmanifest.xml": b"<!-- pad -->" * 5000}),
            413,
            "imsmanifest.xml",
            id="huge-manifest",
        ),
        pytest.param(lambda: b"PK\x03\x04 not really a zip", 400, "not a readable zip", id="broken-zip"),
        pytest.param(lambda: b"", 400, "empty", id="empty"),
        pytest.param(
            lambda: b"<!DOCTYPE m [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><manifest>&e;</manifest>",
            400,
            "DTDForbidden",
            id="xxe",
        ),
    ],
)
def test_packages_hostile_uploads_are_refused_naming_the_problem(
    client: TestClient, body: Any, status: int, reason: str
) -> None:
    refused = register(client, body(), status=status)
    assert reason in refused["message"] and refused["field"] == "package"
    assert client.get("/scorm/packages").json()["total"] == 0


def test_packages_course_is_required(client: TestClient) -> None:
    response = client.post("/scorm/packages", content=load("cam13_2nd.xml"))
    assert response.status_code == 422 and response.json()["field"] == "course"


def test_packages_launch_a_sco_with_its_manifest_values(client: TestClient) -> None:
    package = register(client, load("nested_2004_4th.xml"))
    body = {"learner": LEARNER, "course": COURSE, "package": package["id"], "sco": "sco_hazards"}
    started = client.post("/scorm/launches", json=body).json()
    assert started["sco"] == {
        "id": "sco_hazards",
        "title": "Spotting hazards",
        "href": "hazards/index.html?mode=full",
    }
    cmi = started["cmi"]
    assert (cmi["cmi.scaled_passing_score"], cmi["cmi.max_time_allowed"], cmi["cmi.launch_data"]) == (
        "0.8",
        "PT45M",
        "difficulty=hard",
    )
    assert [cmi[f"cmi.objectives.{n}.id"] for n in range(3)] == [
        "hazards_primary",
        "hazards_fire",
        "hazards_chemical",
    ]
    # several SCOs: the launch must name one; a package of another course is refused
    assert client.post("/scorm/launches", json=body | {"sco": None}).json()["field"] == "sco"
    assert client.post("/scorm/launches", json=body | {"sco": "nope"}).status_code == 404
    wrong = body | {"course": {"id": "course-8", "title": ""}}
    assert client.post("/scorm/launches", json=wrong).json()["field"] == "package"
