"""GET /openapi.json and the documentation page GET /docs (Swagger UI 5, shipped by the swagger-ui-py
package and served from /docs/static: no CDN, so the page works offline)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from lrs.openapi import build_document
from lrs.responses import json_response

DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>lrs-bridge API</title>
<link rel="stylesheet" href="{static}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{static}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  url: "{spec}",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
}});
</script>
</body>
</html>
"""


def swagger_ui_directory() -> Path:
    """The static files of the swagger-ui-py package (found without importing it)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def static_files() -> StaticFiles:
    """The Swagger UI assets."""
    return StaticFiles(directory=swagger_ui_directory())


async def openapi_json(request: Request) -> Response:
    """The OpenAPI 3.1 description of this server's routes."""
    document = getattr(request.app.state, "openapi", None)
    if document is None:
        document = request.app.state.openapi = build_document(request.app.routes)
    return json_response(document)


async def docs_page(request: Request) -> Response:
    """Swagger UI on /openapi.json."""
    root = request.scope.get("root_path", "")
    return HTMLResponse(DOCS_PAGE.format(static=f"{root}/docs/static", spec=f"{root}/openapi.json"))
