"""Reading the learner spreadsheets people upload for bulk enrollment.

`read_learner_file` takes the bytes of a CSV or .xlsx file, whatever program
wrote them, and returns one `LearnerRow` per non-blank row in file order with
the physical line it starts on; `read_pasted_addresses` does the same for text
pasted into a form. Both raise `SpreadsheetError` with a message fit to show
the person. Deciding what happens to each row (duplicates, unknown addresses)
is the enrollment service's job, not this package's.
"""

from __future__ import annotations

from karma.lib.spreadsheets.model import (
    ROW_PROBLEMS,
    LearnerFile,
    LearnerRow,
    SpreadsheetError,
)
from karma.lib.spreadsheets.reader import (
    MAX_ROWS,
    read_learner_file,
    read_pasted_addresses,
)

__all__ = [
    "MAX_ROWS",
    "ROW_PROBLEMS",
    "LearnerFile",
    "LearnerRow",
    "SpreadsheetError",
    "read_learner_file",
    "read_pasted_addresses",
]
