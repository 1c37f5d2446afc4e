"""Small formatting tags used in every list row.

They do in Python what an `{% include %}` per cell did: on a page of a
hundred rows the includes were most of the rendering time (bench/search.py).
The output is the same markup the includes wrote.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils.dateformat import format as format_date
from django.utils.dates import MONTHS_3
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.timezone import is_aware, localtime

from karma.lib.text import format_score
from karma.lib.urls import url_by_public_id

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


@register.simple_tag
def date_only(value: datetime | date | None, empty: str = "—") -> SafeString:
    """A <time> element with the day alone ("3 Dec 2026"), in the viewer's
    time zone, or `empty` in muted text: what enrollments/_date.html
    writes."""
    if not value:
        return format_html('<span class="text-body-secondary">{}</span>', empty)
    if isinstance(value, datetime) and is_aware(value):
        value = localtime(value)
    # The date filter's "j M Y", written out: a profile has a date per row
    # for hundreds of rows, and DateFormat took most of the time of each.
    day = f"{value.day} {MONTHS_3[value.month].title()} {value.year:04d}"
    # isoformat() writes digits and "-:+.T" only.
    return SafeString(f'<time datetime="{value.isoformat()}">{escape(day)}</time>')


@register.simple_tag(takes_context=True)
def id_url(context: template.Context, viewname: str, public_id: str) -> str:
    """{% url viewname public_id %} for a route whose only argument is a
    public id, reversing the route once per template render instead of
    once per row (see karma.lib.urls)."""
    makers = context.render_context.setdefault("karma_format.id_url", {})
    maker = makers.get(viewname)
    if maker is None:
        maker = makers[viewname] = url_by_public_id(viewname)
    return maker(public_id)
