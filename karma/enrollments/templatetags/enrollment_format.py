"""An enrollment's status badge, progress bar and completion as tags.

They write the markup of enrollments/_status_badge.html, _progress.html and
_completion.html (less the whitespace around it) for pages with a row per
enrollment, where an include per cell was most of the rendering time
(bench/learner_profile.py). Pages that include _progress show the bar with
the styles of _progress_styles.html, included once.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from karma.enrollments.models import Enrollment, EnrollmentStatus

register = template.Library()

# Fixed markup, nothing from the row in it.
_STATUS_BADGES = {
    EnrollmentStatus.ACTIVE: SafeString(
        '<span class="badge text-bg-primary">Active</span>'
    ),
    EnrollmentStatus.COMPLETED: SafeString(
        '<span class="badge text-bg-success">Completed</span>'
    ),
}
_DROPPED_BADGE = SafeString('<span class="badge text-bg-secondary">Dropped</span>')

_COMPLETION = {
    "complete": SafeString('<span class="text-success">Complete</span>'),
    "in progress": SafeString("In progress"),
}
_NOT_STARTED = SafeString('<span class="text-body-secondary">Not started</span>')

_PROGRESS = (
    '<div class="d-flex align-items-center gap-2">\n'
    '  <div class="progress karma-progress-track flex-grow-1" role="progressbar"'
    ' aria-label="{label}"\n'
    '       aria-valuenow="{percent}" aria-valuemin="0" aria-valuemax="100">\n'
    '    <div class="progress-bar karma-progress-{percent}{done}"></div>\n'
    "  </div>\n"
    '  <span class="small text-nowrap" aria-hidden="true">{percent}%</span>\n'
    "</div>"
)


@register.simple_tag
def enrollment_status(enrollment: Enrollment) -> SafeString:
    """Active, Completed or Dropped, as a badge."""
    return _STATUS_BADGES.get(enrollment.status, _DROPPED_BADGE)


@register.simple_tag
def enrollment_completion(enrollment: Enrollment) -> SafeString:
    """Complete, In progress or Not started."""
    return _COMPLETION.get(enrollment.completion_state, _NOT_STARTED)


@register.simple_tag
def enrollment_progress(enrollment: Enrollment, label: str = "") -> SafeString:
    """The progress bar, named by `label` for screen readers, and the figure."""
    completed = enrollment.status == EnrollmentStatus.COMPLETED
    return format_html(
        _PROGRESS,
        label=label or "Progress",
        percent=enrollment.progress_percent,
        done=" bg-success" if completed else "",
    )
