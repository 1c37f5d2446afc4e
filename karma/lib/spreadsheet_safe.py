"""Writing CSV and .xlsx files that a spreadsheet opens without running anything.

A cell that starts with `=`, `+`, `-` or `@` is a formula to Excel, LibreOffice
and Google Sheets, and a leading tab or carriage return lets one slip past
naive checks. Names and addresses come from people and uploaded files, so
every text cell of an export goes through `safe_cell`, which prefixes such
text with an apostrophe: the spreadsheet shows it as text (SPEC section 9).

Framework-free: values in, bytes out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Excel reads a file as UTF-8 only when it starts with this byte order mark;
# without it, accented names come out as mojibake in most locales.
UTF8_BOM = b"\xef\xbb\xbf"

# Rows per chunk when streaming a CSV: large enough that a 100,000-row
# download is a few hundred writes, small enough to hold in memory at once.
CSV_CHUNK_ROWS = 500


def safe_cell(value: Any) -> Any:
    """Return `value` so that no spreadsheet will evaluate it.

    Text starting with a character a spreadsheet treats as the start of a
    formula gets a leading apostrophe; numbers, dates, None and other text
    are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def iter_csv(rows: Iterable[Sequence[Any]], header: Sequence[str]) -> Iterator[bytes]:
    """Yield a safe CSV (UTF-8 with BOM, CRLF line ends) in chunks of bytes.

    For streaming responses: `rows` is consumed lazily, a chunk at a time.
    """
    buffer = io.StringIO()
    # QUOTE_MINIMAL quotes cells holding the delimiter, quotes or line
    # breaks, which is what every spreadsheet expects.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(value) for value in header])
    yield UTF8_BOM + _drain(buffer)

    pending = 0
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        pending += 1
        if pending == CSV_CHUNK_ROWS:
            yield _drain(buffer)
            pending = 0
    if pending:
        yield _drain(buffer)


def write_csv(rows: Iterable[Sequence[Any]], header: Sequence[str]) -> bytes:
    """Return a safe CSV of `header` and `rows` as UTF-8 with BOM and CRLF."""
    return b"".join(iter_csv(rows, header))


def write_xlsx(rows: Iterable[Sequence[Any]], header: Sequence[str]) -> bytes:
    """Return a one-sheet .xlsx workbook of `header` and `rows`.

    Text cells are made safe and stored as strings, never as formulas.
    Characters XML cannot hold (control characters other than tab, line
    feed and carriage return) are dropped. Time-zone-aware datetimes are
    written as the wall-clock time they carry, since Excel has no time
    zones: convert them to the reader's zone first.
    """
    buffer = io.BytesIO()
    save_xlsx(buffer, rows, header)
    return buffer.getvalue()


def save_xlsx(
    target: str | BinaryIO, rows: Iterable[Sequence[Any]], header: Sequence[str]
) -> int:
    """Write the workbook of `write_xlsx` into `target` (a path or a binary
    file) and return the number of rows written, header excluded.

    openpyxl's write-only mode keeps rows on disk as they come, so with a
    file target memory stays flat however many rows `rows` yields.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([_xlsx_cell(sheet, value) for value in header])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    workbook.save(target)
    return count


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value)))
    # openpyxl would take any text starting with "=" for a formula; safe
    # text never does, and the explicit type keeps it that way.
    cell.data_type = "s"
    return cell


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data
