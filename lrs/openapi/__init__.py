"""The OpenAPI 3.1 description of the service, assembled from one module per area.

Each area module (service, xapi, scorm, reports, admin) holds PATHS ({path: {method: operation}})
and SCHEMAS (components). The published document holds the operations of the routes that exist in
lrs/routes.py, so a description can be written before its route lands; tests/openapi checks that
every route has one. To describe a new route, add its operation to its area's PATHS (or a new area
module listed in AREAS).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

from lrs import __version__
from lrs.openapi import admin, dashboard, demo, reports, scorm, service, xapi
from lrs.openapi.common import ERROR_SCHEMA, SECURITY_SCHEMES, Paths

AREAS = (service, xapi, scorm, reports, admin, dashboard, demo)
# methods every GET route answers without a description of its own
IMPLIED = frozenset({"head", "options"})
_CONVERTER = re.compile(r"\{([^}:]+):[^}]+\}")


def described_paths() -> Paths:
    """Every operation described, whether or not its route exists."""
    paths: Paths = {}
    for area in AREAS:
        for template, operations in area.PATHS.items():
            paths.setdefault(template, {}).update(operations)
    return paths


def iter_routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, frozenset[str]]]:
    """(OpenAPI path template, lower-case methods) of every Route, mounts walked; static mounts skipped."""
    for route in routes:
        if isinstance(route, Mount):
            if route.routes:
                yield from iter_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield _CONVERTER.sub(r"{\1}", prefix + route.path), _methods(route)


def _methods(route: Route) -> frozenset[str]:
    if route.methods is not None:
        return frozenset(m.lower() for m in route.methods) - IMPLIED
    endpoint = route.endpoint  # an HTTPEndpoint class: its handler methods
    return frozenset(m for m in ("get", "put", "post", "delete", "patch") if hasattr(endpoint, m))


def build_document(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document for this URL map."""
    described = described_paths()
    paths: Paths = {}
    for template, methods in iter_routes(routes):
        known = described.get(template, {})
        operations = {m: known[m] for m in sorted(methods) if m in known}
        if operations:
            paths.setdefault(template, {}).update(operations)
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for area in AREAS:
        schemas.update(area.SCHEMAS)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "lrs-bridge",
            "version": __version__,
            "description": "An xAPI Learning Record Store beside an LMS's SCORM player: SCORM commits in, "
            "xAPI statements out, reports for the LMS. Errors are JSON {error, message, field}.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "tags": [{"name": a.TAG} for a in AREAS],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }


def missing_descriptions(routes: Sequence[BaseRoute]) -> list[str]:
    """'METHOD /path' of every route operation without a description."""
    described = described_paths()
    return [
        f"{m.upper()} {template}"
        for template, methods in iter_routes(routes)
        for m in sorted(methods)
        if m not in described.get(template, {})
    ]
