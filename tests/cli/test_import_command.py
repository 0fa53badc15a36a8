"""`lrs-bridge import` against a real server: files shaped like real LMS exports, every problem reported."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from lrs.cli import cli
from lrs.scorm.attempts import enrollment_id
from lrs.storage import Database
from lrs.storage.indexes import SCORM_ENROLLMENTS, STATEMENTS
from tests.cli.server import Server, running_server

pytestmark = pytest.mark.uvicorn

BOM_CSV = (
    "\ufeffuser_id,user_name,course_id,course_title,completed,last_score,best_score,total_time_spent,"
    "attempts,first_access,last_access\r\n"
    "u-1,Ann Archer,c-1,Course One,true,80,90,PT1H30M,3,2024-01-10T09:00:00Z,2024-02-01T10:00:00Z\r\n"
    "u-2,Bob Baker,c-1,Course One,false,,,754,1,2024-03-01T08:00:00Z,2024-03-01T08:12:34Z\r\n"
)
CP1252_SEMICOLON = (
    "user_id;user_name;course_id;course_title;completed;last_score;total_time_spent;first_access\r\n"
    "u-10;José Núñez;c-é;Sécurité générale;oui;;00:20:00;2024-04-02T12:00:00\r\n"
    "u-11;Zoë Ångström;c-é;Sécurité générale;yes;75,5;01:00:00;2024-04-03 08:00:00\r\n"
)
BAD_ROWS = (
    "user_id,course_id,completed,last_score,best_score,total_time_spent,attempts,first_access,last_access\r\n"
    "u-20,c-1,true,95,95,00:10:00,1,2024-01-01,2024-01-02\r\n"
    "u-21,c-1,true,250,95,00:10:00,1,2024-01-01,2024-01-02\r\n"
    ",c-1,perhaps,80,xx,1:99:00,-2,2024-02-30,1990-05-05\r\n"
    "u-23,c-1\r\n"
    "u-24,c-1,false,,,P1Y,,2099-01-01,\r\n"
)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server() as running:
        yield running


def invoke(server: Server, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=server.env(), catch_exceptions=False)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def enrollment(server: Server, learner: str, course: str) -> Any:
    async def work(db: Database) -> Any:
        return await db.collection(SCORM_ENROLLMENTS).find_one({"_id": enrollment_id(learner, course)})

    return server.run(work)


def test_import_command_utf8_bom_file_dry_run_then_import_then_again(server: Server, tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", BOM_CSV)
    dry = invoke(server, "import", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "2 row(s) (csv, utf-8-sig, delimiter ',')" in dry.stderr
    assert (
        dry.stdout.splitlines()[-1]
        == "would import 2, skipped 0 (already imported), 0 row(s) with problems (0 problem(s))"
    )
    assert enrollment(server, "u-1", "c-1") is None

    first = invoke(server, "import", str(path))
    assert first.exit_code == 0 and first.stdout.endswith(
        "imported 2, skipped 0 (already imported), 0 row(s) with problems (0 problem(s))\n"
    )
    ann = enrollment(server, "u-1", "c-1")
    assert (ann["learner_name"], ann["total_time_s"], ann["best_score_raw"], ann["status"]) == (
        "Ann Archer",
        5400.0,
        90.0,
        "completed",
    )

    again = invoke(server, "import", str(path))
    assert again.exit_code == 0 and "imported 0, skipped 2 (already imported)" in again.stdout


def test_import_command_cp1252_semicolon_file_keeps_accents(server: Server, tmp_path: Path) -> None:
    path = write(tmp_path, "cp1252.csv", CP1252_SEMICOLON, "cp1252")
    result = invoke(server, "import", str(path))
    assert "(csv, cp1252, delimiter ';')" in result.stderr
    # "oui" is not a boolean the export format knows: that row is refused, the other imported
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "line 2, completed = 'oui': not a boolean (true/false, 1/0, yes/no)",
        "imported 1, skipped 0 (already imported), 1 row(s) with problems (1 problem(s))",
    ]
    zoe = enrollment(server, "u-11", "c-é")
    assert (zoe["learner_name"], zoe["course_title"], zoe["last_score_raw"], zoe["total_time_s"]) == (
        "Zoë Ångström",
        "Sécurité générale",
        75.5,
        3600.0,
    )


def test_import_command_reports_every_problem_of_every_row(server: Server, tmp_path: Path) -> None:
    result = invoke(server, "import", str(write(tmp_path, "bad.csv", BAD_ROWS)))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "line 3, last_score = '250': out of range: a score is a percentage from 0 to 100",
        "line 4, user_id = '': required",
        "line 4, completed = 'perhaps': not a boolean (true/false, 1/0, yes/no)",
        "line 4, best_score = 'xx': not a number",
        "line 4, total_time_spent = '1:99:00': not hh:mm:ss (minutes and seconds 0-59)",
        "line 4, attempts = '-2': not a whole number of attempts (0 or more)",
        "line 4, first_access = '2024-02-30': not an ISO 8601 date (like 2024-01-31T09:00:00Z)",
        "line 4, last_access = '1990-05-05': out of range: before 2000-01-01 (LRS_IMPORT_EARLIEST_DATE)",
        "line 5 = 'u-23,c-1': 2 fields; the header has 9",
        "line 6, total_time_spent = 'P1Y': years and months have no fixed length; use days, hours, minutes, seconds",
        "line 6, first_access = '2099-01-01': out of range: in the future",
        "imported 1, skipped 0 (already imported), 4 row(s) with problems (11 problem(s))",
    ]
    assert enrollment(server, "u-20", "c-1") is not None
    assert enrollment(server, "u-21", "c-1") is None


def test_import_command_json_lines_in_small_batches(server: Server, tmp_path: Path) -> None:
    lines = "".join(
        f'{{"user_id": "j-{n}", "course_id": "c-j", "completed": true, "last_score": {n}, "total_time_spent": 60}}\n'
        for n in range(7)
    )
    result = invoke(server, "import", str(write(tmp_path, "rows.jsonl", lines)), "--batch-size", "3")
    assert result.exit_code == 0, result.output
    assert "7 row(s) (jsonl, utf-8)" in result.stderr and "imported 7, skipped 0" in result.stdout

    async def count(db: Database) -> int:
        return await db.collection(STATEMENTS).count({"statement.actor.account.name": {"$regex": "^j-"}})

    assert server.run(count) > 7


def test_import_command_without_a_usable_header_fails_in_one_line(server: Server, tmp_path: Path) -> None:
    result = invoke(server, "import", str(write(tmp_path, "x.csv", "learner;course\r\nu;c\r\n")))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "has no user_id and no course_id column" in result.stderr


def test_import_command_through_the_installed_entry_point(server: Server, tmp_path: Path) -> None:
    path = write(tmp_path, "one.csv", "user_id,course_id,completed\r\nep-1,c-ep,true\r\n")
    exe = Path(sys.executable).parent / "lrs-bridge"
    done = subprocess.run(
        [str(exe), "import", str(path)],
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.strip()
        == "imported 1, skipped 0 (already imported), 0 row(s) with problems (0 problem(s))"
    )
    assert enrollment(server, "ep-1", "c-ep")["status"] == "completed"
