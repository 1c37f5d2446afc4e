"""An instructor builds a course from nothing, and a learner then finds it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from karma.courses.models import Course, Lesson
from karma.courses.tests.factories import CourseFactory, PublishedCourseFactory
from tests.browser.steps import (
    expect_notice,
    image_file,
    open_section,
    pdf_file,
    sign_in_to_dashboard,
)

pytestmark = pytest.mark.browser

TITLE = "Working at Height"
DEMO_VIDEO = (
    Path(__file__).resolve().parents[2]
    / "karma/courses/demo_assets/working-safely-with-data/three-questions.webm"
)
PASTED_HTML = (
    "<script>document.title = 'ran'</script><p>Hold the ladder with both hands.</p>"
)


@pytest.fixture
def media(settings, tmp_path):
    """Keep the uploads of a test in its own folder."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def module_names(page):
    return page.get_by_role("list", name=f"Modules of {TITLE}").get_by_role(
        "heading", level=3
    )


def lesson_titles(page, module: str):
    # Every link but a quiz lesson's "Questions of the quiz …" beside its title.
    return page.get_by_role("list", name=f"Lessons of {module}").get_by_role(
        "link", name=re.compile(r"^(?!Questions of the quiz )")
    )


def item(*parts: str) -> re.Pattern:
    """Match a list item made of exactly `parts`, whatever the spacing."""
    return re.compile(r"^\s*" + r"\s+".join(map(re.escape, parts)) + r"\s*$")


def add_module(page, name: str) -> None:
    page.get_by_label("Name of the new module").fill(name)
    page.get_by_role("button", name="Add module").click()
    expect(module_names(page).filter(has_text=name)).to_be_visible()


def start_lesson(page, scan, *, module: str, title: str, kind: str) -> None:
    page.get_by_role("link", name=f"Add a lesson to {module}").click()
    expect(page.get_by_role("heading", name="Add a lesson")).to_be_visible()
    scan(page)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Type").select_option(label=kind)


def save_lesson(page, scan, title: str) -> None:
    page.get_by_role("button", name="Add lesson").click()
    expect_notice(page, f"Added the lesson “{title}”.")
    scan(page)


def write_rich_text(page) -> None:
    """Type with the toolbar, then paste markup that must not survive."""
    editor = page.get_by_role("textbox", name="Lesson text")
    editor.click()
    page.keyboard.type("Most falls are from ")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type("low")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type(" heights.")
    # What a paste of hostile HTML would leave in the editor's DOM (an
    # inline handler is left out: the CSP blocks it in the author's browser
    # too, and the server's sanitiser is tested on its own).
    editor.evaluate(
        "(node, html) => { node.insertAdjacentHTML('beforeend', html);"
        " node.dispatchEvent(new Event('input')); }",
        PASTED_HTML,
    )


def build_outline(page, scan) -> None:
    """Two modules and a lesson of every type, all through the editor."""
    add_module(page, "Before you climb")
    add_module(page, "On the ladder")
    expect_notice(page, "Added the module")
    scan(page)

    start_lesson(
        page, scan, module="Before you climb", title="Why falls happen", kind="Text"
    )
    expect(page.get_by_label("Video file")).to_be_hidden()
    write_rich_text(page)
    page.get_by_label("Estimated duration (minutes)").fill("10")
    save_lesson(page, scan, "Why falls happen")

    start_lesson(
        page, scan, module="Before you climb", title="Three questions", kind="Video"
    )
    expect(page.get_by_role("textbox", name="Lesson text")).to_be_hidden()
    page.get_by_label("Video file").set_input_files(DEMO_VIDEO)
    save_lesson(page, scan, "Three questions")

    start_lesson(
        page, scan, module="On the ladder", title="Ladder checklist", kind="Document"
    )
    page.get_by_label("PDF document").set_input_files(pdf_file("checklist.pdf"))
    page.get_by_label("Required to complete the course").uncheck()
    save_lesson(page, scan, "Ladder checklist")

    start_lesson(
        page, scan, module="On the ladder", title="Setting up a ladder", kind="Video"
    )
    page.get_by_label("Or a link to the video").fill(
        "https://videos.example.com/ladder-setup.webm"
    )
    save_lesson(page, scan, "Setting up a ladder")

    start_lesson(
        page, scan, module="On the ladder", title="Check yourself", kind="Quiz"
    )
    expect(page.get_by_text("from its Questions link in the editor")).to_be_visible()
    save_lesson(page, scan, "Check yourself")


def reorder(page, scan) -> None:
    """Move a module with the keyboard and drag a lesson by its handle."""
    move_up = page.get_by_role("button", name="Move module On the ladder up")
    move_up.focus()
    page.keyboard.press("Enter")
    expect(module_names(page)).to_have_text(["On the ladder", "Before you climb"])
    expect_notice(page, "Moved the module “On the ladder” up.")
    # The pressed button survives the outline's swap, and keeps the focus.
    expect(
        page.get_by_role("button", name="Move module On the ladder up")
    ).to_be_focused()

    video = page.locator(".karma-lesson", has_text="Three questions")
    text = page.locator(".karma-lesson", has_text="Why falls happen")
    video.locator(".karma-lesson-handle").drag_to(
        text, target_position={"x": 40, "y": 4}
    )
    expect_notice(page, "Saved the order of lessons in “Before you climb”.")
    expect(lesson_titles(page, "Before you climb")).to_have_text(
        ["Three questions", "Why falls happen"]
    )
    scan(page)


def test_instructor_builds_and_publishes_a_course_that_a_learner_finds(
    site, page, new_page, scan, instructor, learner, password, media
):
    PublishedCourseFactory(title="Serving customers", category="Service")
    draft = CourseFactory(title="Height rescue plan", category="Safety")

    sign_in_to_dashboard(page, scan, site, user=instructor, password=password)
    open_section(page, scan, link="Courses", heading="Courses")
    page.get_by_role("link", name="Create Course").click()
    expect(page.get_by_role("heading", name="Create Course")).to_be_visible()
    scan(page)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill("Ladders, scaffolds and roofs, safely.")
    page.get_by_label("Category").fill("Safety")
    page.get_by_label("Estimated duration (minutes)").fill("45")
    page.get_by_label("Cover image").set_input_files(
        image_file("cover.png", size=(1600, 900))
    )
    page.get_by_role("button", name="Create course").click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect_notice(page, "Course created.")
    scan(page)

    build_outline(page, scan)
    reorder(page, scan)

    page.reload()
    expect(module_names(page)).to_have_text(["On the ladder", "Before you climb"])
    expect(lesson_titles(page, "Before you climb")).to_have_text(
        ["Three questions", "Why falls happen"]
    )
    expect(lesson_titles(page, "On the ladder")).to_have_text(
        ["Ladder checklist", "Setting up a ladder", "Check yourself"]
    )
    scan(page)

    page.get_by_role("link", name="Details", exact=True).click()
    cover = page.get_by_role("img", name=f"Current cover of {TITLE}")
    expect(cover).to_be_visible()
    # The cover was resized on upload to fit 1280 × 720. Visible is not
    # loaded: the image's width is 0 until its bytes arrive, so wait for them.
    width = cover.evaluate(
        """image => image.complete
            ? image.naturalWidth
            : new Promise((resolve, reject) => {
                image.addEventListener("load", () => resolve(image.naturalWidth));
                image.addEventListener("error", () => reject("cover failed"));
            })"""
    )
    assert width == 1280
    scan(page)

    page.get_by_role("link", name="Settings", exact=True).click()
    page.get_by_label("Visibility").select_option(label="Public")
    page.get_by_label("Enrollment").select_option(label="Open")
    page.get_by_label("Issue a certificate on completion").check()
    page.get_by_role("button", name="Save settings").click()
    expect_notice(page, "Settings saved.")
    expect(page.get_by_label("Issue a certificate on completion")).to_be_checked()
    scan(page)

    page.get_by_role("button", name="Publish").click()
    expect_notice(page, "Published: learners can now find this course.")
    expect(page.get_by_role("button", name="Save as Draft")).to_be_visible()
    scan(page)

    course = Course.objects.get(title=TITLE)
    assert course.is_published and course.certificate_enabled
    body = Lesson.objects.get(title="Why falls happen").body
    assert "<b>low</b>" in body or "<strong>low</strong>" in body
    assert "<script" not in body and "onclick" not in body

    reader = new_page()
    sign_in_to_dashboard(reader, scan, site, user=learner, password=password)
    open_section(reader, scan, link="Catalog", heading="Catalog")
    cards = reader.get_by_role("article").get_by_role("heading")
    expect(cards).to_have_text(["Serving customers", TITLE])

    reader.get_by_label("Search courses").press_sequentially("height", delay=20)
    expect(cards).to_have_text([TITLE])
    scan(reader)
    reader.get_by_label("Search courses").fill("")
    reader.get_by_label("Search courses").press("Enter")
    expect(cards).to_have_text(["Serving customers", TITLE])
    reader.get_by_label("Category").select_option("Service")
    expect(cards).to_have_text(["Serving customers"])
    reader.get_by_label("Category").select_option("Safety")
    expect(cards).to_have_text([TITLE])
    scan(reader)

    reader.get_by_role("link", name=TITLE).click()
    expect(reader.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(reader.get_by_role("heading", level=3)).to_have_text(
        ["Module 1: On the ladder", "Module 2: Before you climb"]
    )
    first = reader.get_by_role("region", name="Module 1: On the ladder")
    expect(first.get_by_role("listitem")).to_have_text(
        [
            item("Ladder checklist", "Document", "Optional"),
            item("Setting up a ladder", "Video"),
            item("Check yourself", "Quiz"),
        ]
    )
    second = reader.get_by_role("region", name="Module 2: Before you climb")
    expect(second.get_by_role("listitem")).to_have_text(
        [item("Three questions", "Video"), item("Why falls happen", "Text", "10 min")]
    )
    scan(reader)

    response = reader.goto(f"/courses/{draft.public_id}/")
    assert response.status == 404
    expect(reader.get_by_role("heading", name="Page not found")).to_be_visible()
    scan(reader)
