"""Reading the first sheet of an Excel workbook (.xlsx) into records."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time

from openpyxl import load_workbook

from karma.lib.spreadsheets.model import RawRow, SpreadsheetError

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Old .xls files and password-protected workbooks share this container.
OLE_MESSAGE = (
    "This is an old Excel workbook (.xls) or one protected by a password, which "
    "Karma cannot read. Save it as an Excel workbook (.xlsx) without a password, "
    "or as CSV, and upload that."
)
DAMAGED = (
    "This Excel workbook could not be opened; it may be damaged. Open it in "
    "Excel and save it again, or save it as CSV."
)
_OPEN_DOCUMENT = (
    "This is an OpenDocument spreadsheet (.ods), which Karma cannot read. Save "
    "it as an Excel workbook (.xlsx) or as CSV and upload that."
)
_NOT_A_WORKBOOK = (
    "This file is a zip archive, not an Excel workbook. Upload a CSV file or an "
    "Excel workbook (.xlsx)."
)


def read_workbook(data: bytes) -> Iterator[RawRow]:
    """Yield the rows of the first sheet, each with its sheet row number.

    Cells hold the values Excel last calculated, as text. Raises
    SpreadsheetError for a zip that is not a workbook or cannot be opened.
    """
    _refuse_other_archives(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # Some programs write a wrong sheet size, which would cut rows short.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, values_only=True)
    # openpyxl reports a broken file with whatever its zip and XML layers
    # raise, so every failure here means the same thing to the person.
    except Exception as error:
        raise SpreadsheetError(DAMAGED) from error
    try:
        for number, values in enumerate(rows, start=1):
            yield RawRow(number, [_cell_text(value) for value in values])
    except SpreadsheetError:
        raise
    except Exception as error:  # the sheet XML broke part-way, as above
        raise SpreadsheetError(DAMAGED) from error
    finally:
        workbook.close()


def _refuse_other_archives(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SpreadsheetError(DAMAGED) from error
    if b"opendocument" in mimetype:
        raise SpreadsheetError(_OPEN_DOCUMENT)
    if not any(name.startswith("xl/") for name in names):
        raise SpreadsheetError(_NOT_A_WORKBOOK)


def _cell_text(value: object) -> str:
    """Return a cell's value as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
