"""Bulk Enroll as an admin uses it: files, pasted addresses, chosen people."""

from __future__ import annotations

import csv
import io
import re
import threading
import time
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import expect

from karma.accounts.models import User
from karma.accounts.tests.factories import LearnerFactory
from karma.courses.tests.factories import (
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments import notifications
from karma.enrollments.models import Enrollment, EnrollmentStatus
from tests.browser.steps import (
    choose_password,
    expect_dashboard,
    expect_notice,
    sign_in_to_dashboard,
)
from tests.mailbox import first_link

pytestmark = pytest.mark.browser

CASES = Path(__file__).resolve().parents[2] / "karma/lib/tests/cases"
NEW_PASSWORD = "quartz-meadow-kettle-82"
# The 10,000-row file is read and applied in the background; on a loaded
# machine that takes a while, and the page must simply keep polling.
LARGE_JOB_TIMEOUT_MS = 180_000


@pytest.fixture
def course(db):
    course = PublishedCourseFactory(title="Fire Safety")
    LessonFactory(module=ModuleFactory(course=course, name="Getting started"))
    return course


@pytest.fixture
def known(db):
    return LearnerFactory(
        first_name="Known", last_name="User", email="known.user@example.com"
    )


def open_bulk_enroll(page, scan, course) -> None:
    """From the course's Learners tab, as a person finds it."""
    page.goto(f"/manage/courses/{course.public_id}/learners/")
    expect(page.get_by_role("heading", name="Learners", level=2)).to_be_visible()
    scan(page)
    # The editor's header offers Bulk Enroll too; the Learners tab's is last.
    page.get_by_role("link", name="Bulk Enroll").last.click()
    heading = f"Bulk Enroll: {course.title}"
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    scan(page)


def pane(page, name: str):
    """Open the tab `name` of the Bulk Enroll page and return its panel."""
    page.get_by_role("tab", name=name).click()
    panel = page.get_by_role("tabpanel", name=name)
    expect(panel).to_be_visible()
    return panel


def upload(page, file, *, invite: bool = False) -> None:
    panel = pane(page, "Upload a file")
    if invite:
        panel.get_by_label(re.compile("Invite them as learners")).check()
    panel.get_by_label("CSV or Excel file").set_input_files(file)
    panel.get_by_role("button", name="Review the file").click()


def counts(page) -> dict[str, int]:
    """The counts on top of a review or result, by outcome; zeros left out."""
    items = page.get_by_role("list", name="Counts").get_by_role("listitem")
    expect(items.first).to_be_visible()
    found = items.evaluate_all(
        """items => items.map(item => [
            item.dataset.outcome, item.querySelector('span').textContent])"""
    )
    return {outcome: int(count) for outcome, count in found if int(count)}


def summary(page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def rows_of(download) -> list[dict[str, str]]:
    data = Path(download.path()).read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(data)))


def test_review_of_case_17_changes_nothing_then_the_result_downloads_as_csv(
    site, page, scan, mailbox, admin, known, course, password
):
    sign_in_to_dashboard(page, scan, site, user=admin, password=password)
    open_bulk_enroll(page, scan, course)

    upload(page, CASES / "case-17-row-report.csv")
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    assert counts(page) == {"enrolled": 1, "unknown": 1, "invalid": 1, "duplicate": 1}
    review = summary(page, "Nothing has changed yet.")
    expect(review).to_contain_text("3 of 4 rows will not be enrolled")
    expect(review).to_have_class(re.compile(r"\balert-warning\b"))
    lines = page.get_by_role("table").get_by_role("rowheader")
    expect(lines).to_have_text(["2", "3", "4", "5"])
    scan(page)
    assert not Enrollment.objects.exists()

    page.get_by_role("button", name="Confirm: enroll 1 learner").click()
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    result = summary(page, "Finished with problems")
    expect(result).to_contain_text("3 of 4 rows could not be enrolled")
    expect(result).to_have_class(re.compile(r"\balert-warning\b"))
    expect(page.locator(".alert-success")).to_have_count(0)
    assert counts(page) == {"enrolled": 1, "unknown": 1, "invalid": 1, "duplicate": 1}
    scan(page)

    with page.expect_download() as started:
        page.get_by_role("link", name="Download result (CSV)").click()
    download = started.value
    assert download.suggested_filename.endswith("-result.csv")
    outcomes = [
        (row["line"], row["email"], row["outcome"]) for row in rows_of(download)
    ]
    assert outcomes == [
        ("2", "known.user@example.com", "enrolled"),
        ("3", "unknown.person@example.org", "unknown"),
        ("4", "not-an-email", "invalid"),
        ("5", "known.user@example.com", "duplicate"),
    ]

    assert first_link(mailbox.wait_for(known.email)).endswith(
        f"/courses/{course.public_id}/"
    )
    enrollment = Enrollment.objects.get(course=course)
    assert enrollment.learner == known
    assert not User.objects.filter(email="unknown.person@example.org").exists()
    assert mailbox.recipients() == [known.email]


def test_pasted_addresses_chosen_people_and_an_xlsx_each_enroll(
    site, page, scan, admin, known, course, password, tmp_path
):
    ana = LearnerFactory(first_name="Ana", last_name="Silva", email="ana@example.com")
    LearnerFactory(first_name="Bo", last_name="Berg", email="bo@example.com")
    sign_in_to_dashboard(page, scan, site, user=admin, password=password)
    open_bulk_enroll(page, scan, course)

    panel = pane(page, "Paste addresses")
    panel.get_by_label("Email addresses").fill(
        " ANA@example.com; nobody@example.org\nana@example.com, bo@example"
    )
    panel.get_by_role("button", name="Review the addresses").click()
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    assert counts(page) == {"enrolled": 1, "unknown": 1, "duplicate": 1, "invalid": 1}
    scan(page)
    page.get_by_role("button", name="Cancel").click()
    expect_notice(page, "Bulk enrollment cancelled. Nothing was changed.")
    scan(page)
    assert not Enrollment.objects.exists()

    panel = pane(page, "Choose people")
    search = panel.get_by_label("Find people by name or email")
    search.press_sequentially("silva", delay=20)
    panel.get_by_label(re.compile(r"^Ana Silva")).check()
    expect(panel.get_by_role("group", name="Chosen (1)")).to_be_visible()
    search.fill("")
    search.press_sequentially("known", delay=20)
    panel.get_by_label(re.compile(r"^Known User")).check()
    chosen = panel.get_by_role("group", name="Chosen (2)")
    expect(chosen.get_by_role("checkbox")).to_have_count(2)
    scan(page)
    panel.get_by_role("button", name="Review the chosen people").click()
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    assert counts(page) == {"enrolled": 2}
    scan(page)
    page.get_by_role("button", name="Confirm: enroll 2 learners").click()
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    done = summary(page, "Done: every row of the input is enrolled.")
    expect(done).to_have_class(re.compile(r"\balert-success\b"))
    scan(page)

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["First name", "Last name", "E-mail"])
    sheet.append(["Bo", "Berg", "bo@example.com"])
    sheet.append(["Ana", "Silva", "  Ana@Example.com "])
    path = tmp_path / "learners.xlsx"
    workbook.save(path)
    page.get_by_role("link", name="Start another bulk enrollment").click()
    scan(page)
    upload(page, path)
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    assert counts(page) == {"enrolled": 1, "already_enrolled": 1}
    expect(page.get_by_role("table")).to_contain_text("bo@example.com")
    scan(page)
    page.get_by_role("button", name="Confirm: enroll 1 learner").click()
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    scan(page)

    enrolled = Enrollment.objects.filter(course=course, status=EnrollmentStatus.ACTIVE)
    assert {e.learner.email for e in enrolled} == {
        ana.email,
        known.email,
        "bo@example.com",
    }


def test_invite_run_emails_the_invitee_who_then_finds_the_course_on_the_dashboard(
    site, page, new_page, scan, mailbox, admin, course, password
):
    sign_in_to_dashboard(page, scan, site, user=admin, password=password)
    open_bulk_enroll(page, scan, course)

    upload(page, CASES / "case-01-utf8-bom.csv", invite=True)
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    assert counts(page) == {"invited": 1}
    expect(page.get_by_role("table")).to_contain_text("Ana Silva")
    scan(page)
    assert not User.objects.filter(email="ana.silva@example.com").exists()
    page.get_by_role("button", name="Confirm: enroll 1 learner").click()
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    scan(page)

    link = first_link(mailbox.wait_for("ana.silva@example.com"))
    assert link.startswith(f"{site}/invitations/")
    invitee = new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Welcome to Karma")).to_be_visible()
    scan(invitee)
    choose_password(invitee, NEW_PASSWORD, button="Activate my account")
    expect_dashboard(invitee, site, first_name="Ana")
    courses = invitee.get_by_role("region", name="My courses")
    expect(courses.get_by_role("heading", level=3)).to_have_text(["Fire Safety"])
    scan(invitee)
    invitee.get_by_role("link", name="Fire Safety", exact=True).click()
    expect(invitee.get_by_role("heading", name="You are enrolled")).to_be_visible()
    scan(invitee)


# Every time the job's part of the page is redrawn, note the progress bar:
# its value and maximum, or None once the job has stopped and it is gone.
WATCH_PROGRESS = """() => {
  window.karmaProgress = [];
  document.body.addEventListener("htmx:afterSettle", () => {
    const bar = document.getElementById("bulk-progress");
    window.karmaProgress.push(bar ? [bar.value, bar.max] : null);
  });
  window.karmaTestMarker = "still here";
}"""


def accounts_for(path: Path) -> int:
    """Create a learner for every address of `path` in one insert."""
    with path.open(encoding="utf-8", newline="") as rows:
        emails = [row["email"] for row in csv.DictReader(rows) if "@" in row["email"]]
    User.objects.bulk_create(
        User(
            email=email,
            first_name="Known",
            last_name="Person",
            activated_at=timezone.now(),
            search_text=f"known person {email}",
        )
        for email in emails
    )
    return len(emails)


def watch_job_until(page, watch, *, running: str, done: str) -> None:
    """Follow a running job to its end; the page must never reload."""
    expect(page.get_by_role("heading", name=running)).to_be_visible()
    expect(page.get_by_role("progressbar")).to_be_visible()
    page.evaluate(WATCH_PROGRESS)
    loads_before = len(watch.loaded)

    expect(page.get_by_role("heading", name=done)).to_be_visible(
        timeout=LARGE_JOB_TIMEOUT_MS
    )
    assert page.evaluate("window.karmaTestMarker") == "still here"
    assert len(watch.loaded) == loads_before
    seen = page.evaluate("window.karmaProgress")
    assert seen and seen[-1] is None, seen
    values = [value for value, _ in filter(None, seen)]
    assert values == sorted(values), f"the bar went backwards: {values}"


def wait_for_background_work(timeout: float = 120.0) -> None:
    """Join the threads that run jobs and emails outside requests."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.endswith("(_run_in_thread)"):
            thread.join(max(deadline - time.monotonic(), 0))
            assert not thread.is_alive(), "background work did not finish in time"


def test_large_file_shows_live_progress_until_the_result_without_reloading(
    site,
    page,
    scan,
    watch,
    caplog,
    admin,
    course,
    password,
    settings,
    monkeypatch,
):
    # Run jobs in a thread of the live server, as the embedded default does,
    # so each request answers at once and the page has to poll.
    settings.KARMA_INPROCESS_TASKS = "thread"
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # The in-memory test database is shared between threads in SQLite's
        # shared-cache mode, where a second writer fails at once ("table is
        # locked") instead of waiting as it does on a database file. The
        # email batches, each its own thread, would all write at once; one
        # batch keeps them to one writer here. PostgreSQL runs them as is.
        monkeypatch.setattr(notifications, "BATCH_SIZE", 10_000)
    # Ten thousand emails are counted in memory: the other flows see theirs
    # arrive over SMTP, which would take minutes here.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    large = CASES / "case-15-large-file.csv"
    assert accounts_for(large) == 9999
    sign_in_to_dashboard(page, scan, site, user=admin, password=password)
    open_bulk_enroll(page, scan, course)

    upload(page, large)
    scan(page)
    watch_job_until(page, watch, running="Checking the rows", done="Review")
    assert counts(page) == {"enrolled": 9999, "invalid": 1}
    scan(page)
    assert not Enrollment.objects.exists()

    page.get_by_role("button", name="Confirm: enroll 9999 learners").click()
    watch_job_until(page, watch, running="Enrolling", done="Result")
    expect(summary(page, "Finished with problems")).to_contain_text(
        "1 of 10000 rows could not be enrolled"
    )
    scan(page)
    page.get_by_role("link", name="Invalid address (1)").click()
    bad = (
        page.get_by_role("table")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name="7777"))
    )
    expect(bad).to_contain_text("learner07776.example.com")
    scan(page)

    wait_for_background_work()
    failures = [r for r in caplog.records if r.getMessage() == "background task failed"]
    assert not failures, failures[0].exc_text
    assert Enrollment.objects.filter(course=course).count() == 9999
    recipients = [message.to[0] for message in mail.outbox]
    assert len(recipients) == len(set(recipients)) == 9999
