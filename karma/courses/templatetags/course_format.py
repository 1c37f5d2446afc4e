"""Template filters for showing course facts the same way on every page."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration(minutes: int | None) -> str:
    """Return minutes as "45 min", "2 h" or "1 h 30 min"; "" when unknown."""
    if not minutes:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min"
