"""Template filters and tags of the report pages."""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from karma.reports.formatting import duration_text

register = template.Library()


@register.filter
def karma_duration(seconds: int | None) -> str:
    """Seconds as "1 h 05 min", "12 min" or "under a minute"; a dash for none."""
    return duration_text(seconds)


# A matrix cell: enrollments/_progress.html's bar and figure, made small.
PERCENT_BAR = """<div class="d-flex align-items-center gap-2">
  <div class="progress karma-cell-track" role="progressbar" aria-label="{label}"
       aria-valuenow="{value}" aria-valuemin="0" aria-valuemax="100">
    <div class="progress-bar karma-progress-{value}{success}"></div>
  </div>
  <span class="small text-nowrap" aria-hidden="true">{value}%</span>
</div>"""
NOTHING_TO_COUNT = format_html(
    '<span class="text-body-secondary" title="{}">—</span>',
    "Nothing required in this module",
)


@register.simple_tag
def percent_bar(value: int | None, label: str) -> SafeString:
    """A small bar and figure for `value` (0–100) named by `label`, or a
    dash for None (nothing to count). Pages include
    enrollments/_progress_styles.html once.

    A tag rather than an include: the matrix draws one per cell, and an
    include per cell was most of the Progress tab's rendering time.
    """
    if value is None:
        return NOTHING_TO_COUNT
    value = int(value)
    success = " bg-success" if value == 100 else ""
    # Only the label is text; the rest is markup and a number.
    markup = PERCENT_BAR.format(label=escape(label), value=value, success=success)
    return mark_safe(markup)  # noqa: S308
