"""The catalog as a learner uses it: live search, categories, direct links."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from karma.courses.models import Visibility
from karma.courses.tests.factories import CourseFactory, PublishedCourseFactory
from tests.browser.steps import open_section, sign_in_to_dashboard

pytestmark = pytest.mark.browser


@pytest.fixture
def shelf(db):
    """Published courses in two categories, and some learners must not list."""
    return {
        "fire": PublishedCourseFactory(
            title="Fire wardens", category="Safety", description="Evacuate calmly."
        ),
        "ladders": PublishedCourseFactory(
            title="Ladders", category="safety", description="Three points of contact."
        ),
        "escalations": PublishedCourseFactory(
            title="Handling <b>escalations</b>",
            category="Service",
            description="Calm an upset caller.",
        ),
        "hidden": PublishedCourseFactory(
            title="Fire drill for the night shift",
            category="Safety",
            visibility=Visibility.HIDDEN,
        ),
        "archived": PublishedCourseFactory(
            title="Fire safety 2019", category="Safety", visibility=Visibility.ARCHIVED
        ),
        "draft": CourseFactory(title="Fire extinguishers", category="Safety"),
    }


# Resolves once htmx has swapped in the answer to the held search, or after
# two seconds when none comes (a page that cancelled the held request).
HELD_ANSWER_SETTLED = """() => {
  window.karmaSettled = new Promise(resolve => {
    document.body.addEventListener("htmx:afterSettle", event => {
      const xhr = event.detail.xhr;
      if (xhr && xhr.responseURL.endsWith("?q=calm&category=")) { resolve(); }
    });
    setTimeout(resolve, 2000);
  }).then(() => true);
}"""


def filtered_answer(response) -> bool:
    return response.url.endswith("/catalog/?q=calm&category=Service")


def card_titles(page):
    return page.get_by_role("article").get_by_role("heading")


def test_search_and_category_narrow_the_catalog_without_reloading(
    site, page, scan, watch, learner, password, shelf
):
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    open_section(page, scan, link="Catalog", heading="Catalog")
    # Markup in a title is shown as text, never run as markup.
    expect(card_titles(page)).to_have_text(
        ["Fire wardens", "Handling <b>escalations</b>", "Ladders"]
    )
    expect(page.get_by_text("3 courses in the catalog.")).to_be_visible()
    loads_before = len(watch.loaded)
    page.evaluate("window.karmaTestMarker = 'still here'")

    search = page.get_by_label("Search courses")
    search.press_sequentially("fire", delay=20)
    expect(card_titles(page)).to_have_text(["Fire wardens"])
    expect(page.get_by_text("1 course found.")).to_be_visible()
    scan(page)

    # The description counts too, whatever its case.
    search.fill("")
    search.press_sequentially("UPSET", delay=20)
    expect(card_titles(page)).to_have_text(["Handling <b>escalations</b>"])

    search.fill("")
    search.press_sequentially("welding", delay=20)
    expect(page.get_by_role("heading", name="No courses match")).to_be_visible()
    expect(card_titles(page)).to_have_count(0)
    scan(page)

    search.fill("")
    search.press("Enter")
    expect(card_titles(page)).to_have_count(3)
    # Two spellings of one category are one choice, matched either way.
    categories = page.get_by_label("Category").get_by_role("option")
    expect(categories).to_have_text(["All categories", "Safety", "Service"])
    page.get_by_label("Category").select_option("Safety")
    expect(card_titles(page)).to_have_text(["Fire wardens", "Ladders"])
    assert page.evaluate("window.karmaTestMarker") == "still here"
    assert len(watch.loaded) == loads_before
    scan(page)

    # The address keeps the filter, so a reload or a shared link shows it.
    expect(page).to_have_url(f"{site}/catalog/?q=&category=Safety")
    page.reload()
    expect(page.get_by_label("Category")).to_have_value("Safety")
    expect(card_titles(page)).to_have_text(["Fire wardens", "Ladders"])
    scan(page)

    page.get_by_role("link", name="Ladders").click()
    expect(page.get_by_role("heading", name="Ladders", level=1)).to_be_visible()
    expect(page.get_by_text("Three points of contact.")).to_be_visible()
    scan(page)


def test_hidden_course_opens_by_its_link_while_draft_and_archived_are_not_found(
    site, page, scan, learner, password, shelf
):
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    open_section(page, scan, link="Catalog", heading="Catalog")
    page.get_by_label("Search courses").press_sequentially("fire", delay=20)
    expect(card_titles(page)).to_have_text(["Fire wardens"])
    scan(page)

    hidden = shelf["hidden"]
    page.goto(f"/courses/{hidden.public_id}/")
    expect(
        page.get_by_role("heading", name="Fire drill for the night shift", level=1)
    ).to_be_visible()
    scan(page)

    for name in ("draft", "archived"):
        response = page.goto(f"/courses/{shelf[name].public_id}/")
        assert response.status == 404, name
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(page.get_by_text(shelf[name].title)).to_have_count(0)
        scan(page)


def test_slow_answer_to_an_earlier_search_never_replaces_a_later_filter(
    site, page, scan, learner, password, shelf
):
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    open_section(page, scan, link="Catalog", heading="Catalog")
    held = []

    def hold_unfiltered_search(route):
        if route.request.url.endswith("/catalog/?q=calm&category="):
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r"/catalog/\?"), hold_unfiltered_search)
    page.get_by_label("Search courses").press_sequentially("calm", delay=20)
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the search was never sent"

    # The network is slow for the first answer only; the person has moved on.
    # A page that queues the filter behind the search never answers it
    # meanwhile, which is as good, so the wait for the answer is short.
    try:
        with page.expect_response(filtered_answer, timeout=2_000):
            page.get_by_label("Category").select_option("Service")
    except PlaywrightTimeoutError:
        pass
    page.evaluate(HELD_ANSWER_SETTLED)
    held[0].continue_()
    page.evaluate("() => window.karmaSettled")

    expect(page).to_have_url(f"{site}/catalog/?q=calm&category=Service")
    expect(card_titles(page)).to_have_text(["Handling <b>escalations</b>"])
    scan(page)
