"""xAPI statement validation: every MUST of xAPI 1.0.3 Data 2.x / 2.0.0 (IEEE 9274.1.1) an LRS checks."""

from lrs.xapi.validation.agents import agent_identifier, validate_agent_param
from lrs.xapi.validation.primitives import (
    comparable_duration,
    is_valid_duration,
    is_valid_iri,
    is_valid_language_map,
    is_valid_language_tag,
    is_valid_uuid,
    parse_timestamp,
)
from lrs.xapi.validation.statements import validate_statement, validate_statements

__all__ = [
    "agent_identifier",
    "comparable_duration",
    "is_valid_duration",
    "is_valid_iri",
    "is_valid_language_map",
    "is_valid_language_tag",
    "is_valid_uuid",
    "parse_timestamp",
    "validate_agent_param",
    "validate_statement",
    "validate_statements",
]
