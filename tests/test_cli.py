"""The lrs-bridge command: credentials and serve's guard rails."""

from __future__ import annotations

import pytest

from lrs.cli import main


def test_cli_credentials_create_prints_key_and_secret(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["credentials", "create", "--name", "launcher", "--scopes", "scorm/commit,statements/read"]) == 0
    )
    out = capsys.readouterr()
    assert "key:" in out.out and "secret:" in out.out
    assert "scopes: scorm/commit,statements/read" in out.out
    assert "in-memory" in out.err


def test_cli_credentials_create_refuses_unknown_scope(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["credentials", "create", "--name", "x", "--scopes", "root"]) == 2
    assert "unknown scope 'root'" in capsys.readouterr().err


def test_cli_credentials_revoke_unknown_key_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["credentials", "revoke", "nope"]) == 2
    assert "no credential with key 'nope'" in capsys.readouterr().err


def test_cli_serve_refuses_several_workers_on_the_memory_store(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LRS_MONGODB_URL", raising=False)
    assert main(["serve", "--workers", "2"]) == 2
    assert "needs LRS_MONGODB_URL" in capsys.readouterr().err
