"""`lrs-bridge credentials …` and `whoami` against a real server: the whole life of a credential."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lrs.cli import cli
from tests.cli.server import Server, running_server

pytestmark = pytest.mark.uvicorn


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server(auth_cache_seconds=0) as running:
        yield running


def invoke(server: Server, *args: str, key: str | None = None, secret: str | None = None) -> Result:
    env = server.env()
    if key is not None:
        env.update(LRS_ADMIN_KEY=key, LRS_ADMIN_SECRET=secret or "")
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def fields(output: str) -> dict[str, str]:
    return {
        line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in output.splitlines() if ":" in line
    }


def test_credential_life_create_whoami_rotate_revoke(server: Server) -> None:
    created = invoke(
        server, "credentials", "create", "--label", "launcher", "--scopes", "scorm/commit,reports/read"
    )
    assert created.exit_code == 0, created.output
    shown = fields(created.stdout)
    key, secret = shown["key"], shown["secret"]
    assert shown["scopes"] == "scorm/commit,reports/read" and len(secret) >= 16

    listed = invoke(server, "credentials", "list")
    row = next(line.split() for line in listed.stdout.splitlines() if line.startswith(key))
    assert row[1:4] == ["launcher", "active", "scorm/commit,reports/read"]

    me = invoke(server, "whoami", key=key, secret=secret)
    assert me.exit_code == 0 and fields(me.stdout)["label"] == "launcher"

    rotated = invoke(server, "credentials", "rotate", key)
    new_secret = fields(rotated.stdout)["secret"]
    assert new_secret != secret
    old = invoke(server, "whoami", key=key, secret=secret)
    assert old.exit_code == 1 and old.stderr.startswith("Error: ") and "(HTTP 401 unauthorized)" in old.stderr
    assert invoke(server, "whoami", key=key, secret=new_secret).exit_code == 0

    revoked = invoke(server, "credentials", "revoke", key)
    assert revoked.stdout == f"revoked {key}\n"
    assert invoke(server, "whoami", key=key, secret=new_secret).exit_code == 1
    listed = invoke(server, "credentials", "list")
    assert next(line.split() for line in listed.stdout.splitlines() if line.startswith(key))[2] == "revoked"


def test_credentials_create_unknown_scope_is_one_line(server: Server) -> None:
    result = invoke(server, "credentials", "create", "--label", "x", "--scopes", "root")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "root" in result.stderr and "HTTP 422" in result.stderr


def test_credentials_need_the_admin_scope(server: Server) -> None:
    created = fields(invoke(server, "credentials", "create", "--label", "reader", "--scopes", "all").stdout)
    result = invoke(server, "credentials", "list", key=created["key"], secret=created["secret"])
    assert result.exit_code == 1 and "(HTTP 403 forbidden)" in result.stderr


def test_whoami_through_the_installed_entry_point(server: Server) -> None:
    exe = Path(sys.executable).parent / "lrs-bridge"
    done = subprocess.run(
        [str(exe), "whoami"], env=server.env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "admin" in fields(done.stdout)["scopes"].split(",")
