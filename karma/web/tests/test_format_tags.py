"""The formatting tags write the same markup as the includes they replace."""

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from karma.accounts.models import UserStatus
from karma.lib.public_ids import new_public_id

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


DAY = date(2026, 12, 3)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "Pacific/Kiritimati"])
@pytest.mark.parametrize(
    "value", [MOMENT, DAY, datetime(2026, 1, 9, 23, 59, tzinfo=UTC)]
)
def test_date_only_matches_the_date_include_in_the_viewers_zone(zone, value):
    with timezone.override(zone):
        expected = render_to_string("enrollments/_date.html", {"value": value})
        assert _tag("{% date_only value %}", value=value) == expected.strip()


def test_date_only_shows_the_viewers_day():
    with timezone.override("Pacific/Kiritimati"):
        assert ">4 Dec 2026</time>" in _tag("{% date_only v %}", v=MOMENT)


@pytest.mark.parametrize("language", ["fr", "de", "ja"])
def test_date_only_names_the_month_as_the_date_filter_does(language):
    with translation.override(language):
        expected = render_to_string("enrollments/_date.html", {"value": MOMENT})
        assert _tag("{% date_only value %}", value=MOMENT) == expected.strip()


@pytest.mark.parametrize("empty", [None, "Not yet", "<b>—</b>"])
def test_date_only_without_a_date_matches_the_include(empty):
    context = {"value": None} if empty is None else {"value": None, "empty": empty}
    expected = render_to_string("enrollments/_date.html", context)
    source = "{% date_only value %}" if empty is None else "{% date_only value empty %}"
    assert _tag(source, **context) == expected.strip()


def test_id_url_is_the_url_tags_link_on_every_row():
    ids = [new_public_id("crs") for _ in range(3)]
    rendered = _tag(
        "{% for id in ids %}{% id_url 'courses:course_detail' id %} {% endfor %}",
        ids=ids,
    )
    assert rendered.split() == [
        reverse("courses:course_detail", args=[public_id]) for public_id in ids
    ]
