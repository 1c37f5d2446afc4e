"""The teaching dashboard and the platform reports pages, role by role."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from karma.accounts.tests.factories import InstructorFactory
from karma.reports.tests.known import build_course_structure

TEACHING = reverse("reports:teaching")
PLATFORM = reverse("reports:platform")


def test_teaching_dashboard_shows_the_courses_taught(known, instructor_client):
    html = instructor_client.get(TEACHING).content.decode()

    assert "Learners at risk" in html
    # Dan (worst rule first), then Gus, Ben, Cleo.
    order = [html.index(f"{name} Known</a>") for name in ("Dan", "Gus", "Ben", "Cleo")]
    assert order == sorted(order)
    assert "Not started 9 days after enrolling" in html
    assert "No activity for 17 days (two weeks or more)" in html
    assert "16.7%" in html
    assert "Known course" in html
    assert "completed" in html
    assert reverse("reports:platform") not in html


def test_co_instructors_see_the_shared_course(known):
    client = Client()
    client.force_login(known.co_instructor)

    html = client.get(TEACHING).content.decode()

    assert "Known course" in html


def test_other_instructors_see_nothing_of_the_course(known):
    client = Client()
    client.force_login(InstructorFactory())

    html = client.get(TEACHING).content.decode()

    assert "Known course" not in html
    assert "Nobody is at risk right now." in html


def test_admins_see_every_course_and_the_platform_tab(known, admin, admin_client):
    build_course_structure(admin, title="Admin's own")

    html = admin_client.get(TEACHING).content.decode()

    assert "Known course" in html
    assert "Admin&#x27;s own" in html
    assert PLATFORM in html


@pytest.mark.parametrize("fixture", ["learner_client", "outsider_client"])
def test_learners_are_refused_the_dashboard(request, fixture, known):
    client = request.getfixturevalue(fixture)

    assert client.get(TEACHING).status_code == 403


@pytest.mark.parametrize("fixture", ["instructor_client", "learner_client"])
def test_platform_reports_are_for_admins_only(request, fixture, known):
    client = request.getfixturevalue(fixture)

    assert client.get(PLATFORM).status_code == 403


@pytest.mark.parametrize("url", [TEACHING, PLATFORM])
def test_strangers_are_sent_to_sign_in(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_platform_reports_draw_the_weeks_as_svg(known, admin_client):
    html = admin_client.get(PLATFORM).content.decode()

    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg
    assert svg.count('class="karma-chart-bar-enrollments"') == 12
    assert svg.count('class="karma-chart-bar-completions"') == 12
    assert "Completions, " in svg
    assert not re.search(r"\sstyle=", html)
    assert "Known course" in html


def test_sidebar_offers_reports_to_staff_only(known, instructor_client, learner_client):
    link = f'href="{TEACHING}">Reports</a>'

    assert link in instructor_client.get("/").content.decode()
    assert link not in learner_client.get("/").content.decode()


def test_dashboard_links_staff_to_reports(known, instructor_client):
    html = instructor_client.get("/").content.decode()

    assert "Open reports" in html
