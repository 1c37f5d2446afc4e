"""The shapes the reader hands back, and the one error it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class SpreadsheetError(Exception):
    """The file cannot be read; the message says why, for the person uploading."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RawRow(NamedTuple):
    """One record of a file before interpretation: where it starts, its cells."""

    line: int
    cells: list[str]


@dataclass(frozen=True, slots=True)
class LearnerRow:
    """One learner row as written in the file.

    `line` is the physical line (or sheet row) where the row starts, the header
    being line 1. `email` is the stored form of `raw_email` (trimmed, lower
    case), "" when the cell is empty; `email_error` is None when it is valid.
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
    delimited text, and `email_column` counts from 0.
    """

    rows: list[LearnerRow]
    encoding: str = ""
    delimiter: str | None = None
    has_header: bool = False
    email_column: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
