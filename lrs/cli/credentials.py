"""`lrs-bridge credentials create|list|revoke|rotate` and `whoami`: the admin API's credentials."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import click

from lrs.cli.main import CliState, pass_state


def _scopes(value: str) -> list[str]:
    return [s.strip() for s in value.split(",") if s.strip()]


def _show(item: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        value = item.get(name)
        shown = ",".join(value) if isinstance(value, list) else ("" if value is None else value)
        click.echo(f"{name + ':':<11}{shown}")


@click.group()
def credentials() -> None:
    """Create, list, revoke and rotate the server's API credentials (scope admin)."""


@credentials.command()
@click.option("--label", required=True, help="what the credential is for (e.g. launcher)")
@click.option("--scopes", default="all", show_default=True, help="comma-separated scopes")
@click.option("--expires", default=None, metavar="ISO-8601", help="expiry date-time (default: never)")
@pass_state
def create(state: CliState, label: str, scopes: str, expires: str | None) -> None:
    """Create a credential; its secret is shown this once."""
    body = {"label": label, "scopes": _scopes(scopes), "expires_at": expires}
    created = state.remote().call("POST", "/admin/credentials", json=body)
    _show(created, ("key", "secret", "label", "scopes", "expires_at"))
    click.echo("the secret is stored hashed and cannot be shown again", err=True)


@credentials.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="print the server's JSON answer")
@pass_state
def list_(state: CliState, as_json: bool) -> None:
    """List credentials (never their secrets)."""
    answer = state.remote().call("GET", "/admin/credentials")
    if as_json:
        click.echo(json.dumps(answer, indent=2))
        return
    rows = [("KEY", "LABEL", "STATE", "SCOPES", "EXPIRES", "CREATED")]
    for c in answer["items"]:
        state_ = "revoked" if c.get("revoked") else "active"
        rows.append(
            (
                c["key"],
                c.get("label") or "",
                state_,
                ",".join(c.get("scopes", [])),
                c.get("expires_at") or "-",
                c.get("created") or "",
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    click.echo(f"{answer.get('total', len(answer['items']))} credential(s)", err=True)


@credentials.command()
@click.argument("key")
@pass_state
def revoke(state: CliState, key: str) -> None:
    """Revoke a credential (it stops working within LRS_AUTH_CACHE_SECONDS)."""
    answer = state.remote().call("DELETE", f"/admin/credentials/{quote(key, safe='')}")
    click.echo(f"revoked {answer.get('key', key)}")


@credentials.command()
@click.argument("key")
@pass_state
def rotate(state: CliState, key: str) -> None:
    """Give a credential a new secret (shown this once); the old one stops working."""
    answer = state.remote().call("POST", f"/admin/credentials/{quote(key, safe='')}/rotate")
    _show(answer, ("key", "secret"))
    click.echo("the secret is stored hashed and cannot be shown again", err=True)


@click.command()
@pass_state
def whoami(state: CliState) -> None:
    """Show the credential the CLI calls with: key, label, scopes, expiry."""
    _show(state.remote().call("GET", "/admin/whoami"), ("key", "label", "scopes", "expires_at"))
