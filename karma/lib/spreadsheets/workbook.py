"""Reading the first sheet of an Excel workbook (.xlsx) into records."""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import IO
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple

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

# A formula element, with or without a namespace prefix; "<formula>" of
# conditional formatting and "<formula1>" of data validation do not match.
_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s/>]")


def read_workbook(data: bytes) -> Iterator[RawRow]:
    """Yield the rows of the first sheet, each with its sheet row number.

    Cells hold the values Excel last calculated, as text; a formula saved
    without its value reads as "" and is named in the row's `unsaved`.
    Raises SpreadsheetError for a zip that is not a workbook or cannot be
    opened.
    """
    _refuse_other_archives(data)
    # openpyxl reports a broken file with whatever its zip and XML layers
    # raise, so every failure here means the same thing to the person.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise SpreadsheetError(DAMAGED) from error
    try:
        sheet = workbook.worksheets[0]
        # Some programs write a wrong sheet size, which would cut rows short.
        sheet.reset_dimensions()
        # openpyxl has no public name for the part its read-only sheet
        # streams from; its version is pinned in requirements.txt.
        unsaved = _unsaved_formulas(data, sheet._worksheet_path)
        rows = sheet.iter_rows(min_row=1, values_only=True)
        for number, values in enumerate(rows, start=1):
            cells = [_cell_text(value) for value in values]
            yield RawRow(number, cells, unsaved.get(number, frozenset()))
    except Exception as error:
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


def _unsaved_formulas(data: bytes, path: str) -> dict[int, frozenset[int]]:
    """Return, by sheet row, the columns whose formula has no saved value.

    Spreadsheet programs save each formula's last result beside it; programs
    that cannot calculate (openpyxl among them) leave the result out, and
    openpyxl then reads the cell as if it were empty. A formula whose result
    was empty text is marked as text ("str") and counts as saved, so rows of
    formulas that came to nothing stay blank rows. A cell without its
    reference (allowed, never seen from a real program) is not placed.
    """
    found: defaultdict[int, set[int]] = defaultdict(set)
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(path) as part:
        if not _holds_formulas(part):
            return {}
        part.seek(0)
        # openpyxl parses this same part with this same parser; expat refuses
        # entity bombs and ElementTree fetches no external entity.
        elements = ElementTree.iterparse(part)  # noqa: S314 as openpyxl does
        for _, element in elements:
            name = _local_name(element.tag)
            if name == "c" and _lacks_saved_value(element) and element.get("r"):
                row, column = coordinate_to_tuple(element.get("r"))
                found[row].add(column - 1)
            if name in ("c", "row"):
                element.clear()
    return {row: frozenset(columns) for row, columns in found.items()}


def _holds_formulas(part: IO[bytes]) -> bool:
    """Scan the sheet's bytes for a formula, far faster than parsing them."""
    tail = b""
    while chunk := part.read(1024 * 1024):
        if _FORMULA_ELEMENT.search(tail + chunk):
            return True
        tail = chunk[-16:]
    return False


def _lacks_saved_value(cell: ElementTree.Element) -> bool:
    children = {_local_name(child.tag): child for child in cell}
    if "f" not in children:
        return False
    value = children.get("v")
    if value is None:
        return True
    return not value.text and cell.get("t") != "str"


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


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
