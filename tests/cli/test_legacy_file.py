"""Reading legacy exports as LMSs write them: encodings, delimiters, JSON lines, broken records."""

from __future__ import annotations

import pytest

from lrs.cli.legacy_file import FileError, decode, read_legacy, sniff_delimiter
from lrs.scorm.legacy import RowProblem


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        pytest.param("é".encode(), "é", "utf-8", id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + "é".encode(), "é", "utf-8-sig", id="utf-8-bom"),
        pytest.param(
            "Zoë Müller \u2013 café".encode("cp1252"), "Zoë Müller \u2013 café", "cp1252", id="cp1252"
        ),
        pytest.param(b"\xe9\x81", "é\x81", "latin-1", id="undefined-in-cp1252"),
    ],
)
def test_decode_detects_the_encoding(data: bytes, text: str, encoding: str) -> None:
    assert decode(data) == (text, encoding)


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [
        pytest.param("user_id,course_id", ",", id="comma"),
        pytest.param("user_id;course_id;completed", ";", id="semicolon"),
        pytest.param("user_id\tcourse_id", "\t", id="tab"),
        pytest.param('"user;id",course_id', ",", id="quoted-semicolon-ignored"),
        pytest.param("user_id", ",", id="single-column"),
    ],
)
def test_sniff_delimiter(line: str, delimiter: str) -> None:
    assert sniff_delimiter(line) == delimiter


def test_read_legacy_semicolon_cp1252_with_multiline_field_and_bad_records() -> None:
    text = (
        "User ID;user_name;course_id;note\r\n"
        'u-1;José Núñez;c-1;"two\r\nlines"\r\n'
        ";;;\r\n"
        "u-2;Ann;c-1;x;extra\r\n"
        "u-3;Bob\r\n"
        "\r\n"
        "u-4;Åsa;c-2;\r\n"
    )
    legacy = read_legacy(text.encode("cp1252"))
    assert (legacy.encoding, legacy.kind, legacy.delimiter) == ("cp1252", "csv", ";")
    assert legacy.header == ("user_id", "user_name", "course_id", "note")
    assert legacy.ignored_columns == ["note"]
    assert legacy.rows == [
        (2, {"user_id": "u-1", "user_name": "José Núñez", "course_id": "c-1", "note": "two\r\nlines"}),
        (8, {"user_id": "u-4", "user_name": "Åsa", "course_id": "c-2", "note": ""}),
    ]
    assert legacy.problems == [
        RowProblem(5, "-", "u-2;Ann;c-1;x;extra", "5 fields; the header has 4"),
        RowProblem(6, "-", "u-3;Bob", "2 fields; the header has 4"),
    ]


def test_read_legacy_json_lines_reports_lines_that_are_not_objects() -> None:
    data = b'{"user_id": "u-1", "course_id": "c"}\n\n[1, 2]\n{"user_id": \n'
    legacy = read_legacy(data)
    assert legacy.kind == "jsonl" and legacy.rows == [(1, {"user_id": "u-1", "course_id": "c"})]
    assert [(p.line, p.reason) for p in legacy.problems] == [
        (3, "not a JSON object"),
        (4, "not JSON: Expecting value"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"learner,course\r\nu,c\r\n", "no user_id and no course_id column", id="no-required"),
    ],
)
def test_read_legacy_refuses_files_without_a_usable_header(data: bytes, message: str) -> None:
    with pytest.raises(FileError, match=message):
        read_legacy(data)


def test_read_legacy_honours_a_given_encoding_and_delimiter() -> None:
    legacy = read_legacy("user_id|course_id\r\nü|c\r\n".encode("utf-16"), encoding="utf-16", delimiter="|")
    assert legacy.rows == [(2, {"user_id": "ü", "course_id": "c"})]


def test_read_legacy_reports_a_second_row_for_the_same_enrollment() -> None:
    text = "user_id,course_id,completed\r\nu-1,c-1,true\r\nu-2,c-1,true\r\n u-1 ,c-1,false\r\n,c-1,true\r\n,c-1,true\r\n"
    legacy = read_legacy(text.encode())
    assert [line for line, _ in legacy.rows] == [
        2,
        3,
        5,
        6,
    ]  # rows without a user_id are the server's to refuse
    assert legacy.problems == [RowProblem(4, "user_id", "u-1", "same user_id and course_id as line 2")]
