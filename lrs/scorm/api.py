"""The SCORM commit endpoint (placeholder until built)."""

from starlette.endpoints import HTTPEndpoint


class CommitsResource(HTTPEndpoint):
    pass
