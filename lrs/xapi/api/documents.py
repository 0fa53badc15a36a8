"""xAPI documents resource (placeholder until built)."""

from starlette.endpoints import HTTPEndpoint


class StateResource(HTTPEndpoint):
    pass

class ActivityProfileResource(HTTPEndpoint):
    pass

class AgentProfileResource(HTTPEndpoint):
    pass
