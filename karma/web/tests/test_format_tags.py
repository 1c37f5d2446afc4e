"""The formatting tags write the same markup as the includes they replace."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone

from karma.accounts.models import UserStatus

MOMENT = datetime(2026, 12, 3, 13, 5, 9, 120, tzinfo=UTC)


def _tag(source: str, **context: object) -> str:
    return Template("{% load karma_format %}" + source).render(Context(context))


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/Sao_Paulo"])
def test_timestamp_matches_the_time_include_in_the_viewers_zone(zone):
    with timezone.override(zone):
        expected = render_to_string("accounts/users/_time.html", {"value": MOMENT})
        assert _tag("{% timestamp value %}", value=MOMENT) == expected


def test_timestamp_shows_the_local_time_of_day():
    with timezone.override("Asia/Kolkata"):
        assert ">3 Dec 2026, 18:35</time>" in _tag("{% timestamp v %}", v=MOMENT)


@pytest.mark.parametrize("empty", [None, "Not yet", "<b>—</b>"])
def test_timestamp_without_a_date_matches_the_include(empty):
    context = {"value": None} if empty is None else {"value": None, "empty": empty}
    expected = render_to_string("accounts/users/_time.html", context)
    source = "{% timestamp value %}" if empty is None else "{% timestamp value empty %}"
    assert _tag(source, **context) == expected


@pytest.mark.parametrize("status", [*UserStatus.values, "unknown"])
def test_status_badge_matches_the_badge_include(status):
    context = {"status": status, "label": "<Label & more>"}
    expected = render_to_string("accounts/users/_status_badge.html", context)
    assert _tag("{% status_badge status label %}", **context) == expected
