"""How an audit entry's details read on the audit log page."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def detail_text(value: object) -> str:
    """Write a details value as a person reads it.

    Details are JSON, so a value may be a mapping (a bulk run's counts) or a
    list; printed as they are they would show Python's braces and quotes.
    A mapping reads "enrolled 3, already enrolled 1"; a list is joined with
    commas. Nested values are written the same way.
    """
    if isinstance(value, dict):
        return ", ".join(
            f"{str(key).replace('_', ' ')} {detail_text(item)}"
            for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return ", ".join(detail_text(item) for item in value)
    if value is None:
        return "—"
    return str(value)
