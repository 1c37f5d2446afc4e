"""Splitting decoded text into records, with the physical line each starts on.

The csv module parses; this module feeds it one physical line at a time (CRLF,
LF and CR each end one line) so that its line counter is the line number a
person sees in an editor, even after a quoted cell that holds a line break.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence

from karma.lib.spreadsheets.model import RawRow, SpreadsheetError

DELIMITERS = (",", ";", "\t")

_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

# Excel reads and writes a first line "sep=;" to name the delimiter.
_SEPARATOR_HINT = re.compile(r"sep=(.)\s*", re.IGNORECASE)

# Lines looked at to tell the delimiter; a header and a few rows settle it.
_SAMPLE_LINES = 20


def split_lines(text: str) -> list[str]:
    """Split text into physical lines, each keeping its own line end."""
    return _PHYSICAL_LINE.findall(text)


def read_records(
    lines: Sequence[str], delimiter: str, warnings: list[str], *, first_line: int = 1
) -> Iterator[RawRow]:
    """Yield every record with the physical line it starts on.

    `first_line` is the number of `lines[0]` in the file.

    Appends to `warnings` when a quote seems to run on over later rows. Raises
    SpreadsheetError for a cell the csv module cannot take: one longer than
    its field limit, which is either a quote left open until the end of a
    large file or a file that is no list of learners at all.
    """
    reader = csv.reader(
        iter(lines), delimiter=delimiter, quotechar='"', skipinitialspace=True
    )
    offset = first_line - 1
    start = first_line
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise SpreadsheetError(_unreadable_record(start, error)) from error
        end = reader.line_num + offset
        if end > start and _swallowed_rows(cells):
            warnings.append(
                f"Lines {start}–{end} were read as one row because a quoted cell "
                "runs over several lines; check for a missing closing quote."
            )
        yield RawRow(start, cells)
        start = end + 1


def _unreadable_record(line: int, error: csv.Error) -> str:
    """Say why a record could not be read, in words for the person uploading.

    Fed one physical line at a time, the csv module only fails on a cell over
    its size limit; its message is the one way to tell, and any other failure
    gets a plainer sentence rather than the module's own.
    """
    if "field limit" in str(error):
        limit = csv.field_size_limit() // 1024
        return (
            f"Line {line} has a cell longer than {limit} KB. A quote may be "
            "missing its closing quote, or the file is not a list of learners."
        )
    return (
        f"Line {line} could not be read. A quote may be missing its closing "
        "quote, or the file is not a list of learners."
    )


def _swallowed_rows(cells: Sequence[str]) -> bool:
    """Tell whether a cell that spans lines holds an address after a break.

    A quote left open takes the following rows into one cell; an address on
    a later line of that cell is the sign.
    """
    return any("@" in line for cell in cells for line in cell.splitlines()[1:])


def separator_hint(lines: Sequence[str]) -> str | None:
    """Return the delimiter an Excel "sep=" first line names, or None."""
    if not lines:
        return None
    match = _SEPARATOR_HINT.fullmatch(lines[0].lstrip("\ufeff"))
    if match and match.group(1) in DELIMITERS:
        return match.group(1)
    return None


def choose_delimiter(lines: Sequence[str]) -> str:
    """Pick comma, semicolon or tab from the first lines of a file.

    The first non-blank line (usually the header) decides: the delimiter it
    holds most often outside quotes wins, and a tie goes to the delimiter that
    splits the following lines into as many cells as the first. A first line
    with none (a single column) defers to the lines below it.
    """
    sample = [line for line in lines[: _SAMPLE_LINES * 2] if line.strip()]
    sample = sample[:_SAMPLE_LINES]
    if not sample:
        return ","
    first = {d: _count_outside_quotes(sample[0], d) for d in DELIMITERS}
    most = max(first.values())
    if most == 0:
        return _most_used(sample[1:])
    tied = [d for d in DELIMITERS if first[d] == most]
    if len(tied) == 1:
        return tied[0]
    return max(tied, key=lambda d: _consistency(sample[1:], d, most))


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count = 0
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def _most_used(lines: Sequence[str]) -> str:
    """Return the delimiter found on the most lines; comma when none is."""
    used = {
        d: sum(_count_outside_quotes(line, d) > 0 for line in lines) for d in DELIMITERS
    }
    best = max(DELIMITERS, key=lambda d: used[d])
    return best if used[best] else ","


def _consistency(lines: Sequence[str], delimiter: str, expected: int) -> int:
    return sum(_count_outside_quotes(line, delimiter) == expected for line in lines)
