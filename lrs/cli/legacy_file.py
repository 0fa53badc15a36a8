"""Reading a legacy progress file as real LMS exports write it: the encoding (UTF-8 with or without
a BOM, else Windows-1252) and the CSV delimiter (`,` `;` tab `|`) detected, or JSON lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lrs.scorm.legacy import COLUMNS, REQUIRED, RowProblem

DELIMITERS = (",", ";", "\t", "|")
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class LegacyFile:
    """A decoded file: how it was read, its rows (line, values) and the problems found in reading."""

    encoding: str
    kind: str  # "csv" or "jsonl"
    delimiter: str | None
    header: tuple[str, ...]
    rows: list[tuple[int, dict[str, Any]]]
    problems: list[RowProblem]

    @property
    def ignored_columns(self) -> list[str]:
        return [c for c in self.header if c and c not in COLUMNS]


class FileError(ValueError):
    """A file that cannot be read as a legacy export at all (no header, no required column)."""


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding): the given encoding, else UTF-8 (BOM dropped), else Windows-1252."""
    if encoding:
        return data.decode(encoding), encoding
    if data.startswith(BOM):
        return data[len(BOM) :].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # bytes Windows-1252 leaves undefined (0x81 0x8d 0x8f 0x90 0x9d) would fail: latin-1 reads all
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header line uses most, outside quotes (`,` when none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _column(name: str) -> str:
    return name.strip().strip('"').strip().lower().replace(" ", "_").replace("-", "_")


def read_legacy(data: bytes, *, encoding: str | None = None, delimiter: str | None = None) -> LegacyFile:
    """The rows of a legacy export, each with its line number; FileError when it has no usable header."""
    text, used = decode(data, encoding)
    if text.lstrip().startswith("{"):
        rows, problems = _json_lines(text)
        rows, repeated = _without_repeats(rows)
        return LegacyFile(used, "jsonl", None, (), rows, sorted(problems + repeated, key=lambda p: p.line))
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        raise FileError("the file is empty")
    sep = delimiter or sniff_delimiter(first)
    rows, header, problems = _csv_rows(text, sep)
    rows, repeated = _without_repeats(rows)
    problems = sorted(problems + repeated, key=lambda p: p.line)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FileError(
            f"the header ({sep!r}-separated: {', '.join(header)}) has no {' and no '.join(missing)} column"
        )
    return LegacyFile(used, "csv", sep, tuple(header), rows, problems)


def _without_repeats(
    rows: list[tuple[int, dict[str, Any]]],
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowProblem]]:
    """The rows, each (user_id, course_id) once: a later row for the same enrollment is a problem
    (only one row per enrollment can be imported)."""
    first: dict[tuple[str, str], int] = {}
    kept, problems = [], []
    for line, values in rows:
        key = (str(values.get("user_id") or "").strip(), str(values.get("course_id") or "").strip())
        if all(key) and key in first:
            problems.append(
                RowProblem(line, "user_id", key[0], f"same user_id and course_id as line {first[key]}")
            )
            continue
        first.setdefault(key, line)
        kept.append((line, values))
    return kept, problems


def _json_lines(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowProblem]]:
    rows, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(RowProblem(number, "-", line[:80], f"not JSON: {exc.msg}"))
            continue
        if not isinstance(value, dict):
            problems.append(RowProblem(number, "-", line[:80], "not a JSON object"))
            continue
        rows.append((number, {_column(k): v for k, v in value.items()}))
    return rows, problems


def _records(text: str, sep: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, fields) of each CSV record; a quoted field may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    start = 1
    for fields in reader:
        yield start, fields
        start = reader.line_num + 1


def _csv_rows(text: str, sep: str) -> tuple[list[tuple[int, dict[str, Any]]], list[str], list[RowProblem]]:
    records = _records(text, sep)
    header: list[str] = []
    for _, fields in records:
        if any(f.strip() for f in fields):
            header = [_column(f) for f in fields]
            break
    rows, problems = [], []
    for line, fields in records:
        if not any(f.strip() for f in fields):
            continue  # blank lines, and lines of empty cells spreadsheets leave at the end
        if len(fields) > len(header) and any(f.strip() for f in fields[len(header) :]):
            problems.append(
                RowProblem(
                    line, "-", sep.join(fields)[:80], f"{len(fields)} fields; the header has {len(header)}"
                )
            )
            continue
        if len(fields) < len(header):
            problems.append(
                RowProblem(
                    line, "-", sep.join(fields)[:80], f"{len(fields)} fields; the header has {len(header)}"
                )
            )
            continue
        rows.append((line, {name: value for name, value in zip(header, fields, strict=False) if name}))
    return rows, header, problems
