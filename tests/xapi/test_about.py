"""The About resource."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_about_lists_versions_and_extensions(client: TestClient) -> None:
    body = client.get("/xapi/about").json()
    assert body["version"] == ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"]
    assert isinstance(body["extensions"], dict)


def test_about_head_has_no_body(client: TestClient) -> None:
    response = client.head("/xapi/about")
    assert response.status_code == 200 and response.content == b""


def test_about_refuses_parameters(client: TestClient) -> None:
    assert client.get("/xapi/about?x=1").status_code == 400
