"""/demo: the demo launcher's pages (HTML; off unless LRS_DEMO), listed so every route is described."""

from __future__ import annotations

from typing import Any

from lrs.openapi.common import Paths, path

TAG = "Demo"
SCHEMAS: dict[str, Any] = {}

_ANSWERS = {
    "200": {"description": "The page or file", "content": {"*/*": {"schema": {}}}},
    "default": {"description": "An error", "content": {"*/*": {"schema": {}}}},
}


def _page(summary: str, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"tags": [TAG], "summary": summary, "responses": _ANSWERS, "security": []}
    if params:
        op["parameters"] = params
    return op


PATHS: Paths = {
    "/demo/": {"get": _page("The demo launcher: the project's SCORM test packages")},
    "/demo/launch": {"get": _page("Launch a test package in the browser runtime")},
    "/demo/results": {"get": _page("What the demo launches recorded")},
    "/demo/packages/{package}/{path}": {
        "get": _page(
            "A file of a test package",
            [path("package", "Test package"), path("path", "File inside the package")],
        )
    },
}
