"""Commit request models (lax in) and commit answer models (strict out)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lrs.bounds import load_json
from lrs.errors import InvalidRequest, PayloadTooLarge

# Sequence numbers share an int64 order key with the session's ordinal within its attempt (see tree.py).
MAX_SEQUENCE = 2**32 - 1


class _In(BaseModel):
    """Lax input: numbers become strings where strings are expected; unknown fields are ignored."""

    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore", str_strip_whitespace=True)


class Learner(_In):
    id: str = Field(min_length=1)
    name: str = ""


class Course(_In):
    id: str = Field(min_length=1)
    title: str = ""


class Sco(_In):
    id: str = Field(min_length=1)
    title: str = ""


class CommitIn(_In):
    """One launcher commit (issue 3, "The commit endpoint")."""

    learner: Learner
    course: Course
    sco: Sco
    version: Literal["1.2", "2004"]
    session_id: str = Field(min_length=1, max_length=200)
    sequence: int = Field(ge=0, le=MAX_SEQUENCE)
    event: Literal["initialize", "commit", "terminate"] = "commit"
    cmi: dict[str, str] = Field(default_factory=dict)
    timestamp: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _package_is_sco(cls, data: Any) -> Any:
        """Launchers may call the SCO a package."""
        if isinstance(data, dict) and "sco" not in data and "package" in data:
            data = {**data, "sco": data["package"]}
        return data

    @field_validator("timestamp")
    @classmethod
    def _timestamp_in_range(cls, value: datetime | None) -> datetime | None:
        """A timestamp must stay a date once in UTC (0001-01-01T00:00:00+01:00 does not)."""
        if value is not None and value.tzinfo is not None:
            try:
                value.astimezone(UTC)
            except OverflowError:
                raise ValueError("outside the representable range (years 1-9999 in UTC)") from None
        return value

    def client_time(self) -> datetime | None:
        """The client's timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
        if self.timestamp is None:
            return None
        if self.timestamp.tzinfo is None:
            return self.timestamp.replace(tzinfo=UTC)
        return self.timestamp.astimezone(UTC)


def _describe(error: ValidationError) -> str:
    """Every field at fault, with its location and pydantic's reason."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors())


def parse_commit(raw: Any, where: str = "") -> CommitIn:
    """One commit object; InvalidRequest naming every bad field."""
    if not isinstance(raw, dict):
        raise InvalidRequest(f"{where or 'body'}: a commit must be a JSON object", field=where or "body")
    try:
        return CommitIn.model_validate(raw)
    except ValidationError as exc:
        fields = [".".join(str(p) for p in e["loc"]) for e in exc.errors()]
        prefix = f"{where}: " if where else ""
        raise InvalidRequest(
            prefix + _describe(exc), field=(where + "." if where else "") + fields[0], fields=fields
        ) from None


def split_batch(content: bytes, limit: int, max_depth: int = 64) -> tuple[list[Any], bool]:
    """The raw commit objects of a body (one, a list, or {"commits": [...]}) and whether it was a batch."""
    body = load_json(content, max_depth=max_depth, what="commit body")
    if isinstance(body, dict) and "commits" in body:
        body = body["commits"]
        if not isinstance(body, list):
            raise InvalidRequest("commits: must be a list of commit objects", field="commits")
    if isinstance(body, list):
        if not body:
            raise InvalidRequest("commits: the batch is empty", field="commits")
        if len(body) > limit:
            raise PayloadTooLarge(
                f"commits: {len(body)} commits in one batch; the limit is {limit}", field="commits"
            )
        return body, True
    if isinstance(body, dict):
        return [body], False
    raise InvalidRequest('body: a commit object, a list of commits or {"commits": [...]}', field="body")


class _Out(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class EnrollmentOut(_Out):
    id: str
    status: str
    attempt_count: int
    best_score: float | None
    total_time_s: float


class AttemptOut(_Out):
    id: str
    number: int
    session_id: str
    completed: bool
    completion_status: str
    success_status: str
    score_raw: float | None
    score_scaled: float | None
    commit_count: int
    last_sequence: int | None


class ProgressOut(_Out):
    completed: bool
    score: float | None


class CommitAnswer(_Out):
    """What a launcher gets back for one commit (also replayed verbatim to a re-send)."""

    session_id: str
    sequence: int
    status: int
    outcome: Literal["applied", "stale", "duplicate"]
    enrollment: EnrollmentOut
    attempt: AttemptOut
    progress: ProgressOut
    statement_ids: list[str]
    changes: int
