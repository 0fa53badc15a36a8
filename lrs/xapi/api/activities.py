"""xAPI activities resource (placeholder until built)."""

from starlette.endpoints import HTTPEndpoint


class ActivitiesResource(HTTPEndpoint):
    pass
