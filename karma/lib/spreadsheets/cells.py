"""Cleaning single cells: addresses, names and header labels."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import DOT_ATOM_TEXT, EMAIL_MAX_LENGTH

from karma.lib.text import fold_for_search

# Characters that show as nothing at all. Copying from web pages and chat
# drags them into addresses, where they can never have been meant.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_REMOVE_ZERO_WIDTH = str.maketrans(dict.fromkeys(_ZERO_WIDTH))

# Spaces of every width plus the zero-width ones. Not the tab: a tab cannot be
# typed into a spreadsheet cell, so one that is there was put there on purpose
# (often to smuggle a formula past a filter) and a name keeps it, as written.
_NAME_PADDING = " \u00a0\u2007\u202f\u3000" + _ZERO_WIDTH

_LINE_BREAKS = re.compile(r"[ \t]*(?:[\r\n\x0b\u2028\u2029][ \t]*)+")

_ADDRESS_LIKE = re.compile(r"\S+@\S+")

MISSING_ADDRESS = "There is no email address."

# A domain of plain ASCII letters, digits, dots and hyphens: one whose
# validation does not depend on the part before the @-sign.
_PLAIN_DOMAIN = re.compile(r"[a-z0-9.-]+\Z")


def is_blank(cell: str) -> bool:
    """Tell whether a cell holds nothing but whitespace or invisible characters."""
    return not cell.translate(_REMOVE_ZERO_WIDTH).strip()


def clean_address(cell: str) -> str:
    """Return an address without padding or invisible characters, case kept."""
    return cell.translate(_REMOVE_ZERO_WIDTH).strip()


def looks_like_address(cell: str) -> bool:
    """Guess cheaply whether a cell holds an address, to find the email column.

    The guess only picks a column; every address in it is then validated.
    """
    return _ADDRESS_LIKE.fullmatch(clean_address(cell)) is not None


def check_address(cell: str) -> tuple[str, str | None]:
    """Return the stored form of an address and the reason it is invalid.

    The stored form is lower-cased like every address Karma keeps; the reason
    is None for a valid address and is the validator's own sentence otherwise.
    """
    candidate = clean_address(cell).lower()
    if not candidate:
        return "", MISSING_ADDRESS
    if _plainly_valid(candidate):
        return candidate, None
    try:
        validated = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as error:
        return candidate, str(error)
    return validated.normalized.lower(), None


def _plainly_valid(candidate: str) -> bool:
    """Tell whether the validator would accept `candidate` unchanged, cheaply.

    A file of 100,000 addresses holds a few distinct domains, and most of
    the validator's work is the domain. For a plain ASCII address (what
    nearly every row is) the validator accepts the part before the @-sign
    exactly when it matches its dot-atom pattern, and the whole when the
    domain is valid and the address fits its length limit; the domain's
    verdict is worked out once. Anything else, and every address refused,
    goes to the validator for its own verdict and sentence.
    """
    local, at, domain = candidate.partition("@")
    return (
        bool(at)
        and len(candidate) <= EMAIL_MAX_LENGTH
        and _PLAIN_DOMAIN.match(domain) is not None
        and DOT_ATOM_TEXT.match(local) is not None
        and _plain_domain_is_valid(domain)
    )


@lru_cache(maxsize=4096)
def _plain_domain_is_valid(domain: str) -> bool:
    try:
        validated = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return False
    return validated.domain == domain


def clean_name(cell: str) -> str:
    """Return a name on one line without padding or control characters.

    A tab is kept: it cannot be typed into a cell, so one that is there was
    put there on purpose, and exports must see it to neutralise it. Other
    control characters (stray bytes of a mis-saved file) are dropped, so the
    stored name is the one the review page shows.
    """
    one_line = _LINE_BREAKS.sub(" ", cell).strip(_NAME_PADDING)
    return "".join(
        ch for ch in one_line if ch == "\t" or unicodedata.category(ch) != "Cc"
    )


def clean_label(cell: str) -> str:
    """Return a header label fit to quote back to a person."""
    return " ".join(cell.translate(_REMOVE_ZERO_WIDTH).split())


def label_key(cell: str) -> str:
    """Fold a header label so "E-mail Address" and "email_address" compare equal."""
    return "".join(ch for ch in fold_for_search(cell) if ch.isalnum())


# Endings that follow a comma inside a full name without it being "Last, First".
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "md"})


def split_full_name(name: str) -> tuple[str, str]:
    """Split a full name into first and last name.

    "Silva, Ana" is last-name-first; "Ana Maria Silva" splits at the last
    space; "Sean O'Brien, Jr." keeps the suffix with the last name.
    """
    before, comma, after = name.strip().partition(",")
    if comma and after.strip() and after.strip().lower() not in _NAME_SUFFIXES:
        return after.strip(), before.strip()
    first, space, last = before.strip().rpartition(" ")
    if not space:
        return before.strip(), (after.strip() if comma else "")
    return first.strip(), f"{last}{comma}{after}".strip()
