"""The profile's state documents: activity state (attempts list) and attempt state (profile Appendix)."""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from translators.checks import is_decimal
from translators.durations import format_iso_duration
from translators.state import AttemptState, state_from_cmi
from translators.vocab import ScormVersion

# The language pattern of scorm.profile.attempt.state.schema.json.
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Z]{2,3}(?:-[a-zA-Z]{4})?)?")


def activity_state_document(attempts: Sequence[str], current_attempt: str | None = None) -> dict[str, Any]:
    """The activity-state document of a SCO: its attempt IRIs, first to latest, current one appended once."""
    ordered = list(dict.fromkeys(attempts))
    if current_attempt is not None and current_attempt not in ordered:
        ordered.append(current_attempt)
    return {"attempts": ordered}


def _preferences(version: ScormVersion, cmi: Mapping[str, str]) -> dict[str, Any]:
    """The Preferences Object; SCORM 1.2 scales are mapped onto 2004's (1.0 = the default level/speed)."""
    prefs: dict[str, Any] = {}
    if version == "2004":
        for name in ("audio_level", "delivery_speed"):
            value = cmi.get(f"cmi.learner_preference.{name}", "")
            if is_decimal(value) and float(value) >= 0:
                prefs[name] = float(value)
        language = cmi.get("cmi.learner_preference.language", "")
        captioning = cmi.get("cmi.learner_preference.audio_captioning", "")
    else:
        audio = cmi.get("cmi.student_preference.audio", "")
        # 1.2 audio: -1 off, 0 no change, 1..100 volume.
        if re.fullmatch(r"-1|[1-9]\d?|100", audio):
            prefs["audio_level"] = max(0.0, int(audio) / 100)
        speed = cmi.get("cmi.student_preference.speed", "")
        # 1.2 speed: -100 slowest .. 0 default .. 100 fastest.
        if re.fullmatch(r"-?\d{1,3}", speed) and -100 <= int(speed) <= 100:
            prefs["delivery_speed"] = 1 + int(speed) / 100
        language = cmi.get("cmi.student_preference.language", "")
        captioning = cmi.get("cmi.student_preference.text", "")
    if _LANGUAGE.fullmatch(language):
        prefs["language"] = language
    if captioning in ("-1", "0", "1"):
        prefs["audio_captioning"] = int(captioning)
    return prefs


def attempt_state_document(
    version: ScormVersion,
    cmi: Mapping[str, str],
    total_time_s: float | None = None,
    state: AttemptState | None = None,
) -> dict[str, Any]:
    """The attempt-state document for an attempt's merged CMI map; total_time is the bridge's own sum
    (`state`: state_from_cmi of that map, when the caller has it already)."""
    state = state if state is not None else state_from_cmi(version, cmi)
    prefix = "cmi.core." if version == "1.2" else "cmi."
    document: dict[str, Any] = {}
    lms_comments = [
        {k: v for k, v in (("comment", c.text), ("location", c.location), ("timestamp", c.timestamp)) if v}
        for c in state.comments
        if c.from_lms
    ]
    if lms_comments:
        document["comments_from_lms"] = lms_comments
    credit = cmi.get(prefix + "credit")
    if credit in ("credit", "no-credit"):
        document["credit"] = credit
    mode = cmi.get("cmi.core.lesson_mode" if version == "1.2" else "cmi.mode")
    if mode in ("browse", "normal", "review"):
        document["mode"] = mode
    if state.location is not None:
        document["location"] = state.location
    preferences = _preferences(version, cmi)
    if preferences:
        document["preferences"] = preferences
    if total_time_s is not None:
        document["total_time"] = format_iso_duration(total_time_s)
    return document
