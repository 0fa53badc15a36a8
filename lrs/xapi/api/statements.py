"""xAPI statements resource (placeholder until built)."""

from starlette.endpoints import HTTPEndpoint


class StatementsResource(HTTPEndpoint):
    pass
