"""Small formatting tags used in every list row.

They do in Python what an `{% include %}` per cell did: on a page of a
hundred rows the includes were most of the rendering time (bench/search.py).
The output is the same markup the includes wrote.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from karma.lib.text import format_score

register = template.Library()

TIMESTAMP_FORMAT = "j M Y, H:i"

STATUS_BADGE_CLASSES = {
    "active": "text-bg-success",
    "invited": "text-bg-info",
    "must_change_password": "text-bg-warning",
}


@register.simple_tag
def timestamp(value: datetime | None, empty: str = "Never") -> SafeString:
    """A <time> element in the viewer's time zone ("3 Dec 2026, 14:05"),
    or `empty` in muted text when there is no date."""
    if not value:
        return format_html('<span class="text-body-secondary">{}</span>', empty)
    local = localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>',
        local.isoformat(),
        format_date(local, TIMESTAMP_FORMAT),
    )


@register.simple_tag
def status_badge(status: str, label: str) -> SafeString:
    """The coloured badge of an account status."""
    css = STATUS_BADGE_CLASSES.get(status, "text-bg-secondary")
    return format_html('<span class="badge {}">{}</span>', css, label)


@register.filter
def score(value: object) -> str:
    """A score or points with at most two decimals and no trailing zeros:
    87.5, 100, 0.25 (karma.lib.text.format_score)."""
    if value in (None, ""):
        return ""
    return format_score(value)
