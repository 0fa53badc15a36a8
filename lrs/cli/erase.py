"""`lrs-bridge erase`: remove every trace of learners (LMS ids) or xAPI agents, through the admin API."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import click

from lrs.cli.main import CliState, pass_state


@click.command()
@click.argument("learners", nargs=-1)
@click.option(
    "--agent",
    "agents",
    multiple=True,
    metavar="JSON",
    help='an xAPI agent, e.g. \'{"mbox": "mailto:a@b.c"}\'',
)
@click.option(
    "--file",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="learner ids, one a line",
)
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@pass_state
def erase(
    state: CliState, learners: tuple[str, ...], agents: tuple[str, ...], from_file: Path | None, yes: bool
) -> None:
    """Erase LEARNERS (LMS learner ids) and --agent agents: statements, documents, enrollments,
    attempts, sessions, commits and audit rows. Idempotent: erasing again removes nothing."""
    ids = list(learners)
    if from_file is not None:
        ids += [
            line.strip() for line in from_file.read_text(encoding="utf-8-sig").splitlines() if line.strip()
        ]
    for agent in agents:
        try:
            json.loads(agent)
        except ValueError:
            raise click.BadParameter(f"not JSON: {agent}", param_hint="--agent") from None
    if not ids and not agents:
        raise click.UsageError("name at least one learner id, --agent or --file")
    remote = state.remote()
    if not yes:
        click.confirm(
            f"erase {len(ids)} learner(s) and {len(agents)} agent(s) from {remote.url}? This cannot be undone",
            abort=True,
            err=True,
        )
    removed: Counter[str] = Counter()
    targets = [("learner", i) for i in ids] + [("agent", a) for a in agents]
    with click.progressbar(targets, label="erasing", file=sys.stderr) as bar:
        for kind, target in bar:
            if kind == "learner":
                answer = remote.call("DELETE", f"/admin/learners/{quote(target, safe='')}")
            else:
                answer = remote.call("DELETE", "/admin/agents", params={"agent": target})
            removed.update({k: int(v) for k, v in answer.get("removed", {}).items()})
    detail = ", ".join(f"{name} {count}" for name, count in sorted(removed.items()) if count) or "nothing"
    click.echo(f"erased {len(ids)} learner(s) and {len(agents)} agent(s); removed: {detail}")
