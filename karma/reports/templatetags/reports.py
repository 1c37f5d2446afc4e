"""Template filters of the report pages."""

from __future__ import annotations

from django import template

from karma.reports.formatting import duration_text

register = template.Library()


@register.filter
def karma_duration(seconds: int | None) -> str:
    """Seconds as "1 h 05 min", "12 min" or "under a minute"; a dash for none."""
    return duration_text(seconds)
