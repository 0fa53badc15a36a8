"""`lrs-bridge export` against a real server: NDJSON to a file, filters passed through, errors in one line."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from click.testing import CliRunner, Result

from lrs.cli import cli
from tests.cli.server import Server, running_server
from tests.support import API_KEY, API_SECRET

pytestmark = pytest.mark.uvicorn

ANN = {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
BOB = {"objectType": "Agent", "mbox": "mailto:bob@example.com"}
VERB = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server(export_page_size=7) as running:
        statements = [
            {
                "id": str(uuid.UUID(int=n + 1)),
                "actor": ANN if n % 3 else BOB,
                "verb": {"id": VERB + ("completed" if n % 2 else "experienced")},
                "object": {"id": f"https://example.com/a/{n % 5}"},
            }
            for n in range(40)
        ]
        response = httpx2.post(
            running.url + "/xapi/statements",
            json=statements,
            auth=(API_KEY, API_SECRET),
            headers={"X-Experience-API-Version": "1.0.3"},
        )
        assert response.status_code == 200, response.text
        yield running


def invoke(server: Server, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=server.env(), catch_exceptions=False)


def test_export_command_writes_every_statement_to_a_file(server: Server, tmp_path: Path) -> None:
    out = tmp_path / "all.ndjson"
    result = invoke(server, "export", "-o", str(out), "--ascending")
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 40
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(
        str(uuid.UUID(int=n + 1)) for n in range(40)
    )
    assert result.stderr.splitlines()[-1].startswith(f"exported 40 statement(s) to {out} in ")


@pytest.mark.parametrize(
    ("args", "count"),
    [
        pytest.param(["--agent", json.dumps(BOB)], 14, id="agent"),
        pytest.param(["--verb", VERB + "completed"], 20, id="verb"),
        pytest.param(["--activity", "https://example.com/a/0"], 8, id="activity"),
        pytest.param(["--agent", json.dumps(ANN), "--verb", VERB + "experienced"], 13, id="agent-and-verb"),
        pytest.param(["--agent", json.dumps(ANN), "--related-agents"], 26, id="related-agents"),
        pytest.param(
            ["--since", "2000-01-01T00:00:00Z", "--until", "2000-01-02T00:00:00Z"], 0, id="time-range"
        ),
    ],
)
def test_export_command_filters(server: Server, tmp_path: Path, args: list[str], count: int) -> None:
    result = invoke(server, "export", *args)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == count
    assert f"exported {count} statement(s) to stdout" in result.stderr


def test_export_command_shows_the_server_error(server: Server) -> None:
    result = invoke(server, "export", "--verb", "not an iri")
    assert result.exit_code == 1
    assert result.stderr == "Error: verb must be an IRI [verb] (HTTP 400 invalid_parameter)\n"
