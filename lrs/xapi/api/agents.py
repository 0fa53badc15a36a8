"""xAPI agents resource (placeholder until built)."""

from starlette.endpoints import HTTPEndpoint


class AgentsResource(HTTPEndpoint):
    pass
