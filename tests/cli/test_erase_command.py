"""`lrs-bridge erase` against a real server: a learner seeded through the import and an xAPI agent
through statements, erased, then erased again (nothing left to remove)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from click.testing import CliRunner, Result

from lrs.cli import cli
from lrs.scorm.attempts import enrollment_id
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ENROLLMENTS, STATEMENTS
from tests.cli.server import Server, running_server
from tests.support import API_KEY, API_SECRET

pytestmark = pytest.mark.uvicorn

ZOE = {"objectType": "Agent", "mbox": "mailto:zoe@example.com"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server() as running:
        rows = "user_id,course_id,completed,last_score\r\ner-1,c-1,true,80\r\ner-2,c-1,true,90\r\n"
        (tmp_path / "rows.csv").write_text(rows, encoding="utf-8")
        assert invoke(running, "import", str(tmp_path / "rows.csv")).exit_code == 0
        statement = {
            "actor": ZOE,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "https://example.com/a"},
        }
        response = httpx2.post(
            running.url + "/xapi/statements",
            json=statement,
            auth=(API_KEY, API_SECRET),
            headers={"X-Experience-API-Version": "1.0.3"},
        )
        assert response.status_code == 200, response.text
        yield running


def invoke(server: Server, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=server.env(), catch_exceptions=False)


def count(server: Server, collection: str, query: dict[str, object]) -> int:
    async def work(db: Database) -> int:
        return await db.collection(collection).count(query)

    return int(server.run(work))


def test_erase_command_removes_a_learner_and_is_idempotent(server: Server) -> None:
    result = invoke(server, "erase", "er-1", "--yes")
    assert result.exit_code == 0, result.output
    summary = result.stdout.strip()
    assert summary.startswith("erased 1 learner(s) and 0 agent(s); removed: ")
    assert "scorm_enrollments 1" in summary and "statements " in summary
    assert count(server, SCORM_ENROLLMENTS, {"_id": enrollment_id("er-1", "c-1")}) == 0
    assert (
        count(server, SCORM_ENROLLMENTS, {"_id": enrollment_id("er-2", "c-1")}) == 1
    )  # the other learner stays

    again = invoke(server, "erase", "er-1", "--yes")
    assert again.stdout == "erased 1 learner(s) and 0 agent(s); removed: nothing\n"


def test_erase_command_removes_an_xapi_agent(server: Server) -> None:
    assert count(server, STATEMENTS, {"agent": "mbox:mailto:zoe@example.com"}) == 1
    result = invoke(server, "erase", "--agent", '{"mbox": "mailto:zoe@example.com"}', "--yes")
    assert result.exit_code == 0, result.output
    assert "statements 1" in result.stdout
    assert count(server, STATEMENTS, {"agent": "mbox:mailto:zoe@example.com"}) == 0
