"""xAPI about resource (placeholder until built)."""

from starlette.endpoints import HTTPEndpoint


class AboutResource(HTTPEndpoint):
    pass
