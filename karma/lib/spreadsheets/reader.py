"""Reading a learner file, or pasted addresses, into rows for enrollment."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from email.utils import getaddresses

from karma.lib.spreadsheets.cells import (
    check_address,
    clean_address,
    clean_name,
    is_blank,
    label_key,
    looks_like_address,
    split_full_name,
)
from karma.lib.spreadsheets.columns import (
    EMAIL_LABELS,
    MAX_ROWS_ABOVE_HEADER,
    NO_LEARNERS,
    Layout,
    find_layout,
)
from karma.lib.spreadsheets.decoding import NOT_TEXT, decode_text
from karma.lib.spreadsheets.delimited import (
    choose_delimiter,
    read_records,
    separator_hint,
    split_lines,
)
from karma.lib.spreadsheets.model import (
    SEVERAL_ADDRESSES,
    UNSAVED_FORMULA,
    LearnerFile,
    LearnerRow,
    RawRow,
    SpreadsheetError,
)
from karma.lib.spreadsheets.wording import capped, describe_lines
from karma.lib.spreadsheets.workbook import (
    DAMAGED,
    OLE_MESSAGE,
    OLE_SIGNATURE,
    ZIP_SIGNATURE,
    read_workbook,
)

MAX_ROWS = 100_000

_PASTED_SEPARATORS = re.compile(r"[,;\s]+")
_SEMICOLON_OUTSIDE_QUOTES = re.compile(r';(?=(?:[^"]*"[^"]*")*[^"]*$)')

EMPTY = "The file is empty."
NO_ROWS = "The file holds no rows, only blank lines."
NOTHING_PASTED = "Paste at least one email address."


def read_learner_file(
    data: bytes, *, filename: str = "", max_bytes: int, max_rows: int = MAX_ROWS
) -> LearnerFile:
    """Read a CSV or .xlsx file of learners, telling the format by its bytes.

    `filename` only sharpens error messages. Raises SpreadsheetError, with a
    message for the person uploading, when the file is empty, larger than
    `max_bytes`, not text, has no email column or more than `max_rows` rows.
    """
    if not data:
        raise SpreadsheetError(EMPTY)
    if len(data) > max_bytes:
        raise SpreadsheetError(
            f"The file is {_describe_size(len(data))}, over the limit of "
            f"{_describe_size(max_bytes)}. Split it into smaller files."
        )
    if data.startswith(ZIP_SIGNATURE):
        return _interpret(read_workbook(data), max_rows=max_rows)
    if data.startswith(OLE_SIGNATURE):
        raise SpreadsheetError(OLE_MESSAGE)
    return _read_delimited(data, filename=filename, max_rows=max_rows)


def read_pasted_addresses(text: str, *, max_rows: int = MAX_ROWS) -> LearnerFile:
    """Read addresses pasted one per line or separated by commas, semicolons
    or spaces; `line` is the pasted line. Cells copied from a spreadsheet
    (tab-separated, with names beside the addresses) are read like a file,
    header and name columns included.

    Raises SpreadsheetError when nothing was pasted or there are too many.
    """
    lines = split_lines(text)
    if not _copied_from_a_spreadsheet(lines):
        return _read_pasted_list(lines, max_rows=max_rows)
    warnings: list[str] = []
    records = read_records(lines, "\t", warnings)
    try:
        return _interpret(records, delimiter="\t", warnings=warnings, max_rows=max_rows)
    except SpreadsheetError as error:
        if error.message == NO_ROWS:
            raise SpreadsheetError(NOTHING_PASTED) from error
        raise


def _copied_from_a_spreadsheet(lines: Sequence[str]) -> bool:
    """Tell whether pasted text is cells with something besides addresses.

    Spreadsheets copy cells as tab-separated lines; when every cell holds
    addresses the plain list reading gives the same result.
    """
    return any(
        "@" not in cell and not is_blank(cell)
        for line in lines
        if "\t" in line
        for cell in line.split("\t")
    )


def _read_delimited(data: bytes, *, filename: str, max_rows: int) -> LearnerFile:
    try:
        decoded = decode_text(data)
    except SpreadsheetError as error:
        if error.message == NOT_TEXT and filename.lower().endswith(".xlsx"):
            raise SpreadsheetError(DAMAGED) from error
        raise
    lines = split_lines(decoded.text)
    delimiter = separator_hint(lines)
    first_line = 1
    if delimiter is not None:
        lines, first_line = lines[1:], 2
    else:
        delimiter = choose_delimiter(lines)
    warnings = list(decoded.warnings)
    records = read_records(lines, delimiter, warnings, first_line=first_line)
    return _interpret(
        records,
        encoding=decoded.encoding,
        delimiter=delimiter,
        warnings=warnings,
        max_rows=max_rows,
    )


def _interpret(
    records: Iterable[RawRow],
    *,
    encoding: str = "",
    delimiter: str | None = None,
    warnings: Sequence[str] = (),
    max_rows: int,
) -> LearnerFile:
    filled = _filled_records(records, max_rows=max_rows)
    if not filled:
        raise SpreadsheetError(NO_ROWS)
    layout = find_layout(filled)
    data = [r for r in filled[layout.data_start :] if _holds_a_learner(r, layout)]
    if not data:
        raise SpreadsheetError(NO_LEARNERS)
    if len(data) > max_rows:
        raise SpreadsheetError(_too_many_rows(max_rows))
    return LearnerFile(
        rows=[_learner_row(record, layout) for record in data],
        encoding=encoding,
        delimiter=delimiter,
        has_header=layout.header_index is not None,
        email_column=layout.email,
        ignored_columns=capped(layout.ignored),
        warnings=[*warnings, *layout.warnings, *_unsaved_names_warning(data, layout)],
    )


def _filled_records(records: Iterable[RawRow], *, max_rows: int) -> list[RawRow]:
    """Keep the records with something in them; stop early on a huge file.

    A formula saved without its value counts as something until the columns
    are known (see _holds_a_learner).
    """
    filled: list[RawRow] = []
    for record in records:
        if all(is_blank(cell) for cell in record.cells) and not record.unsaved:
            continue
        filled.append(record)
        # The header and any title rows above it are not learners.
        if len(filled) > max_rows + MAX_ROWS_ABOVE_HEADER + 1:
            raise SpreadsheetError(_too_many_rows(max_rows))
    return filled


def _holds_a_learner(record: RawRow, layout: Layout) -> bool:
    """Tell whether a kept row is more than formulas beside the point.

    A formula whose value was not saved in the email column is a learner the
    person meant, to be reported on its line; elsewhere, on a row otherwise
    blank, it is a template row filled down, as blank as it looks. Rows
    without such formulas were kept for what they hold.
    """
    if not record.unsaved or layout.email in record.unsaved:
        return True
    return not all(is_blank(cell) for cell in record.cells)


def _learner_row(record: RawRow, layout: Layout) -> LearnerRow:
    cells = record.cells
    addresses = _several_addresses(record, layout)
    if addresses:
        raw, email, error = ", ".join(addresses), "", SEVERAL_ADDRESSES
    elif layout.email in record.unsaved:
        raw, email, error = "", "", UNSAVED_FORMULA
    else:
        raw = _cell(cells, layout.email)
        email, error = check_address(raw)
    if layout.full_name is not None:
        first, last = split_full_name(clean_name(_cell(cells, layout.full_name)))
    else:
        first = clean_name(_cell(cells, layout.first_name))
        last = clean_name(_cell(cells, layout.last_name))
    return LearnerRow(
        line=record.line,
        raw_email=raw,
        email=email,
        email_error=error,
        first_name=first,
        last_name=last,
    )


def _several_addresses(record: RawRow, layout: Layout) -> list[str]:
    """Return what looks like an address in the email cell and in unlabelled
    columns when that is more than one; otherwise an empty list.

    A column without a header is otherwise ignored, with a note; but an
    address there is most often a second learner, put on the line by a
    separator the file did not mean ("a@example.com;b@example.com" in a
    one-column file read as two columns) or typed into the next cell.
    Enrolling the first and noting the column would lose the second with no
    word on its row, and guessing which is meant could enroll the wrong
    person; refusing the row, on its line with every address, lets the
    person split it. An email cell holding several addresses is refused the
    same way. Columns with a header of their own are not searched: "Manager
    email" beside the learner's address is the file's design.
    """
    cells = record.cells
    stray = [
        clean_address(cells[index])
        for index in layout.unlabelled_columns(len(cells))
        if looks_like_address(cells[index])
    ]
    cell = _cell(cells, layout.email)
    # Nearly every row: one address at most, and nothing to split.
    if not stray and cell.count("@") < 2:
        return []

    parts = _PASTED_SEPARATORS.split(clean_address(cell))
    found = [part for part in parts if looks_like_address(part)] + stray
    return found if len(found) > 1 else []


def _unsaved_names_warning(data: Sequence[RawRow], layout: Layout) -> list[str]:
    names = set(layout.name_columns)
    lines = [record.line for record in data if names & record.unsaved]
    if not lines:
        return []
    if len(lines) == 1:
        told = "has a name cell holding a formula whose value was not saved"
    else:
        told = "have name cells holding formulas whose values were not saved"
    return [
        f"{describe_lines(lines)} {told}, so the name was read as empty: open the "
        "file in a spreadsheet program and save it, or paste values."
    ]


def _cell(cells: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index]


def _read_pasted_list(lines: Sequence[str], *, max_rows: int) -> LearnerFile:
    rows: list[LearnerRow] = []
    has_header = False
    for number, line in enumerate(lines, start=1):
        for raw, full_name in _pasted_entries(line):
            if not rows and not has_header and label_key(raw) in EMAIL_LABELS:
                has_header = True
                continue
            email, error = check_address(raw)
            first, last = split_full_name(clean_name(full_name))
            rows.append(LearnerRow(number, raw, email, error, first, last))
        if len(rows) > max_rows:
            raise SpreadsheetError(_too_many_rows(max_rows, what="list"))
    if not rows:
        raise SpreadsheetError(NOTHING_PASTED)
    return LearnerFile(rows=rows, has_header=has_header)


def _pasted_entries(line: str) -> list[tuple[str, str]]:
    """Split one pasted line into (address, display name) pairs.

    Mail programs copy recipients as `Ana Silva <ana@example.com>; ...`, which
    the standard library parses; anything else is split at commas, semicolons
    and spaces.
    """
    if "<" in line and ">" in line:
        listed = _SEMICOLON_OUTSIDE_QUOTES.sub(",", line)
        return [(address, name) for name, address in getaddresses([listed]) if address]
    return [(token, "") for token in _PASTED_SEPARATORS.split(line) if token]


def _too_many_rows(max_rows: int, *, what: str = "file") -> str:
    """Refuse more than `max_rows` learners in a file, or in a pasted list:
    saying "file" of pasted text sent people looking for one."""
    return (
        f"The {what} has more than {max_rows:,} learners. Split it into "
        f"{what}s of at most {max_rows:,}."
    )


def _describe_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{round(size / (1024 * 1024), 1):g} MB"
    if size >= 1024:
        return f"{round(size / 1024, 1):g} KB"
    return f"{size} bytes"
