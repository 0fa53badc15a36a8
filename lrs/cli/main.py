"""The lrs-bridge command group. `serve` runs the service here; every other command calls a running server
over HTTP (--url / LRS_URL) with an admin credential (LRS_ADMIN_KEY / LRS_ADMIN_SECRET, else
LRS_DEFAULT_API_KEY / LRS_DEFAULT_API_SECRET, else asked for)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import click
import httpx2

from lrs.cli.client import DEFAULT_URL, Remote

CREDENTIAL_VARIABLES = (
    ("LRS_ADMIN_KEY", "LRS_ADMIN_SECRET"),
    ("LRS_DEFAULT_API_KEY", "LRS_DEFAULT_API_SECRET"),
)


@dataclass
class CliState:
    """What the commands share: where the server is and who calls it; tests set `transport`."""

    url: str = DEFAULT_URL
    key: str | None = None
    secret: str | None = None
    transport: httpx2.BaseTransport | None = None
    remotes: list[Remote] = field(default_factory=list)

    def remote(self) -> Remote:
        """The server, called with the admin credential (asked for when none is configured)."""
        key, secret = self.key, self.secret
        if key is None:
            key, secret = next(
                ((os.environ[k], os.environ.get(s)) for k, s in CREDENTIAL_VARIABLES if os.environ.get(k)),
                (None, secret),
            )
        key = key or click.prompt("admin key", err=True)
        secret = secret or click.prompt(f"secret of {key}", hide_input=True, err=True)
        remote = Remote(self.url, key, secret, self.transport)
        self.remotes.append(remote)
        return remote


pass_state = click.make_pass_decorator(CliState, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="lrs-bridge", prog_name="lrs-bridge")
@click.option(
    "--url",
    envvar="LRS_URL",
    default=DEFAULT_URL,
    show_default=True,
    help="the running server (env LRS_URL)",
)
@click.option(
    "--key", default=None, help="admin credential key (default: env LRS_ADMIN_KEY, LRS_DEFAULT_API_KEY)"
)
@click.option(
    "--secret",
    default=None,
    help="its secret; prefer env LRS_ADMIN_SECRET (a command line is visible to other users)",
)
@click.pass_context
def cli(ctx: click.Context, url: str, key: str | None, secret: str | None) -> None:
    """lrs-bridge: the xAPI LRS beside a SCORM player. Every command but `serve` talks to a running
    server over HTTP."""
    state = ctx.ensure_object(CliState)
    state.url, state.key, state.secret = url, key, secret or state.secret

    @ctx.call_on_close
    def close() -> None:
        for remote in state.remotes:
            remote.close()


def _register() -> None:
    from lrs.cli import credentials, erase, export, importing, serve

    cli.add_command(serve.serve)
    cli.add_command(credentials.credentials)
    cli.add_command(credentials.whoami)
    cli.add_command(importing.import_file)
    cli.add_command(export.export)
    cli.add_command(erase.erase)


_register()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the lrs-bridge console command."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="lrs-bridge")


if __name__ == "__main__":
    main(sys.argv[1:])
