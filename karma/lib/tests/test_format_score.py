from decimal import Decimal

import pytest

from karma.lib.text import format_score


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("87.50"), "87.5"),
        (Decimal("100.00"), "100"),
        (Decimal("0.00"), "0"),
        (Decimal("0.25"), "0.25"),
        (Decimal("66.666"), "66.67"),
        (Decimal("-0.001"), "0"),
        (87.25, "87.25"),
        (7, "7"),
        (None, ""),
    ],
)
def test_writes_at_most_two_decimals_and_no_trailing_zeros(value, shown):
    assert format_score(value) == shown
