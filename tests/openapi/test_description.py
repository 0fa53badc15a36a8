"""The OpenAPI description: complete for the URL map, valid OpenAPI 3.1, served with an offline docs page,
and responses checked against it (tests/conformance.py, hooked into the shared `client` fixture)."""

from __future__ import annotations

import re

import httpx2
import pytest
from openapi_spec_validator import validate
from starlette.routing import Route
from starlette.testclient import TestClient

from lrs.openapi import build_document, described_paths, iter_routes, missing_descriptions
from lrs.routes import routes
from tests.conformance import problems
from tests.scorm.helpers import LEARNER, commit


def test_openapi_every_route_in_routes_py_is_described() -> None:
    assert missing_descriptions(routes) == [], (
        "describe these operations in lrs/openapi/<area>.py PATHS (docs/architecture.md, 'API description')"
    )


def test_openapi_a_route_without_description_is_reported() -> None:
    async def endpoint() -> None: ...

    assert missing_descriptions([*routes, Route("/admin/new-thing", endpoint, methods=["POST"])]) == [
        "POST /admin/new-thing"
    ]


def test_openapi_document_is_valid_openapi_3_1() -> None:
    document = build_document(routes)
    validate(document)
    assert document["openapi"] == "3.1.0"
    for area in ("/scorm/commits", "/reports/enrollments", "/xapi/statements", "/metrics", "/openapi.json"):
        assert area in document["paths"]


def test_openapi_descriptions_written_ahead_of_their_routes_are_valid_too() -> None:
    """The admin and launch contracts are described before their routes land: valid once they do."""

    async def endpoint() -> None: ...

    every = [Route(p, endpoint, methods=[m.upper() for m in ops]) for p, ops in described_paths().items()]
    document = build_document(every)
    validate(document)
    assert {"/admin/credentials", "/admin/whoami", "/scorm/launches"} <= set(document["paths"])


def test_openapi_publishes_exactly_the_routes_that_exist() -> None:
    """Descriptions written ahead of their route (the admin contract) appear only once it is routed."""
    assert set(build_document(routes)["paths"]) == {template for template, _ in iter_routes(routes)}
    assert build_document([])["paths"] == {}


def test_openapi_served_at_openapi_json(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == build_document(routes)


def test_docs_page_loads_swagger_ui_from_the_bridge_only(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/docs/static/") for s in sources)  # nothing from a CDN
    assert '"/openapi.json"' in page.text
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 1000
    assert "SwaggerUIBundle" in client.get("/docs/static/swagger-ui-bundle.js").text


def _response(method: str, path: str, status: int, **kw: object) -> httpx2.Response:
    return httpx2.Response(status, request=httpx2.Request(method, "http://testserver" + path), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        pytest.param(
            _response(
                "GET", "/reports/enrollments", 200, json={"items": [], "total": 0, "limit": 1, "offset": 0}
            ),
            [],
            id="conforming",
        ),
        pytest.param(
            _response(
                "GET",
                "/reports/enrollments",
                200,
                json={"items": "nope", "total": 0, "limit": 1, "offset": 0},
            ),
            ["GET /reports/enrollments -> 200: items: 'nope' is not of type 'array'"],
            id="wrong-body",
        ),
        pytest.param(
            _response("GET", "/reports/enrollments", 200, text="a,b", headers={"content-type": "image/png"}),
            [
                "GET /reports/enrollments -> 200: media type 'image/png' not described (application/json, text/csv)"
            ],
            id="wrong-media-type",
        ),
        pytest.param(
            _response("GET", "/reports/attempts/x", 404, json={"message": "no error code"}),
            ["GET /reports/attempts/{id} -> 404: : 'error' is a required property"],
            id="error-shape",
        ),
        pytest.param(_response("GET", "/nowhere", 404, json={}), [], id="undescribed-path"),
    ],
)
def test_conformance_check_finds_what_disagrees(response: httpx2.Response, expected: list[str]) -> None:
    assert problems(response) == expected


def test_conformance_of_routes_the_api_tests_leave_out(client: TestClient) -> None:
    """Representative calls of the routes no other HTTP test reaches; the fixture's hook checks each."""
    cmi = {"cmi.core.lesson_status": "incomplete", "cmi.core.score.raw": "50"}
    answer = client.post("/scorm/commits", json=commit("1.2", "s1", 0, {}, event="initialize")).json()
    batch = client.post("/scorm/commits", json={"commits": [commit("1.2", "s1", 1, cmi), {"sequence": "x"}]})
    assert batch.status_code == 200 and batch.json()[1]["status"] == 422
    detail = client.get(f"/reports/attempts/{answer['attempt']['id']}")
    assert detail.status_code == 200
    learner = client.get(f"/reports/learners/{LEARNER['id']}/courses")
    assert learner.status_code == 200
    for path in ("/reports/attempt-counts", "/reports/courses?sort=learners&order=desc", "/health/ready"):
        assert client.get(path).status_code == 200
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", headers={"Authorization": "Basic bm9ib2R5Om5vdGhpbmc="}).status_code == 401
