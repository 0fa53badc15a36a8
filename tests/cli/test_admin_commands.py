"""credentials, whoami and erase against the Admin API contract (CONTRACTS.md), served by a mock
transport that records every request; plus the CLI's shape: version, help, completion, errors."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx2
import pytest
from click.testing import CliRunner, Result

from lrs.cli import cli
from lrs.cli.main import CliState

ENV = {"LRS_URL": "http://lrs.test:9000", "LRS_ADMIN_KEY": "adm", "LRS_ADMIN_SECRET": "pw"}
CREATED = {
    "key": "k1",
    "secret": "s3cret",
    "label": "launcher",
    "scopes": ["scorm/commit"],
    "expires_at": None,
    "created": "2026-11-01T10:00:00Z",
    "revoked": False,
}


class FakeAdmin:
    """The Admin API as the contract writes it, enough for the CLI."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        path, method = request.url.path, request.method
        if (method, path) == ("POST", "/admin/credentials"):
            body = json.loads(request.content)
            return httpx2.Response(201, json={**CREATED, **body})
        if (method, path) == ("GET", "/admin/credentials"):
            item = {k: v for k, v in CREATED.items() if k != "secret"}
            return httpx2.Response(
                200, json={"items": [item, {**item, "key": "k2", "revoked": True}], "total": 2}
            )
        if method == "DELETE" and path == "/admin/credentials/nope":
            return httpx2.Response(
                404, json={"error": "not_found", "message": "no credential with key 'nope'", "field": "key"}
            )
        if method == "DELETE" and path.startswith("/admin/credentials/"):
            return httpx2.Response(200, json={"key": path.rsplit("/", 1)[1], "revoked": True})
        if method == "POST" and path.endswith("/rotate"):
            return httpx2.Response(200, json={"key": path.split("/")[3], "secret": "n3w"})
        if (method, path) == ("GET", "/admin/whoami"):
            return httpx2.Response(
                200, json={"key": "adm", "label": "ops", "scopes": ["admin", "all"], "expires_at": None}
            )
        if method == "DELETE" and path.startswith("/admin/learners/"):
            return httpx2.Response(
                200,
                json={
                    "learner": path.rsplit("/", 1)[1],
                    "removed": {"statements": 3, "scorm_enrollments": 1, "documents": 0},
                },
            )
        if (method, path) == ("DELETE", "/admin/agents"):
            return httpx2.Response(
                200, json={"agent": json.loads(request.url.params["agent"]), "removed": {"statements": 2}}
            )
        return httpx2.Response(404, json={"error": "not_found", "message": f"no route {method} {path}"})


@pytest.fixture
def fake() -> FakeAdmin:
    return FakeAdmin()


def invoke(
    fake: FakeAdmin, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> Result:
    state = CliState(transport=httpx2.MockTransport(fake))
    return CliRunner().invoke(cli, list(args), env=ENV if env is None else env, obj=state, input=stdin)


def auth_of(request: httpx2.Request) -> str:
    return base64.b64decode(request.headers["authorization"].split()[1]).decode()


def test_credentials_create_sends_the_contract_body_and_shows_the_secret_once(fake: FakeAdmin) -> None:
    result = invoke(
        fake,
        "credentials",
        "create",
        "--label",
        "launcher",
        "--scopes",
        "scorm/commit, reports/read",
        "--expires",
        "2027-01-01T00:00:00Z",
    )
    assert result.exit_code == 0, result.output
    (request,) = fake.requests
    assert str(request.url) == "http://lrs.test:9000/admin/credentials" and auth_of(request) == "adm:pw"
    assert json.loads(request.content) == {
        "label": "launcher",
        "scopes": ["scorm/commit", "reports/read"],
        "expires_at": "2027-01-01T00:00:00Z",
    }
    assert "key:       k1" in result.stdout and "secret:    s3cret" in result.stdout
    assert "cannot be shown again" in result.stderr


def test_credentials_list_is_a_table(fake: FakeAdmin) -> None:
    result = invoke(fake, "credentials", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["KEY", "LABEL", "STATE", "SCOPES", "EXPIRES", "CREATED"]
    assert lines[1].split() == ["k1", "launcher", "active", "scorm/commit", "-", "2026-11-01T10:00:00Z"]
    assert lines[2].split()[:3] == ["k2", "launcher", "revoked"]
    assert "2 credential(s)" in result.stderr


def test_credentials_list_json(fake: FakeAdmin) -> None:
    result = invoke(fake, "credentials", "list", "--json")
    assert json.loads(result.stdout)["total"] == 2


def test_credentials_revoke_and_rotate(fake: FakeAdmin) -> None:
    assert invoke(fake, "credentials", "revoke", "k1").stdout == "revoked k1\n"
    rotated = invoke(fake, "credentials", "rotate", "k/1")
    assert "secret:    n3w" in rotated.stdout
    assert [(r.method, r.url.raw_path.decode()) for r in fake.requests] == [
        ("DELETE", "/admin/credentials/k1"),
        ("POST", "/admin/credentials/k%2F1/rotate"),
    ]


def test_server_error_is_one_line_and_exit_1(fake: FakeAdmin) -> None:
    result = invoke(fake, "credentials", "revoke", "nope")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "Error: no credential with key 'nope' [key] (HTTP 404 not_found)\n"


def test_unreachable_server_is_one_line() -> None:
    env = {**ENV, "LRS_URL": "http://127.0.0.1:9"}
    result = CliRunner().invoke(cli, ["whoami"], env=env)
    assert result.exit_code == 1
    assert (
        result.stderr.startswith("Error: cannot reach http://127.0.0.1:9: ")
        and result.stderr.count("\n") == 1
    )


def test_whoami(fake: FakeAdmin) -> None:
    result = invoke(fake, "whoami")
    assert result.stdout.splitlines() == [
        "key:       adm",
        "label:     ops",
        "scopes:    admin,all",
        "expires_at:",
    ]


def test_credential_falls_back_to_the_default_credential(
    fake: FakeAdmin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LRS_ADMIN_KEY", raising=False)
    env = {"LRS_URL": "http://x", "LRS_DEFAULT_API_KEY": "lms", "LRS_DEFAULT_API_SECRET": "change-me"}
    assert invoke(fake, "whoami", env=env).exit_code == 0
    assert auth_of(fake.requests[0]) == "lms:change-me"


def test_credential_is_asked_for_when_none_is_set(fake: FakeAdmin, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LRS_ADMIN_KEY", "LRS_ADMIN_SECRET", "LRS_DEFAULT_API_KEY", "LRS_DEFAULT_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    result = invoke(fake, "whoami", env={"LRS_URL": "http://x"}, stdin="typed-key\ntyped-secret\n")
    assert result.exit_code == 0, result.output
    assert auth_of(fake.requests[0]) == "typed-key:typed-secret"
    assert "typed-secret" not in result.output  # hidden input


def test_secret_on_the_command_line_only_with_the_option(fake: FakeAdmin) -> None:
    result = invoke(fake, "--key", "k", "--secret", "given", "whoami", env={"LRS_URL": "http://x"})
    assert result.exit_code == 0 and auth_of(fake.requests[0]) == "k:given"


def test_erase_learners_and_agents_with_a_summary(fake: FakeAdmin, tmp_path: Any) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("u-2\n\nu 3\n", encoding="utf-8")
    agent = '{"mbox": "mailto:a@b.c"}'
    result = invoke(fake, "erase", "u-1", "--file", str(ids), "--agent", agent, "--yes")
    assert result.exit_code == 0, result.output
    assert [(r.method, r.url.raw_path.decode()) for r in fake.requests[:3]] == [
        ("DELETE", "/admin/learners/u-1"),
        ("DELETE", "/admin/learners/u-2"),
        ("DELETE", "/admin/learners/u%203"),
    ]
    assert fake.requests[3].url.params["agent"] == agent
    assert result.stdout == (
        "erased 3 learner(s) and 1 agent(s); removed: scorm_enrollments 3, statements 11\n"
    )


def test_erase_asks_before_erasing(fake: FakeAdmin) -> None:
    result = invoke(fake, "erase", "u-1", stdin="n\n")
    assert result.exit_code == 1 and fake.requests == []
    assert "erase 1 learner(s) and 0 agent(s) from http://lrs.test:9000?" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["erase", "--yes"], "name at least one learner id", id="nothing"),
        pytest.param(["erase", "--agent", "{not json", "--yes"], "not JSON", id="bad-agent"),
    ],
)
def test_erase_usage_errors(fake: FakeAdmin, args: list[str], message: str) -> None:
    result = invoke(fake, *args)
    assert result.exit_code == 2 and message in result.stderr and fake.requests == []


def test_export_notes_a_count_that_changed_during_the_export(tmp_path: Any) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.url.params["verb"] == "http://v" and request.url.params["ascending"] == "true"
        return httpx2.Response(200, headers={"X-Total-Count": "3"}, content=b'{"id": "a"}\n{"id": "b"}\n')

    out = tmp_path / "s.ndjson"
    state = CliState(transport=httpx2.MockTransport(handler))
    result = CliRunner().invoke(
        cli, ["export", "-o", str(out), "--verb", "http://v", "--ascending"], env=ENV, obj=state
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == b'{"id": "a"}\n{"id": "b"}\n'
    assert "exported 2 statement(s)" in result.stderr
    assert "note: the server counted 3 matching statement(s)" in result.stderr


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("lrs-bridge, version ")


@pytest.mark.parametrize(
    "command",
    [
        ["serve"],
        ["credentials"],
        ["credentials", "create"],
        ["credentials", "list"],
        ["credentials", "revoke"],
        ["credentials", "rotate"],
        ["whoami"],
        ["import"],
        ["export"],
        ["erase"],
    ],
    ids=lambda c: "-".join(c),
)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ")
    assert len(result.stdout.split("\n\n")[1].strip()) > 10  # a description


def test_shell_completion_script() -> None:
    result = CliRunner().invoke(cli, [], prog_name="lrs-bridge", env={"_LRS_BRIDGE_COMPLETE": "bash_source"})
    assert "_lrs_bridge_completion" in result.stdout and "complete " in result.stdout


def test_serve_refuses_several_workers_on_the_memory_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LRS_MONGODB_URL", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--workers", "2"])
    assert result.exit_code == 2 and "needs LRS_MONGODB_URL" in result.stderr
