"""The shapes the reader hands back, and the one error it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class SpreadsheetError(Exception):
    """The file cannot be read; the message says why, for the person uploading."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Why the reader refuses a row when the trouble is the row, not an address
# as written; a report shows these as they are, not beside the cell's value.
UNSAVED_FORMULA = (
    "The email cell holds a formula whose value was not saved: open the file in "
    "a spreadsheet program and save it, or paste values."
)
SEVERAL_ADDRESSES = (
    "This line holds more than one email address: put each learner on their own line."
)
ROW_PROBLEMS = frozenset({UNSAVED_FORMULA, SEVERAL_ADDRESSES})


class RawRow(NamedTuple):
    """One record of a file before interpretation: where it starts, its cells.

    `unsaved` holds the columns (from 0) of a workbook row whose cell is a
    formula saved without its value: that cell reads as "", yet is not empty.
    """

    line: int
    cells: list[str]
    unsaved: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class LearnerRow:
    """One learner row as written in the file.

    `line` is the physical line (or sheet row) where the row starts, the header
    being line 1. `email` is the stored form of `raw_email` (trimmed, lower
    case), "" when the cell is empty; `email_error` is None when it is valid,
    and one of ROW_PROBLEMS when the row itself is the trouble. A row holding
    several addresses has them all in `raw_email` and none in `email`.
    """

    line: int
    raw_email: str
    email: str
    email_error: str | None
    first_name: str = ""
    last_name: str = ""

    @property
    def is_valid(self) -> bool:
        return self.email_error is None


@dataclass(frozen=True, slots=True)
class LearnerFile:
    """What a file holds, in file order, plus what the reader had to decide.

    `encoding` is the codec that decoded the bytes ("" for workbooks and pasted
    text, which carry their own), `delimiter` is None unless the file was
    delimited text, and `email_column` counts from 0. `encoding` is
    "utf-8+cp1252" for a file whose lines mix the two. `ignored_columns` names
    at most ten columns, then one entry says how many more there are.
    """

    rows: list[LearnerRow]
    encoding: str = ""
    delimiter: str | None = None
    has_header: bool = False
    email_column: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
