"""The quick path for plain addresses gives the validator's own verdict."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email

from karma.lib.spreadsheets.cells import check_address


def _validator_verdict(cell: str) -> tuple[str, str | None]:
    candidate = cell.strip().lower()
    try:
        return validate_email(
            candidate, check_deliverability=False
        ).normalized.lower(), None
    except EmailNotValidError as error:
        return candidate, str(error)


@pytest.mark.parametrize(
    "cell",
    [
        "ana@example.com",
        "Ana.Silva+tag@Example.COM",
        "o'brien@example.ie",
        "a!#$%&'*+/=?^_`{|}~-@example.org",
        "first.last@sub.example.co.uk",
        ".ana@example.com",
        "ana.@example.com",
        "an..a@example.com",
        "ana@localhost",
        "ana@example",
        "ana@test",
        "ana@example..com",
        "ana@-example.com",
        "ana@example-.com",
        "ana@example.c-",
        "ana@123.456",
        "ana@xn--80ak6aa92e.com",
        "ana@xn--a.com",
        "a" * 65 + "@example.com",
        "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".com",
        "a" * 60 + "@" + ("b" * 60 + ".") * 3 + "com",
        "ana@" + "b" * 64 + ".com",
        "postmaster@example.com",
        "ana@@example.com",
        "ana@exa_mple.com",
        "ana@éxample.com",
        "josé@example.com",
        '"ana"@example.com',
        "ana@[127.0.0.1]",
        "Ana <ana@example.com>",
    ],
)
def test_check_address_agrees_with_the_validator(cell):
    assert check_address(cell) == _validator_verdict(cell)
