"""The learner file reader on Excel workbooks built here with openpyxl."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook

from karma.lib.spreadsheets import LearnerFile, SpreadsheetError, read_learner_file

LIMIT = 5 * 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"


def workbook_bytes(cells: dict[str, object], *, extra_sheet: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for ref, value in cells.items():
        sheet[ref] = value
    if extra_sheet:
        workbook.create_sheet("Second")["A1"] = "other@example.com"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_cached_value(data: bytes, ref: str, value: str) -> bytes:
    """Store the result Excel would have saved next to a formula.

    openpyxl writes formulas without a result; Excel always saves one, and
    that result is what the reader must see.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == SHEET:
                xml = content.decode()
                pattern = rf'<c r="{ref}"( [^>]*)?><f>(.*?)</f><v\s*/>'
                replacement = rf'<c r="{ref}" t="str"><f>\2</f><v>{value}</v>'
                xml, count = re.subn(pattern, replacement, xml)
                assert count == 1
                content = xml.encode()
            target.writestr(item, content)
    return buffer.getvalue()


def read(data: bytes, filename: str = "learners.xlsx") -> LearnerFile:
    return read_learner_file(data, filename=filename, max_bytes=LIMIT)


@pytest.fixture
def enrollment_workbook() -> bytes:
    data = workbook_bytes(
        {
            "A1": "First name",
            "B1": "Last name",
            "C1": "Email",
            "D1": "Employee number",
            "A2": "Ana",
            "B2": "Silva",
            "C2": "Ana.Silva@Example.com",
            "D2": 1001,
            # Row 3 is left blank, as people do between groups.
            "A4": "Bo\nLi",
            "B4": 42,
            "C4": " bo.li@example.com\u00a0",
            "D4": 1002.0,
            "A5": '=CONCATENATE("Cy"," ")',
            "B5": "=UPPER(A5)",
            "C5": "cy@example.com",
            "A6": "Dee",
            "C6": "not an address",
            "D6": date(2024, 5, 1),
        }
    )
    return with_cached_value(data, "A5", "Cy ")


def test_reads_the_first_sheet_with_sheet_row_numbers(
    enrollment_workbook: bytes,
) -> None:
    learners = read(enrollment_workbook)

    assert learners.has_header
    assert learners.email_column == 2
    assert learners.delimiter is None
    assert [(row.line, row.email, row.email_error) for row in learners.rows] == [
        (2, "ana.silva@example.com", None),
        (4, "bo.li@example.com", None),
        (5, "cy@example.com", None),
        (6, "not an address", learners.rows[3].email_error),
    ]
    assert learners.rows[3].email_error
    assert learners.ignored_columns == ["Employee number"]
    # B5 holds a formula openpyxl saved without a result (see below).
    assert learners.warnings == [
        "Line 5 has a name cell holding a formula whose value was not saved, so "
        "the name was read as empty: open the file in a spreadsheet program and "
        "save it, or paste values."
    ]


def test_reads_cell_values_as_a_person_sees_them(enrollment_workbook: bytes) -> None:
    learners = read(enrollment_workbook)

    assert [(row.first_name, row.last_name) for row in learners.rows] == [
        ("Ana", "Silva"),
        # A line break typed in a cell (Alt+Enter) becomes one space; a
        # number reads as written, without a trailing ".0".
        ("Bo Li", "42"),
        # The value Excel calculated, never the formula; a formula with no
        # saved result reads as empty, with a warning.
        ("Cy", ""),
        ("Dee", ""),
    ]
    assert learners.rows[1].raw_email == " bo.li@example.com\u00a0"


def test_reads_a_workbook_whatever_its_name_says(enrollment_workbook: bytes) -> None:
    learners = read(enrollment_workbook, filename="learners.csv")

    assert len(learners.rows) == 4


def test_reads_only_the_first_sheet() -> None:
    data = workbook_bytes({"A1": "email", "A2": "ana@example.com"}, extra_sheet=True)

    learners = read(data)

    assert [row.email for row in learners.rows] == ["ana@example.com"]


def test_finds_the_header_below_title_rows_of_a_sheet() -> None:
    data = workbook_bytes(
        {
            "A1": "Enrollment list",
            "A2": "Spring intake",
            "B4": "E-mail address",
            "C4": "Name",
            "B5": "ana@example.com",
            "C5": "Ana Silva",
        }
    )

    learners = read(data)

    assert [(row.line, row.first_name, row.last_name) for row in learners.rows] == [
        (5, "Ana", "Silva")
    ]
    assert learners.warnings == ["Skipped the lines above the header row (1, 2)."]


def test_reads_a_sheet_without_a_header() -> None:
    data = workbook_bytes({"B1": "ana@example.com", "B2": "bo@example.com"})

    learners = read(data)

    assert not learners.has_header
    assert [(row.line, row.email) for row in learners.rows] == [
        (1, "ana@example.com"),
        (2, "bo@example.com"),
    ]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({}, "no rows"),
        ({"A1": "email"}, "a header row but no learners"),
        ({"A1": "Name", "B1": "Team", "A2": "Ana", "B2": "Sales"}, "“Name”, “Team”"),
    ],
    ids=["empty-sheet", "header-only", "no-email-column"],
)
def test_refuses_sheets_without_learners(
    cells: dict[str, object], message: str
) -> None:
    with pytest.raises(SpreadsheetError, match=message):
        read(workbook_bytes(cells))


def test_refuses_a_truncated_workbook(enrollment_workbook: bytes) -> None:
    with pytest.raises(SpreadsheetError, match="could not be opened"):
        read(enrollment_workbook[: len(enrollment_workbook) // 2])


def test_refuses_a_workbook_with_a_broken_sheet(enrollment_workbook: bytes) -> None:
    source = zipfile.ZipFile(io.BytesIO(enrollment_workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == SHEET:
                content = content[: len(content) // 2]
            target.writestr(item, content)

    with pytest.raises(SpreadsheetError, match="could not be opened"):
        read(buffer.getvalue())


def test_refuses_a_zip_that_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("learners.csv", "email\nana@example.com\n")

    with pytest.raises(SpreadsheetError, match="zip archive, not an Excel"):
        read(buffer.getvalue(), filename="learners.zip")


def test_refuses_an_opendocument_spreadsheet_by_name() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")

    with pytest.raises(SpreadsheetError, match=r"OpenDocument spreadsheet \(\.ods\)"):
        read(buffer.getvalue(), filename="learners.ods")


def test_calls_a_named_xlsx_that_is_not_text_a_damaged_workbook() -> None:
    with pytest.raises(SpreadsheetError, match="could not be opened"):
        read(bytes(range(256)) * 4, filename="Learners.XLSX")


# --- Formulas saved without their value -------------------------------------------

UNSAVED_EMAIL = (
    "The email cell holds a formula whose value was not saved: open the file in "
    "a spreadsheet program and save it, or paste values."
)


def formula_workbook(**extra: object) -> bytes:
    cells: dict[str, object] = {
        "A1": "First name",
        "B1": "Last name",
        "C1": "Email",
        "D1": "Team",
        "A2": "Ana",
        "C2": "ana@example.com",
        "A3": "Bo",
        "C3": "bo@example.com",
        # Row 4 is left blank.
        "A5": "Xl",
        "B5": "Four",
        "C5": '=LOWER("XL4@EXAMPLE.COM")',
        "A6": "Dee",
        "C6": "dee@example.com",
    }
    cells.update(extra)
    return workbook_bytes(cells)


def test_reports_an_email_formula_without_a_saved_value_on_its_line() -> None:
    learners = read(formula_workbook())

    assert [(row.line, row.email, row.email_error) for row in learners.rows] == [
        (2, "ana@example.com", None),
        (3, "bo@example.com", None),
        (5, "", UNSAVED_EMAIL),
        (6, "dee@example.com", None),
    ]
    assert learners.rows[2].raw_email == ""
    assert (learners.rows[2].first_name, learners.rows[2].last_name) == ("Xl", "Four")


def test_reports_a_row_whose_only_cell_is_an_unsaved_email_formula() -> None:
    learners = read(formula_workbook(A5=None, B5=None))

    assert [(row.line, row.email_error) for row in learners.rows][2] == (
        5,
        UNSAVED_EMAIL,
    )


def test_reads_the_saved_value_of_an_email_formula() -> None:
    data = with_cached_value(formula_workbook(), "C5", "xl4@example.com")

    learners = read(data)

    assert [(row.line, row.email) for row in learners.rows][2] == (
        5,
        "xl4@example.com",
    )
    assert learners.rows[2].is_valid


def test_skips_rows_of_formulas_that_came_to_nothing_or_fill_unused_columns() -> None:
    # A formula saved with an empty result is a blank cell (a template row
    # filled down); an unsaved formula in a column nobody reads changes nothing.
    data = formula_workbook(
        C5=None, A5=None, B5=None, C7='=IF(A7="","",A7)', D8="=ROW()"
    )
    data = with_cached_value(data, "C7", "")

    learners = read(data)

    assert [row.line for row in learners.rows] == [2, 3, 6]
    assert learners.warnings == []


def test_warns_about_name_formulas_without_a_saved_value() -> None:
    learners = read(formula_workbook(C5="xl4@example.com", A3="=UPPER(B3)"))

    assert [(row.line, row.first_name, row.last_name) for row in learners.rows] == [
        (2, "Ana", ""),
        (3, "", ""),
        (5, "Xl", "Four"),
        (6, "Dee", ""),
    ]
    assert all(row.is_valid for row in learners.rows)
    assert learners.warnings == [
        "Line 3 has a name cell holding a formula whose value was not saved, so "
        "the name was read as empty: open the file in a spreadsheet program and "
        "save it, or paste values."
    ]


def test_lists_only_the_first_lines_with_unsaved_name_formulas() -> None:
    cells: dict[str, object] = {"A1": "Name", "B1": "Email"}
    for row in range(2, 32):
        cells[f"A{row}"] = f'=PROPER("learner {row}")'
        cells[f"B{row}"] = f"learner{row}@example.com"

    learners = read(workbook_bytes(cells))

    assert len(learners.rows) == 30
    assert learners.warnings[0].startswith(
        "Lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 20 more have name cells holding "
        "formulas whose values were not saved"
    )


def test_refuses_a_sheet_whose_rows_hold_only_formulas_beside_the_point() -> None:
    data = workbook_bytes({"A1": "Email", "B1": "Team", "B2": "=ROW()"})

    with pytest.raises(SpreadsheetError, match="a header row but no learners"):
        read(data)
