"""The enrollment tags write the markup of the includes they stand for."""

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string

from karma.enrollments.models import Enrollment, EnrollmentStatus

# Unsaved rows: the tags read only the status and the progress.
ROWS = [
    Enrollment(status=status, progress_percent=percent)
    for status in EnrollmentStatus.values
    for percent in (0, 40, 100)
]


def _tag(source: str, **context: object) -> str:
    template = Template("{% load enrollment_format %}" + source)
    return template.render(Context(context))


@pytest.mark.parametrize("enrollment", ROWS, ids=repr)
def test_status_matches_the_badge_include(enrollment):
    expected = render_to_string(
        "enrollments/_status_badge.html", {"enrollment": enrollment}
    )
    assert _tag("{% enrollment_status e %}", e=enrollment) == expected.strip()


@pytest.mark.parametrize("enrollment", ROWS, ids=repr)
def test_completion_matches_the_completion_include(enrollment):
    expected = render_to_string(
        "enrollments/_completion.html", {"enrollment": enrollment}
    )
    assert _tag("{% enrollment_completion e %}", e=enrollment) == expected.strip()


@pytest.mark.parametrize("enrollment", ROWS, ids=repr)
@pytest.mark.parametrize("label", ["", 'Progress in <Safety & "you">'])
def test_progress_matches_the_progress_include(enrollment, label):
    expected = render_to_string(
        "enrollments/_progress.html", {"enrollment": enrollment, "label": label}
    )
    rendered = _tag("{% enrollment_progress e label %}", e=enrollment, label=label)
    assert rendered == expected.strip()
