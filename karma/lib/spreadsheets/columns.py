"""Finding the header row and deciding which column holds what.

Header labels are compared after folding case, accents and everything that is
not a letter or digit, so "E-mail Address", "email_address" and "EMAIL ADDRESS"
are one label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from karma.lib.spreadsheets.cells import (
    clean_label,
    is_blank,
    label_key,
    looks_like_address,
)
from karma.lib.spreadsheets.model import RawRow, SpreadsheetError
from karma.lib.spreadsheets.wording import capped

EMAIL_LABELS = frozenset(
    {
        "email",
        "mail",
        "emailaddress",
        "mailaddress",
        "emailadres",
        "emailadresse",
        "mailadresse",
        "courriel",
        "adressecourriel",
        "adresseemail",
        "adressemail",
        "adresseelectronique",
        "correo",
        "correoelectronico",
        "direcciondecorreo",
        "direcciondecorreoelectronico",
        "enderecodeemail",
        "indirizzoemail",
        "eposta",
        "sahkoposti",
    }
)
# "Work email", "Student e-mail address": a qualifier before a known label.
_EMAIL_LABEL_ENDINGS = ("email", "emailaddress")

FIRST_NAME_LABELS = frozenset(
    {
        "firstname",
        "first",
        "fname",
        "givenname",
        "givennames",
        "forename",
        "forenames",
        "prenom",
        "vorname",
        "nombre",
        "nome",
        "voornaam",
        "fornavn",
    }
)
LAST_NAME_LABELS = frozenset(
    {
        "lastname",
        "last",
        "lname",
        "surname",
        "familyname",
        "nom",
        "nomdefamille",
        "nachname",
        "familienname",
        "apellido",
        "apellidos",
        "achternaam",
        "cognome",
        "sobrenome",
        "efternavn",
    }
)
FULL_NAME_LABELS = frozenset(
    {
        "name",
        "fullname",
        "displayname",
        "learnername",
        "studentname",
        "nomcomplet",
        "nombrecompleto",
        "naam",
    }
)

NO_LEARNERS = "The file has a header row but no learners under it."

# Beside a last-name column and no first-name one, a plain "Name" holds the
# given name ("Name, Surname, E-Mail"); alone it holds the full name.
_GIVEN_NAME_BESIDE_SURNAME = frozenset({"name", "naam"})

# Workbooks often open with a title line or two above the real header; a
# header this far down is still recognised.
MAX_ROWS_ABOVE_HEADER = 10


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the header is (if any) and which column holds each field.

    `header_width` counts the header's cells and `blank_labels` the ones
    among them left blank (0 and none without a header); `ignored` names
    every unused column, however many.
    """

    header_index: int | None
    email: int
    first_name: int | None = None
    last_name: int | None = None
    full_name: int | None = None
    header_width: int = 0
    blank_labels: frozenset[int] = frozenset()
    ignored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def data_start(self) -> int:
        return 0 if self.header_index is None else self.header_index + 1

    @property
    def name_columns(self) -> list[int]:
        names = (self.first_name, self.last_name, self.full_name)
        return [index for index in names if index is not None]

    def unlabelled_columns(self, width: int) -> list[int]:
        """Return the columns of a row `width` cells wide that have neither a
        header label nor a use; on most rows of most files, none.
        """
        if width <= self.header_width and not self.blank_labels:
            return []
        candidates = [index for index in self.blank_labels if index < width]
        candidates += range(self.header_width, width)
        if not candidates:
            return []
        used = {self.email, *self.name_columns}
        return [index for index in candidates if index not in used]


def find_layout(records: Sequence[RawRow]) -> Layout:
    """Decide the header row and the columns of a list of non-blank records.

    Raises SpreadsheetError when no column can be the email column.
    """
    header_index = _find_header_index(records)
    if header_index is None:
        return _layout_without_header(records)

    header = records[header_index].cells
    data = records[header_index + 1 :]
    if not data:
        raise SpreadsheetError(NO_LEARNERS)
    email = _email_column_by_label(header)
    warnings = _skipped_lines_warning(records, header_index)
    if email is None:
        email = _email_column_by_content(data)
        if email is None:
            raise SpreadsheetError(_no_email_column_message(header))
        warnings.append(
            f"No column is headed “email”; the addresses were read from "
            f"{_describe_column(header, email)}."
        )
    return _layout_with_header(header_index, header, data, email, warnings)


def _find_header_index(records: Sequence[RawRow]) -> int | None:
    """Return the index of the header row, or None when the file has none.

    The first row is a header when a cell names the email column, or when no
    cell in it holds anything like an address. Title rows above a labelled
    header are passed over, up to a few lines.
    """
    for index, record in enumerate(records[: MAX_ROWS_ABOVE_HEADER + 1]):
        if _email_column_by_label(record.cells) is not None:
            return index
        if any("@" in cell for cell in record.cells):
            break
    first = records[0].cells
    if any("@" in cell for cell in first):
        return None
    return 0


def _email_column_by_label(header: Sequence[str]) -> int | None:
    keys = [label_key(cell) for cell in header]
    for index, key in enumerate(keys):
        if key in EMAIL_LABELS:
            return index
    for index, key in enumerate(keys):
        if key.endswith(_EMAIL_LABEL_ENDINGS):
            return index
    return None


def _email_column_by_content(data: Sequence[RawRow]) -> int | None:
    """Return the column where most cells are addresses, leftmost on a tie.

    A column qualifies only when addresses are at least half of its filled
    cells, so a notes column that mentions an address now and then is never
    picked.
    """
    addresses: dict[int, int] = {}
    filled: dict[int, int] = {}
    for record in data:
        for index, cell in enumerate(record.cells):
            if is_blank(cell):
                continue
            filled[index] = filled.get(index, 0) + 1
            if looks_like_address(cell):
                addresses[index] = addresses.get(index, 0) + 1
    candidates = [i for i, n in addresses.items() if n * 2 >= filled[i]]
    if not candidates:
        return None
    return max(sorted(candidates), key=lambda i: addresses[i])


def _layout_without_header(records: Sequence[RawRow]) -> Layout:
    email = _email_column_by_content(records)
    if email is None:
        raise SpreadsheetError(_no_email_column_message([]))
    others = _filled_columns(records) - {email}
    ignored = [f"column {i + 1} (no header)" for i in sorted(others)]
    return Layout(header_index=None, email=email, ignored=ignored)


def _layout_with_header(
    header_index: int,
    header: Sequence[str],
    data: Sequence[RawRow],
    email: int,
    warnings: list[str],
) -> Layout:
    keys = [label_key(cell) for cell in header]
    first = _first_with_label(keys, FIRST_NAME_LABELS, exclude={email})
    last = _first_with_label(keys, LAST_NAME_LABELS, exclude={email})
    if first is None and last is not None:
        first = _first_with_label(
            keys, _GIVEN_NAME_BESIDE_SURNAME, exclude={email, last}
        )
    full = None
    if first is None and last is None:
        full = _first_with_label(keys, FULL_NAME_LABELS, exclude={email})
    used = {email, first, last, full}
    return Layout(
        header_index=header_index,
        email=email,
        first_name=first,
        last_name=last,
        full_name=full,
        header_width=len(header),
        blank_labels=frozenset(i for i, cell in enumerate(header) if is_blank(cell)),
        ignored=_ignored_columns(header, data, used),
        warnings=warnings,
    )


def _first_with_label(
    keys: Sequence[str], labels: frozenset[str], *, exclude: set[int]
) -> int | None:
    for index, key in enumerate(keys):
        if key in labels and index not in exclude:
            return index
    return None


def _ignored_columns(
    header: Sequence[str], data: Sequence[RawRow], used: set[int | None]
) -> list[str]:
    """Name each unused column once; unnamed ones only when they hold something."""
    # A dict keeps the first-seen order and checks for a repeat at once,
    # where a list would make a header of many columns take quadratic time.
    named: dict[str, None] = {}
    for index, cell in enumerate(header):
        label = clean_label(cell)
        if index not in used and label:
            named.setdefault(label)
    unnamed = {
        index
        for index in _filled_columns(data)
        if index not in used and (index >= len(header) or is_blank(header[index]))
    }
    return [*named, *(f"column {i + 1} (no header)" for i in sorted(unnamed))]


def _filled_columns(records: Sequence[RawRow]) -> set[int]:
    return {
        index
        for record in records
        for index, cell in enumerate(record.cells)
        if not is_blank(cell)
    }


def _skipped_lines_warning(records: Sequence[RawRow], header_index: int) -> list[str]:
    if header_index == 0:
        return []
    lines = ", ".join(str(record.line) for record in records[:header_index])
    return [f"Skipped the lines above the header row ({lines})."]


def _describe_column(header: Sequence[str], index: int) -> str:
    label = clean_label(header[index]) if index < len(header) else ""
    return f"column {index + 1} (“{label}”)" if label else f"column {index + 1}"


def _no_email_column_message(header: Sequence[str]) -> str:
    labels = [clean_label(cell) for cell in header if not is_blank(cell)]
    if not labels:
        return (
            "No column holds email addresses. Put the addresses in one column, "
            "headed “email”."
        )
    seen = ", ".join(capped([f"“{label}”" for label in labels]))
    return (
        f"No column holds email addresses. The columns found are {seen}; "
        "head the column of addresses “email”."
    )
