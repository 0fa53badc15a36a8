"""CSV reports streamed without a row cap (in chunks), with an optional BOM, dates to the second."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from lrs.reports.csv import csv_value
from lrs.settings import Settings
from lrs.storage.indexes import SCORM_ENROLLMENTS
from tests.reports.seed import enrollment
from tests.support import make_settings

ROWS = 11


@pytest.fixture
def settings() -> Settings:
    """Small CSV chunks; an LMS on another origin is allowed (CORS is off unless LRS_CORS_ORIGINS names it)."""
    return make_settings(report_csv_chunk_rows=3, cors_origins=["https://lms.example.com"])


@pytest.fixture
def many(client: TestClient) -> TestClient:
    start = datetime(2026, 1, 1, 8, 30, 15, 123000, tzinfo=UTC)
    docs = [
        enrollment(f"l{n:02d}", "c1", "passed", 1, 50 + n, start, start + timedelta(hours=n), None)
        for n in range(ROWS)
    ]
    client.portal.call(client.app.state.db.collection(SCORM_ENROLLMENTS).insert_many, docs)  # type: ignore[attr-defined]
    return client


def table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_streams_every_row_past_the_chunk_size(many: TestClient) -> None:
    response = many.get("/reports/enrollments", params={"format": "csv"})
    assert response.status_code == 200 and response.headers["x-total-count"] == str(ROWS)
    rows = table(response.text)
    assert rows[0][:3] == ["enrollment_id", "learner", "learner_name"] and len(rows) == ROWS + 1
    assert [r[1] for r in rows[1:]] == [f"l{n:02d}" for n in range(ROWS)]
    assert not response.text.startswith("\ufeff") and response.text.endswith("\r\n")


def test_csv_json_stays_paged(many: TestClient) -> None:
    body = many.get("/reports/enrollments").json()
    assert (len(body["items"]), body["total"], body["limit"]) == (ROWS, ROWS, 100)


@pytest.mark.parametrize(
    ("params", "learners"),
    [
        pytest.param({"offset": "4"}, [f"l{n:02d}" for n in range(4, ROWS)], id="offset"),
        pytest.param({"limit": "5"}, [f"l{n:02d}" for n in range(5)], id="limit"),
        pytest.param({"limit": "4", "offset": "8"}, ["l08", "l09", "l10"], id="limit-past-the-end"),
        pytest.param({"offset": "50"}, [], id="offset-past-the-end"),
    ],
)
def test_csv_honours_offset_and_an_explicit_limit(
    many: TestClient, params: dict[str, str], learners: list[str]
) -> None:
    rows = table(many.get("/reports/enrollments", params={"format": "csv", **params}).text)
    assert [r[1] for r in rows[1:]] == learners


def test_csv_with_bom_for_excel(many: TestClient) -> None:
    response = many.get("/reports/enrollments", params={"format": "csv", "bom": "true"})
    assert response.content.startswith(b"\xef\xbb\xbfenrollment_id,learner,")
    assert len(table(response.content.decode("utf-8-sig"))) == ROWS + 1


def test_csv_bad_bom_value_is_400(many: TestClient) -> None:
    response = many.get("/reports/enrollments", params={"format": "csv", "bom": "yes"})
    assert response.status_code == 400 and response.json()["field"] == "bom"


def test_csv_dates_are_iso_8601_utc_to_the_second(many: TestClient) -> None:
    rows = table(many.get("/reports/enrollments", params={"format": "csv", "limit": "1"}).text)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["first_access"] == "2026-01-01T08:30:15Z"
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row[c]) for c in ("first_access", "last_access")
    )


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        pytest.param(datetime(2026, 1, 3, 10, 20, 0, 999000, tzinfo=UTC), "2026-01-03T10:20:00Z", id="aware"),
        pytest.param(datetime(2026, 1, 3, 10, 20), "2026-01-03T10:20:00Z", id="naive-is-utc"),
        pytest.param(
            datetime(2026, 1, 3, 11, 20, tzinfo=UTC).astimezone(UTC), "2026-01-03T11:20:00Z", id="utc"
        ),
    ],
)
def test_csv_value_dates(value: datetime, cell: str) -> None:
    assert csv_value(value) == cell


def test_total_count_is_readable_by_browsers(many: TestClient) -> None:
    response = many.get("/reports/enrollments", headers={"Origin": "https://lms.example.com"})
    exposed = [h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")]
    assert "x-total-count" in exposed
