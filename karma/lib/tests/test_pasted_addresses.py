"""Reading addresses pasted into the bulk enrollment form."""

from __future__ import annotations

import pytest

from karma.lib.spreadsheets import SpreadsheetError, read_pasted_addresses


@pytest.mark.parametrize(
    "text",
    [
        "ana@example.com\nbo@example.com\ncy@example.com",
        "ana@example.com, bo@example.com; cy@example.com",
        "ana@example.com bo@example.com\tcy@example.com",
        "  ANA@example.com ;; ,bo@example.com,\r\n\r\ncy@EXAMPLE.com\r\n",
        "ana@example.com\u00a0bo@example.com\u200b\ncy@example.com",
    ],
    ids=["lines", "commas-semicolons", "spaces", "messy", "invisible"],
)
def test_reads_addresses_however_they_are_separated(text: str) -> None:
    learners = read_pasted_addresses(text)

    assert [row.email for row in learners.rows] == [
        "ana@example.com",
        "bo@example.com",
        "cy@example.com",
    ]
    assert all(row.email_error is None for row in learners.rows)


def test_numbers_rows_by_pasted_line() -> None:
    learners = read_pasted_addresses(
        "a@example.com, b@example.com\n\nbad\rc@example.com"
    )

    assert [(row.line, row.raw_email) for row in learners.rows] == [
        (1, "a@example.com"),
        (1, "b@example.com"),
        (3, "bad"),
        (4, "c@example.com"),
    ]
    assert learners.rows[2].email_error


def test_reads_recipients_copied_from_a_mail_program() -> None:
    text = 'Ana Silva <ana@example.com>; "Li, Bo" <BO@example.com>, cy@example.com'

    learners = read_pasted_addresses(text)

    assert [(row.email, row.first_name, row.last_name) for row in learners.rows] == [
        ("ana@example.com", "Ana", "Silva"),
        ("bo@example.com", "Bo", "Li"),
        ("cy@example.com", "", ""),
    ]


def test_skips_a_pasted_column_header() -> None:
    learners = read_pasted_addresses("Email\nana@example.com\n")

    assert learners.has_header
    assert [(row.line, row.email) for row in learners.rows] == [(2, "ana@example.com")]


def test_reads_cells_copied_from_a_spreadsheet_like_a_file() -> None:
    text = "First name\tLast name\tE-mail\r\nAna\tSilva\tana@example.com\r\n"

    learners = read_pasted_addresses(text)

    assert learners.has_header
    assert learners.delimiter == "\t"
    assert [
        (row.line, row.email, row.first_name, row.last_name) for row in learners.rows
    ] == [(2, "ana@example.com", "Ana", "Silva")]


@pytest.mark.parametrize("text", ["", "   \n\t\n", ",;,", "email"])
def test_refuses_a_paste_without_addresses(text: str) -> None:
    with pytest.raises(SpreadsheetError, match="Paste at least one email address"):
        read_pasted_addresses(text)


def test_refuses_more_addresses_than_the_limit() -> None:
    text = " ".join(f"a{i}@example.com" for i in range(11))

    with pytest.raises(SpreadsheetError, match="more than 10"):
        read_pasted_addresses(text, max_rows=10)
