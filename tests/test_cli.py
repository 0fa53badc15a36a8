"""The lrs-bridge command: credentials and serve's guard rails.

The command reads the real environment: `cli_env` points it at this run's store (a database of the
test's own on LRS_TEST_MONGODB_URL, dropped after; else the in-memory store) from a directory
without a .env file."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrs.cli import main
from tests.support import STORE


def test_cli_credentials_create_prints_key_and_secret(
    cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["credentials", "create", "--name", "launcher", "--scopes", "scorm/commit,statements/read"]) == 0
    )
    out = capsys.readouterr()
    assert "key:" in out.out and "secret:" in out.out
    assert "scopes: scorm/commit,statements/read" in out.out
    assert ("in-memory" in out.err) is (STORE == "memory")


def test_cli_credentials_create_refuses_unknown_scope(
    cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["credentials", "create", "--name", "x", "--scopes", "root"]) == 2
    assert "unknown scope 'root'" in capsys.readouterr().err


def test_cli_credentials_revoke_unknown_key_fails(cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["credentials", "revoke", "nope"]) == 2
    assert "no credential with key 'nope'" in capsys.readouterr().err


@pytest.mark.memory_only(reason="the guard is about the in-memory store: serve refuses before opening it")
def test_cli_serve_refuses_several_workers_on_the_memory_store(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LRS_MONGODB_URL", raising=False)
    assert main(["serve", "--workers", "2"]) == 2
    assert "needs LRS_MONGODB_URL" in capsys.readouterr().err
