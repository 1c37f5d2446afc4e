"""Steps that several browser flows take, written as a person does them."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError


def sign_in(page: Page, scan, *, email: str, password: str) -> None:
    """Sign in from the login page; the caller checks where it lands."""
    page.goto("/login/")
    scan(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page, scan, *, name: str) -> None:
    """Sign out through the account menu at the top of every signed-in page."""
    page.get_by_role("button", name=name).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Karma")).to_be_visible()
    scan(page)


def choose_password(page: Page, password: str, *, button: str) -> None:
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Confirm new password").fill(password)
    page.get_by_role("button", name=button).click()


def expect_dashboard(page: Page, site: str, *, first_name: str) -> None:
    expect(page).to_have_url(f"{site}/")
    expect(page.get_by_role("heading", name=f"Welcome, {first_name}")).to_be_visible()


def sign_in_to_dashboard(page: Page, scan, site: str, *, user, password: str) -> None:
    """Sign in as `user` and land on their dashboard, scanned."""
    sign_in(page, scan, email=user.email, password=password)
    expect_dashboard(page, site, first_name=user.first_name)
    scan(page)


def open_section(page: Page, scan, *, link: str, heading: str) -> None:
    """Follow `link` in the sidebar and wait for the section's heading."""
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=link, exact=True
    ).click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    scan(page)


def expect_notice(page: Page, text: str) -> None:
    """Wait for the status message a page shows after a change."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


# --- Files a person would have on their disk, made in the test ----------------


def image_file(name: str, *, size: tuple[int, int], color: str = "teal") -> dict:
    """Return a PNG of `size` as a Playwright file payload."""
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format="PNG")
    return {"name": name, "mimeType": "image/png", "buffer": output.getvalue()}


def pdf_file(name: str) -> dict:
    """Return a one-page PDF as a Playwright file payload."""
    output = io.BytesIO()
    Image.new("RGB", (595, 842), "white").save(output, format="PDF")
    return {"name": name, "mimeType": "application/pdf", "buffer": output.getvalue()}


# --- The lesson player and quizzes ---------------------------------------------


def lesson_done(page: Page, title: str):
    """The outline's entry for `title` once it shows as done."""
    # Anchored: "Not done: …" holds "done: …", and names match ignoring case.
    return page.get_by_role("navigation", name="Course outline").get_by_role(
        "link", name=re.compile(rf"^Done: {re.escape(title)}")
    )


def read_to_end(page: Page, title: str) -> None:
    """Scroll a text or document lesson to its end and see it complete."""
    page.get_by_text("End of the lesson").scroll_into_view_if_needed()
    expect(lesson_done(page, title)).to_be_visible()


def quiz_fieldset(page: Page, question):
    """The take page's group of fields for `question` (a Question)."""
    return page.locator("fieldset").filter(has_text=question.prompt)


def answer_correctly(page: Page, question) -> None:
    """Give the right answer to `question`, as its author stored it.

    The answers come from the database: the take page must not know them.
    """
    group = quiz_fieldset(page, question)
    if question.type == "choice":
        for choice in question.choices.all():
            if choice.is_correct:
                group.get_by_label(choice.text, exact=True).check()
    elif question.type == "true_false":
        label = "True" if question.correct_true else "False"
        group.get_by_label(label, exact=True).check()
    elif question.type == "matching":
        for pair in question.pairs.all():
            group.get_by_label(pair.prompt, exact=True).select_option(label=pair.answer)
    else:
        raise ValueError(f"{question.type} questions have no right answer to give")


# Longer than the take page's two-second pause before it saves typing.
AUTOSAVE_QUIET_MS = 3_000


def autosave_answer(response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/save/")


def let_autosave_finish(page: Page) -> None:
    """Wait until the take page has saved the answers given so far.

    It saves on every change at once and two seconds after typing stops;
    submitting while a save is on its way would cut that save off (harmless,
    since Submit sends every answer, but a failed request all the same).
    """
    while True:
        try:
            with page.expect_response(autosave_answer, timeout=AUTOSAVE_QUIET_MS):
                pass
        except PlaywrightTimeoutError:
            return


def submit_quiz(page: Page) -> None:
    """Press Submit and accept the question the page asks first."""
    let_autosave_finish(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit", exact=True).click()


def player_report(kind: str):
    """Match the answer to a report of `kind` the player's script sends."""

    def matches(response) -> bool:
        request = response.request
        return (
            request.method == "POST"
            and response.url.endswith("/events/")
            and (request.post_data_json or {}).get("type") == kind
        )

    return matches


def arrive_at_lesson(page: Page, scan, title: str, go) -> None:
    """Run `go`, which opens a lesson in the player, and wait for the lesson
    and the first report its script sends.

    Leaving a lesson while that report is on its way would cut it off.
    """
    with page.expect_response(player_report("heartbeat")):
        go()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    scan(page)
