"""Value checks for CMI data types: each returns the reason a value is bad, or None when it is fine."""

import math
import re
from collections.abc import Callable

from translators.durations import parse_cmi_timespan, parse_iso_duration

Check = Callable[[str], str | None]

_DECIMAL = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
_IDENTIFIER_12 = re.compile(r"[^\s]{1,255}")
# SCORM 1.2 RTE 3.4.2 CMITime: HH:MM:SS[.SS], a time of day.
_TIME_12 = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,2})?")
# SCORM 2004 RTE 4.1.1.x time (second,10,0): YYYY[-MM[-DD[Thh[:mm[:ss[.s[TZD]]]]]]].
_TIME_2004 = re.compile(
    r"(19[7-9]\d|20[0-3]\d)(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01])"
    r"(?:T([01]\d|2[0-3])(?::[0-5]\d(?::[0-5]\d(?:\.\d{1,2})?)?)?"
    r"(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?)?)?)?"
)
_LANG_PREFIX = re.compile(r"\{lang=([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)?\}")


def split_lang(value: str) -> tuple[str | None, str]:
    """The {lang=xx} prefix of a SCORM 2004 localized string, and the text after it."""
    match = _LANG_PREFIX.match(value)
    if not match:
        return None, value
    return match.group(1), value[match.end() :]


def is_decimal(value: str) -> bool:
    """Whether a value is a CMIDecimal / SCORM 2004 real (finite as a float: "9" * 400 is not)."""
    return bool(_DECIMAL.fullmatch(value)) and math.isfinite(float(value))


def vocabulary(*words: str) -> Check:
    """Accept only the listed words (include "" where the model allows an empty value)."""

    def check(value: str) -> str | None:
        return None if value in words else f"must be one of {', '.join(repr(w) for w in words)}"

    return check


def string(max_length: int, empty: bool = True) -> Check:
    """Accept strings up to max_length characters (the SPM a conforming LMS must store)."""

    def check(value: str) -> str | None:
        if not value and not empty:
            return "must not be empty"
        return None if len(value) <= max_length else f"longer than {max_length} characters"

    return check


def localized(max_length: int) -> Check:
    """Accept a SCORM 2004 localized_string_type: an optional {lang=xx} prefix and text."""

    def check(value: str) -> str | None:
        _, text = split_lang(value)
        return None if len(text) <= max_length else f"longer than {max_length} characters"

    return check


# the decimal checks with an open side: validate_cmi bounds their magnitude (CmiBounds.max_number)
UNBOUNDED_DECIMALS: set[Check] = set()


def decimal(low: float | None = None, high: float | None = None, blank: bool = False) -> Check:
    """Accept a decimal within [low, high]; blank allows the empty string."""

    def check(value: str) -> str | None:
        if value == "" and blank:
            return None
        if not is_decimal(value):
            return "must be a decimal number"
        number = float(value)
        if (low is not None and number < low) or (high is not None and number > high):
            return f"must be within [{'-inf' if low is None else low}, {'inf' if high is None else high}]"
        return None

    if low is None or high is None:
        UNBOUNDED_DECIMALS.add(check)
    return check


def integer(low: int, high: int) -> Check:
    """Accept an integer within [low, high] (CMISInteger)."""

    def check(value: str) -> str | None:
        if not re.fullmatch(r"[-+]?\d+", value):
            return "must be an integer"
        return None if low <= int(value) <= high else f"must be within [{low}, {high}]"

    return check


def identifier_12(value: str) -> str | None:
    """SCORM 1.2 CMIIdentifier: 1 to 255 characters, no white space."""
    return None if _IDENTIFIER_12.fullmatch(value) else "must be 1-255 characters without white space"


def long_identifier(value: str) -> str | None:
    """SCORM 2004 long_identifier_type: 1 to 4000 characters (a URI is recommended)."""
    if not value or value.strip() != value or any(c.isspace() for c in value):
        return "must be 1-4000 characters without white space"
    return None if len(value) <= 4000 else "longer than 4000 characters"


def timespan_12(value: str) -> str | None:
    """SCORM 1.2 CMITimespan HHHH:MM:SS.SS."""
    try:
        parse_cmi_timespan(value)
    except ValueError:
        return "must be a CMITimespan HHHH:MM:SS.SS"
    return None


def time_12(value: str) -> str | None:
    """SCORM 1.2 CMITime HH:MM:SS.SS."""
    return None if _TIME_12.fullmatch(value) else "must be a CMITime HH:MM:SS.SS"


def interval_2004(value: str) -> str | None:
    """SCORM 2004 timeinterval (ISO 8601 duration); empty means not set."""
    if value == "":
        return None
    try:
        parse_iso_duration(value)
    except ValueError:
        return "must be an ISO 8601 duration such as PT1H2M3.5S"
    return None


def time_2004(value: str) -> str | None:
    """SCORM 2004 time (ISO 8601 timestamp, years 1970-2038); empty means not set."""
    if value == "" or _TIME_2004.fullmatch(value):
        return None
    return "must be an ISO 8601 timestamp such as 2024-05-01T10:00:00Z"


def feedback_12(value: str) -> str | None:
    """SCORM 1.2 CMIFeedback: up to 255 characters (its format depends on the interaction type)."""
    return None if len(value) <= 255 else "longer than 255 characters"


def result_12(value: str) -> str | None:
    """SCORM 1.2 interaction result: a vocabulary word or a CMIDecimal."""
    words = ("correct", "wrong", "unanticipated", "neutral")
    return None if value in words or is_decimal(value) else f"must be one of {', '.join(words)} or a decimal"


def result_2004(value: str) -> str | None:
    """SCORM 2004 interaction result: a vocabulary word or a real."""
    words = ("correct", "incorrect", "unanticipated", "neutral")
    if value == "" or value in words or is_decimal(value):
        return None
    return f"must be one of {', '.join(words)} or a decimal"


def anything(value: str) -> str | None:
    """Accept any value (elements whose content is opaque to the bridge)."""
    return None
