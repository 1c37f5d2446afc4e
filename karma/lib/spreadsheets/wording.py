"""Naming lines and columns in messages without letting a big file flood them.

A note that lists every one of 20,000 columns, or every line of a file, tells
the person nothing more than the first few and a count of the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

# How many line numbers or column names a message spells out.
LISTED = 10


def describe_lines(numbers: Sequence[int]) -> str:
    """Return "Line 3", "Lines 3 and 9" or "Lines 3, 9, … 40 and 12 more".

    The caller picks the verb: `numbers` of one takes the singular.
    """
    if len(numbers) == 1:
        return f"Line {numbers[0]}"
    shown = [str(number) for number in numbers[:LISTED]]
    rest = len(numbers) - len(shown)
    if rest:
        return f"Lines {', '.join(shown)} and {rest:,} more"
    return f"Lines {', '.join(shown[:-1])} and {shown[-1]}"


def capped(names: Sequence[str]) -> list[str]:
    """Return the first few names, then one entry counting the others."""
    if len(names) <= LISTED:
        return list(names)
    return [*names[:LISTED], f"and {len(names) - LISTED:,} more"]
