"""Text normalisation shared by search and imports."""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal

# Letters that carry their mark in the glyph itself, so NFKD leaves them whole.
_UNDECOMPOSED = {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe"}

# Word processors and spreadsheets turn the apostrophe of "O'Brien" into a
# typographic one as it is typed; people search with whichever their
# keyboard gives.
APOSTROPHES = "\u2019\u2018\u02bc"

_FOLDS = str.maketrans({**_UNDECOMPOSED, **dict.fromkeys(APOSTROPHES, "'")})


def fold_for_search(text: str) -> str:
    """Return `text` lower-cased with accents removed, for matching.

    "José Núñez" and "jose nunez" fold to the same string, and "O’Brien"
    and "o'brien", so one stored column answers case- and accent-insensitive
    search on every database.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().translate(_FOLDS).split())


def single_line(text: str) -> str:
    """Collapse every run of whitespace, line breaks included, to one space."""
    return " ".join(text.split())


def format_score(value: Decimal | float | int | None) -> str:
    """A score or a number of points as people write it: at most two
    decimals and no trailing zeros ("87.5", "100", "0.25"); "" for None."""
    if value is None:
        return ""
    rounded = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text
