"""The service's own routes: health, this description, the documentation page, metrics."""

from __future__ import annotations

from typing import Any

from lrs.openapi.common import Paths, errors, json_body, operation

TAG = "Service"

SCHEMAS: dict[str, Any] = {
    "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"enum": ["ok", "unavailable"]},
            "store": {"enum": ["memory", "mongodb"]},
            "message": {"type": "string"},
        },
    },
}

PATHS: Paths = {
    "/health/live": {
        "get": operation(
            TAG, "The process answers", {"200": json_body({"$ref": "#/components/schemas/Health"}, "Alive")}
        )
    },
    "/health/ready": {
        "get": operation(
            TAG,
            "The database answers a ping (for load balancers)",
            {
                "200": json_body({"$ref": "#/components/schemas/Health"}, "Ready"),
                "503": json_body({"$ref": "#/components/schemas/Health"}, "The database does not answer"),
            },
        )
    },
    "/openapi.json": {
        "get": operation(
            TAG,
            "This description (OpenAPI 3.1)",
            {"200": json_body({"type": "object"}, "The OpenAPI document")},
        )
    },
    "/docs": {
        "get": operation(
            TAG,
            "The API documentation page (Swagger UI, served by the bridge, works offline)",
            {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}},
        )
    },
    "/metrics": {
        "get": operation(
            TAG,
            "Metrics in the Prometheus text format",
            {
                "200": {
                    "description": "Prometheus exposition format",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                **errors(401, 403),
            },
            description="Needs a credential with the `metrics` or `admin` scope unless LRS_METRICS_AUTH=none.",
            security=[{"basic": []}, {}],
        )
    },
}
