"""GET /metrics: the Prometheus text format, behind a credential scope unless LRS_METRICS_AUTH=none."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

from lrs.auth import require
from lrs.metrics import exposition


async def metrics(request: Request) -> Response:
    """Every metric; needs the `metrics` scope (granted by `admin` too) unless LRS_METRICS_AUTH=none."""
    if request.app.state.settings.metrics_auth != "none":
        await require(request, "metrics")
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
