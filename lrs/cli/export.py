"""`lrs-bridge export`: statements as NDJSON (one per line) from GET /admin/exports/statements, with
every xAPI filter, written to a file with progress."""

from __future__ import annotations

import sys
import time
from typing import IO

import click

from lrs.cli.main import CliState, pass_state

FILTERS = ("agent", "verb", "activity", "registration", "since", "until")


@click.command()
@click.option("-o", "--output", type=click.File("wb"), default="-", help="file to write (default: stdout)")
@click.option(
    "--agent", metavar="JSON", help='statements by this agent (the actor), e.g. \'{"mbox": "mailto:a@b.c"}\''
)
@click.option("--verb", metavar="IRI", help="statements with this verb id")
@click.option("--activity", metavar="IRI", help="statements about this activity (the object)")
@click.option(
    "--registration", metavar="UUID", help="statements of this registration (a SCORM enrollment id)"
)
@click.option("--related-activities", is_flag=True, help="match the activity anywhere in the statement")
@click.option("--related-agents", is_flag=True, help="match the agent anywhere in the statement")
@click.option("--since", metavar="ISO-8601", help="stored after (exclusive)")
@click.option("--until", metavar="ISO-8601", help="stored at or before (inclusive)")
@click.option("--ascending", is_flag=True, help="oldest first (default: newest first, as xAPI)")
@pass_state
def export(
    state: CliState,
    /,
    output: IO[bytes],
    related_activities: bool,
    related_agents: bool,
    ascending: bool,
    **filters: str | None,
) -> None:
    """Export statements (exact format, voided ones left out) as NDJSON."""
    params = {k: v for k, v in filters.items() if v is not None}
    for name, flag in (
        ("related_activities", related_activities),
        ("related_agents", related_agents),
        ("ascending", ascending),
    ):
        if flag:
            params[name] = "true"
    count, started = 0, time.monotonic()
    with state.remote().stream("/admin/exports/statements", params) as response:
        total = int(response.headers.get("x-total-count", "0"))
        with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
            for chunk in response.iter_bytes():
                output.write(chunk)
                lines = chunk.count(b"\n")
                count += lines
                bar.update(lines)
    output.flush()
    elapsed = time.monotonic() - started
    name = getattr(output, "name", "-")
    where = "stdout" if name in ("<stdout>", "-") else name
    rate = f" ({count / elapsed:,.0f} statements/s)" if elapsed > 0 and count else ""
    click.echo(f"exported {count} statement(s) to {where} in {elapsed:.1f} s{rate}", err=True)
    if count != total:
        click.echo(
            f"note: the server counted {total} matching statement(s) when the export started", err=True
        )
