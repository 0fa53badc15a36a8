"""SCORM time spans and ISO 8601 durations: parsing to seconds and formatting for xAPI result.duration."""

import math
import re

from translators.vocab import ScormVersion

# SCORM 1.2 RTE 3.4.2 CMITimespan: HHHH:MM:SS.SS, hours 2 to 4 digits, optional 1-2 decimal places.
_TIMESPAN = re.compile(r"(\d{2,4}):([0-5]\d):([0-5]\d(?:\.\d{1,2})?)")
# SCORM 2004 RTE 4.1.1.x timeinterval (second,10,2): P[yY][mM][dD][T[hH][nM][s[.s]S]], no weeks.
_DURATION = re.compile(
    r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?"
)
# A year and a month have no fixed length; these are the usual conventions for summing time.
_UNIT_SECONDS = (365 * 86400, 30 * 86400, 86400, 3600, 60, 1)
# Longest duration validate_cmi accepts unless told otherwise (the service passes LRS_MAX_DURATION_SECONDS).
MAX_DURATION_S = 100 * 365 * 86400


def parse_cmi_timespan(value: str) -> float:
    """Seconds in a SCORM 1.2 CMITimespan ("0001:02:03.5"); ValueError when malformed."""
    match = _TIMESPAN.fullmatch(value)
    if not match:
        raise ValueError(f"not a CMITimespan (HHHH:MM:SS.SS): {value!r}")
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def parse_iso_duration(value: str) -> float:
    """Seconds in an ISO 8601 duration ("PT1H2M3.5S", "P1DT2H"); ValueError when malformed."""
    match = _DURATION.fullmatch(value)
    if not match or value == "P" or value.endswith("T") or not any(match.groups()):
        raise ValueError(f"not an ISO 8601 duration (P[nY][nM][nD][T[nH][nM][nS]]): {value!r}")
    seconds = sum(
        float(part) * unit for part, unit in zip(match.groups(), _UNIT_SECONDS, strict=True) if part
    )
    if not math.isfinite(seconds):
        raise ValueError(f"duration too large to count in seconds: {value[:40]!r}...")
    return seconds


def format_iso_duration(seconds: float) -> str:
    """An xAPI result.duration for a number of seconds, to the centisecond ("PT1H2M3.5S")."""
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {seconds}")
    centis = round(seconds * 100)
    hours, centis = divmod(centis, 360000)
    minutes, centis = divmod(centis, 6000)
    whole, fraction = divmod(centis, 100)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if whole or fraction or text == "PT":
        text += f"{whole}.{fraction:02d}".rstrip("0").rstrip(".") + "S"
    return text


def parse_session_time(version: ScormVersion, value: str) -> float:
    """Seconds in a session_time (or total_time, latency) written in that version's format."""
    return parse_cmi_timespan(value) if version == "1.2" else parse_iso_duration(value)
