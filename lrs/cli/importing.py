"""`lrs-bridge import FILE`: read a legacy progress export here, import it through POST /admin/imports
in batches, report every problem of every row (line, column, value, reason) and a summary."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from lrs.cli.legacy_file import DELIMITERS, FileError, read_legacy
from lrs.cli.main import CliState, pass_state
from lrs.scorm.legacy import RowProblem


def problem_line(p: RowProblem) -> str:
    """One reported problem: `line 4, last_score = '250': out of range: ...`."""
    where = f"line {p.line}" + ("" if p.column == "-" else f", {p.column}")
    return f"{where} = {p.value!r}: {p.reason}"


def _delimiter(value: str | None) -> str | None:
    if value is None:
        return None
    named = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|", "\\t": "\t"}
    sep = named.get(value.lower(), value)
    if sep not in DELIMITERS:
        raise click.BadParameter("one of , ; tab |", param_hint="--delimiter")
    return sep


@click.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check every row and say what would be imported; write nothing")
@click.option(
    "--encoding",
    default=None,
    help="the file's encoding (default: UTF-8 with or without BOM, else Windows-1252)",
)
@click.option(
    "--delimiter", default=None, help="CSV delimiter: , ; tab | (default: detected from the header)"
)
@click.option(
    "--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000), help="rows per request"
)
@pass_state
def import_file(
    state: CliState, file: Path, dry_run: bool, encoding: str | None, delimiter: str | None, batch_size: int
) -> None:
    """Import the LMS's legacy progress export (CSV with a header, or JSON lines). Running it again
    imports nothing twice. Exit code 1 when any row has a problem."""
    try:
        legacy = read_legacy(file.read_bytes(), encoding=encoding, delimiter=_delimiter(delimiter))
    except (FileError, LookupError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    how = f"{legacy.kind}, {legacy.encoding}" + (
        f", delimiter {legacy.delimiter!r}" if legacy.delimiter else ""
    )
    click.echo(f"{file}: {len(legacy.rows)} row(s) ({how})", err=True)
    if legacy.ignored_columns:
        click.echo(f"ignored columns: {', '.join(legacy.ignored_columns)}", err=True)
    remote = state.remote()
    counts: Counter[str] = Counter()
    problems = list(legacy.problems)
    with click.progressbar(length=len(legacy.rows), label="importing", file=sys.stderr) as bar:
        for start in range(0, len(legacy.rows), batch_size):
            batch = legacy.rows[start : start + batch_size]
            body: dict[str, Any] = {
                "rows": [{"line": line, "values": values} for line, values in batch],
                "dry_run": dry_run,
            }
            answer = remote.call("POST", "/admin/imports", json=body)
            for result in answer["results"]:
                counts[result["outcome"]] += 1
                problems += [RowProblem(**p) for p in result.get("problems", [])]
            bar.update(len(batch))
    bad_rows = len({p.line for p in problems})
    for p in sorted(problems, key=lambda p: p.line):
        click.echo(problem_line(p))
    done = f"would import {counts['would import']}" if dry_run else f"imported {counts['imported']}"
    click.echo(
        f"{done}, skipped {counts['skipped']} (already imported), "
        f"{bad_rows} row(s) with problems ({len(problems)} problem(s))"
    )
    if problems:
        sys.exit(1)
