"""The bulk enrollment endpoints of the API (SPEC sections 5 and 8).

Tests that run a job end to end use real commits (transaction=True): the
review and the apply start after the commit and, in the test settings, run
inline, so the job is reviewed when POST answers and applied when confirm
answers. A client of a real server polls GET until the status says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from karma.accounts.models import Invitation, User
from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.api.tests.helpers import api_client, error_of, issues_of
from karma.courses import services as course_services
from karma.courses.tests.factories import CourseFactory, PublishedCourseFactory
from karma.courses.tests.sample_files import EXE_BYTES, image_bytes
from karma.enrollments.models import (
    BulkEnrollmentJob,
    BulkSource,
    Enrollment,
    EnrollmentSource,
)
from karma.enrollments.services import bulk
from karma.enrollments.services.bulk import review_job, start_job
from karma.lib.spreadsheets import read_learner_file

CASES = Path(__file__).resolve().parents[2] / "lib" / "tests" / "cases"
COURSES = "/api/v1/courses"
JOBS = "/api/v1/bulk-enrollments"
EXISTING, INVITE = "existing", "invite"
committing = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_counters_and_media(settings, tmp_path):
    # Rate limits count in the cache; uploaded files land in the test's folder.
    cache.clear()
    settings.MEDIA_ROOT = tmp_path
    yield
    cache.clear()


@pytest.fixture
def course(instructor):
    return PublishedCourseFactory(owner=instructor, title="Fire safety")


def _start(client, course, **data):
    return client.post(f"{COURSES}/{course.public_id}/bulk-enrollments", data)


def _start_json(client, course, **data):
    return client.post(
        f"{COURSES}/{course.public_id}/bulk-enrollments",
        data,
        content_type="application/json",
    )


def _case(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (CASES / name).read_bytes(), "text/csv")


def _report(client, job_id: str, **query) -> dict:
    response = client.get(f"{JOBS}/{job_id}", {"per_page": 100, **query})
    assert response.status_code == 200, response.content
    return response.json()


def _outcomes(body: dict) -> dict[int, str]:
    return {row["line"]: row["outcome"] for row in body["data"]["rows"]}


def _run(client, course, name: str, policy: str) -> dict:
    """Upload, check the review, confirm; return the finished job's report."""
    started = _start(client, course, file=_case(name), unknown_emails=policy)
    assert started.status_code == 202, started.content
    job = started.json()["data"]
    assert (job["status"], job["dry_run"]) == ("ready", False)

    confirmed = client.post(f"{JOBS}/{job['id']}/confirm")
    assert confirmed.status_code == 202, confirmed.content
    assert confirmed.json()["data"]["status"] == "done"
    return _report(client, job["id"])


def _accounts_for(name: str) -> None:
    """A learner account, in lower case, for every valid address of the file."""
    learner_file = read_learner_file((CASES / name).read_bytes(), max_bytes=10**7)
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


def _setup_run(request, name: str, mode: str) -> tuple[User, str]:
    """Prepare the README's `mode`; return who runs it and the policy.

    existing: every valid address has an account and an instructor skips
    unknown ones; invite: no accounts, and an admin invites them.
    """
    if mode == EXISTING:
        _accounts_for(name)
        return request.getfixturevalue("instructor"), "skip"
    return request.getfixturevalue("admin"), "invite"


def _both_runs(request, course, name: str, mode: str) -> tuple[dict, dict]:
    """Run the file twice as `mode` says; return both reports."""
    person, policy = _setup_run(request, name, mode)
    first = _run(api_client(person), course, name, policy)
    return first, _run(api_client(person), course, name, policy)


def _added(body: dict) -> int:
    counts = body["data"]["counts"]
    return counts["enrolled"] + counts["invited"]


def _assert_second_run_changes_nothing(first: dict, second: dict) -> None:
    assert _added(second) == 0
    for line, outcome in _outcomes(first).items():
        if outcome in ("enrolled", "invited"):
            assert _outcomes(second)[line] == "already_enrolled"


def _enrolled_emails(course) -> set[str]:
    return set(
        Enrollment.objects.filter(course=course).values_list(
            "learner__email", flat=True
        )
    )


# --- The case files, in both runs -----------------------------------------------


@committing
@pytest.mark.parametrize("mode", [EXISTING, INVITE])
def test_case_01_utf8_bom(request, course, mode):
    first, second = _both_runs(request, course, "case-01-utf8-bom.csv", mode)

    assert _enrolled_emails(course) == {"ana.silva@example.com"}
    assert first["data"]["notes"] == []
    assert _outcomes(first) == {2: "enrolled" if mode == EXISTING else "invited"}
    if mode == INVITE:
        ana = User.objects.get(email="ana.silva@example.com")
        assert (ana.first_name, ana.last_name) == ("Ana", "Silva")
    _assert_second_run_changes_nothing(first, second)


@committing
@pytest.mark.parametrize("mode", [EXISTING, INVITE])
def test_case_07_duplicate_rows(request, course, mode):
    first, second = _both_runs(request, course, "case-07-duplicate-rows.csv", mode)

    rows = {row["line"]: row for row in first["data"]["rows"]}
    assert Enrollment.objects.filter(course=course).count() == 2
    assert rows[3]["outcome"] == rows[4]["outcome"] == "duplicate"
    assert "line 2" in rows[3]["message"]
    assert "line 2" in rows[4]["message"]
    _assert_second_run_changes_nothing(first, second)


class _QueuedEmails:
    """Stands in for the enrollment email task: records what was queued.

    Rendering ten thousand emails would dominate the large-file test; the
    emails themselves are tested with the smaller files.
    """

    name = "send_enrollment_emails"

    def __init__(self) -> None:
        self.enrollment_ids: list[int] = []

    def apply(self, kwargs: dict) -> None:
        self.enrollment_ids += kwargs["enrollment_ids"]


@committing
@pytest.mark.parametrize("mode", [EXISTING, INVITE])
def test_case_15_large_file(request, course, mode, monkeypatch):
    queued = _QueuedEmails()
    monkeypatch.setattr("karma.enrollments.tasks.send_enrollment_emails", queued)
    name = "case-15-large-file.csv"
    person, policy = _setup_run(request, name, mode)

    first = _run(api_client(person), course, name, policy)
    queued_by_first = len(queued.enrollment_ids)
    second = _run(api_client(person), course, name, policy)

    expected = "enrolled" if mode == EXISTING else "invited"
    assert first["data"]["counts"][expected] == 9_999
    assert first["data"]["counts"]["invalid"] == 1
    assert first["meta"]["total"] == 10_000
    assert Enrollment.objects.filter(course=course).count() == 9_999
    # Invited people get their invitation instead of an enrollment email.
    assert queued_by_first == (9_999 if mode == EXISTING else 0)
    if mode == INVITE:
        assert Invitation.objects.count() == 9_999
    assert second["data"]["counts"]["already_enrolled"] == 9_999
    assert _added(second) == 0
    assert len(queued.enrollment_ids) == queued_by_first

    # Line 7777 is the 7776th row (the header is line 1): page 78 of 100.
    page = _report(api_client(person), first["data"]["id"], page=78)
    bad = {row["line"]: row for row in page["data"]["rows"]}[7777]
    assert bad["outcome"] == "invalid"
    assert "learner07776.example.com" in bad["message"]


@committing
@pytest.mark.parametrize("mode", [EXISTING, INVITE])
def test_case_17_row_report(request, course, mode):
    if mode == EXISTING:
        LearnerFactory(email="known.user@example.com")
        client = api_client(request.getfixturevalue("instructor"))
        policy = "skip"
    else:
        client = api_client(request.getfixturevalue("admin"))
        policy = "invite"

    first = _run(client, course, "case-17-row-report.csv", policy)
    second = _run(client, course, "case-17-row-report.csv", policy)

    expected_2 = "enrolled" if mode == EXISTING else "invited"
    expected_3 = "unknown" if mode == EXISTING else "invited"
    assert _outcomes(first) == {
        2: expected_2,
        3: expected_3,
        4: "invalid",
        5: "duplicate",
    }
    rows = {row["line"]: row for row in first["data"]["rows"]}
    assert "not-an-email" in rows[4]["message"]
    assert set(rows[2]) == {"line", "email", "outcome", "message"}
    if mode == EXISTING:
        counts = first["data"]["counts"]
        assert [counts[o] for o in ("enrolled", "unknown", "invalid", "duplicate")] == [
            1,
            1,
            1,
            1,
        ]
        assert not User.objects.filter(email="unknown.person@example.org").exists()
    _assert_second_run_changes_nothing(first, second)


@committing
def test_enrolled_learners_get_one_email_and_a_rerun_sends_none(
    request, course, instructor
):
    _accounts_for("case-07-duplicate-rows.csv")
    client = api_client(instructor)

    _run(client, course, "case-07-duplicate-rows.csv", "skip")
    after_first = len(mail.outbox)
    _run(client, course, "case-07-duplicate-rows.csv", "skip")

    assert after_first == 2
    assert len(mail.outbox) == 2


# --- Dry runs ---------------------------------------------------------------------


@committing
def test_dry_run_reports_what_would_happen_and_changes_nothing(course, admin):
    LearnerFactory(email="known.user@example.com")
    users_before = User.objects.count()
    client = api_client(admin)

    started = _start(
        client,
        course,
        file=_case("case-17-row-report.csv"),
        unknown_emails="invite",
        dry_run="true",
    )

    job = started.json()["data"]
    assert started.status_code == 202
    assert (job["status"], job["dry_run"]) == ("done", True)
    report = _report(client, job["id"])
    assert _outcomes(report) == {
        2: "enrolled",
        3: "invited",
        4: "invalid",
        5: "duplicate",
    }
    assert report["data"]["rows"][0]["message"].startswith("Will be enrolled")
    assert not Enrollment.objects.exists()
    assert User.objects.count() == users_before
    assert not Invitation.objects.exists()
    assert mail.outbox == []

    refused = client.post(f"{JOBS}/{job['id']}/confirm")
    assert refused.status_code == 422
    assert not Enrollment.objects.exists()


# --- Other sources ------------------------------------------------------------------


@committing
@pytest.mark.parametrize(
    "emails",
    [
        ["ana@example.com", "BEN@example.com ", "nobody@example.com"],
        "ana@example.com\nBEN@example.com; nobody@example.com",
    ],
)
def test_enrolls_from_pasted_addresses(course, instructor, emails):
    LearnerFactory(email="ana@example.com")
    LearnerFactory(email="ben@example.com")
    client = api_client(instructor)

    started = _start_json(client, course, emails=emails)
    job_id = started.json()["data"]["id"]
    client.post(f"{JOBS}/{job_id}/confirm")

    report = _report(client, job_id)
    assert started.json()["data"]["source"] == "paste"
    assert report["data"]["counts"]["enrolled"] == 2
    assert report["data"]["counts"]["unknown"] == 1
    assert _enrolled_emails(course) == {"ana@example.com", "ben@example.com"}


@committing
def test_enrolls_chosen_users(course, instructor):
    people = [LearnerFactory(), LearnerFactory()]
    client = api_client(instructor)

    started = _start_json(
        client, course, user_ids=[person.public_id for person in people]
    )
    client.post(f"{JOBS}/{started.json()['data']['id']}/confirm")

    assert _enrolled_emails(course) == {person.email for person in people}
    assert set(
        Enrollment.objects.filter(course=course).values_list("source", flat=True)
    ) == {EnrollmentSource.BULK}


@committing
def test_reports_an_unknown_user_id_by_its_id(course, instructor):
    client = api_client(instructor)

    started = _start_json(client, course, user_ids=["usr_nope"])

    row = _report(client, started.json()["data"]["id"])["data"]["rows"][0]
    assert (row["outcome"], row["message"]) == ("invalid", "No user with id usr_nope")


# --- Refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (EXE_BYTES, ""),
        (image_bytes(), ""),
        (b"name,phone\r\nAna,123\r\nBen,456\r\n", "email"),
    ],
)
def test_refuses_files_it_cannot_read_on_the_file_field(
    course, instructor, content, words
):
    response = _start(
        api_client(instructor),
        course,
        file=SimpleUploadedFile("learners.csv", content, "text/csv"),
    )

    assert response.status_code == 422
    assert error_of(response)["code"] == "VALIDATION_ERROR"
    assert words in issues_of(response)["file"].lower()
    assert not BulkEnrollmentJob.objects.exists()


def test_refuses_a_file_over_the_size_limit(course, instructor, settings):
    settings.KARMA_BULK_MAX_MB = 1
    big = b"email\n" + b"someone@example.com\n" * 60_000  # about 1.2 MB

    response = _start(
        api_client(instructor),
        course,
        file=SimpleUploadedFile("big.csv", big, "text/csv"),
    )

    assert response.status_code == 422
    assert "limit" in issues_of(response)["file"]
    assert not BulkEnrollmentJob.objects.exists()


def test_instructors_may_not_invite_unknown_addresses(course, instructor):
    response = _start(
        api_client(instructor),
        course,
        file=_case("case-01-utf8-bom.csv"),
        unknown_emails="invite",
    )

    assert response.status_code == 422
    assert "admins" in issues_of(response)["unknown_emails"]
    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, None),
        ({"emails": "a@example.com", "user_ids": ["usr_x"]}, None),
        ({"emails": 42}, "emails"),
        ({"emails": ["a@example.com", 7]}, "emails"),
        ({"emails": "a\x00@example.com"}, "emails"),
        ({"emails": ""}, "emails"),
        ({"user_ids": []}, "user_ids"),
        ({"emails": "a@example.com", "unknown_emails": "maybe"}, "unknown_emails"),
        ({"emails": "a@example.com", "dry_run": "perhaps"}, "dry_run"),
    ],
)
def test_refuses_bad_input_with_422(course, admin, data, field):
    response = _start_json(api_client(admin), course, **data)

    assert response.status_code == 422
    assert field in issues_of(response)
    assert not BulkEnrollmentJob.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"emails": [f"p{n}@example.com" for n in range(4)]}, "emails", "list"),
        ({"emails": "a@x.org, b@x.org; c@x.org d@x.org"}, "emails", "list"),
        ({"user_ids": [f"usr_{n}" for n in range(4)]}, "user_ids", "list"),
        ({"file": b"email\na@x.org\nb@x.org\nc@x.org\nd@x.org\n"}, "file", "file"),
    ],
)
def test_names_the_list_or_the_file_that_has_too_many_learners(
    course, admin, monkeypatch, data, field, words
):
    # The cap of 100,000, lowered: the same check, with four learners.
    monkeypatch.setattr(bulk, "MAX_LEARNERS", 3)
    client = api_client(admin)

    if "file" in data:
        upload = SimpleUploadedFile("learners.csv", data["file"], "text/csv")
        response = _start(client, course, file=upload)
    else:
        response = _start_json(client, course, **data)

    assert response.status_code == 422
    assert set(issues_of(response)) == {field}
    assert issues_of(response)[field].startswith(f"The {words} has more than 3 ")
    assert not BulkEnrollmentJob.objects.exists()


def test_refuses_a_url_encoded_form_naming_what_it_reads(course, admin):
    response = api_client(admin).post(
        f"{COURSES}/{course.public_id}/bulk-enrollments",
        "emails=ana%40example.com",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert error_of(response)["message"].endswith(
        "Send application/json or multipart/form-data."
    )
    assert not BulkEnrollmentJob.objects.exists()


def test_refuses_a_draft_course_that_takes_no_enrollments(instructor):
    draft = CourseFactory(owner=instructor)

    response = _start_json(api_client(instructor), draft, emails="a@example.com")

    assert response.status_code == 422
    assert "draft" in error_of(response)["message"]


# --- Who may do what ---------------------------------------------------------

ROLES = [
    "admin",
    "owner",
    "co_instructor",
    "other_instructor",
    "enrolled",
    "outsider",
]
STAFF = {"admin", "owner", "co_instructor"}


@pytest.fixture
def cast(request, course, instructor, learner):
    co_instructor = InstructorFactory()
    course_services.add_instructor(
        course=course, instructor=co_instructor, added_by=instructor
    )
    Enrollment.objects.create(
        learner=learner, course=course, source=EnrollmentSource.STAFF
    )
    other = InstructorFactory()
    PublishedCourseFactory(owner=other)
    return {
        "admin": request.getfixturevalue("admin"),
        "owner": instructor,
        "co_instructor": co_instructor,
        "other_instructor": other,
        "enrolled": learner,
        "outsider": request.getfixturevalue("outsider"),
    }


def _reviewed_job(course, by) -> BulkEnrollmentJob:
    job = start_job(
        course=course,
        started_by=by,
        source=BulkSource.PASTE,
        text="someone@example.com",
        background=False,
    )
    return review_job(job_id=job.pk)


def _call(client, endpoint: str, course, job: BulkEnrollmentJob):
    if endpoint == "start":
        return _start_json(client, course, emails="someone@example.com")
    if endpoint == "read":
        return client.get(f"{JOBS}/{job.public_id}")
    if endpoint == "confirm":
        return client.post(f"{JOBS}/{job.public_id}/confirm")
    raise AssertionError(endpoint)


@pytest.mark.parametrize("kind", ["published", "draft"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("endpoint", "success"), [("start", 202), ("read", 200), ("confirm", 202)]
)
def test_role_table(cast, course, kind, role, endpoint, success):
    job = _reviewed_job(course, cast["owner"])
    if kind == "draft":
        course_services.save_as_draft(course=course)

    response = _call(api_client(cast[role]), endpoint, course, job)

    if role in STAFF:
        # A draft takes no enrollments: starting or applying says so.
        refused = kind == "draft" and endpoint == "start"
        assert response.status_code == (422 if refused else success), response.content
    else:
        expected = 404 if kind == "draft" else 403
        assert response.status_code == expected
        assert (
            error_of(response)["code"] == {403: "FORBIDDEN", 404: "NOT_FOUND"}[expected]
        )


@pytest.mark.parametrize(("endpoint", "success"), [("start", 202), ("read", 200)])
def test_anonymous_gets_401_everywhere(cast, course, endpoint, success):
    job = _reviewed_job(course, cast["owner"])

    response = _call(api_client(), endpoint, course, job)

    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"


def test_anonymous_cannot_confirm(cast, course):
    job = _reviewed_job(course, cast["owner"])

    response = api_client().post(f"{JOBS}/{job.public_id}/confirm")

    assert response.status_code == 401
    assert not Enrollment.objects.filter(course=course, source="bulk").exists()


@pytest.mark.parametrize(
    "public_id", ["blk_0000000000000000", "enr_0000000000000000", "blk_00%00"]
)
def test_answers_404_for_unknown_or_malformed_job_ids(admin, public_id):
    client = api_client(admin)

    assert client.get(f"{JOBS}/{public_id}").status_code == 404
    assert client.post(f"{JOBS}/{public_id}/confirm").status_code == 404


def test_instructor_of_another_course_cannot_confirm_its_job(cast, course):
    job = _reviewed_job(course, cast["owner"])

    response = api_client(cast["other_instructor"]).post(
        f"{JOBS}/{job.public_id}/confirm"
    )

    job.refresh_from_db()
    assert response.status_code == 403
    assert job.status == "ready"


# --- The report ----------------------------------------------------------------


def test_report_is_paged_in_file_order(course, instructor):
    LearnerFactory(email="known.user@example.com")
    job = start_job(
        course=course,
        started_by=instructor,
        source=BulkSource.FILE,
        data=(CASES / "case-17-row-report.csv").read_bytes(),
        file_name="case-17-row-report.csv",
        background=False,
    )
    review_job(job_id=job.pk)

    body = _report(api_client(instructor), job.public_id, page=2, per_page=2)

    assert body["meta"] == {"total": 4, "page": 2, "per_page": 2}
    assert [row["line"] for row in body["data"]["rows"]] == [4, 5]
    assert body["data"]["status"] == "ready"
    assert body["data"]["counts"]["enrolled"] == 1


def test_report_has_no_rows_while_the_review_runs(course, instructor):
    job = start_job(
        course=course,
        started_by=instructor,
        source=BulkSource.PASTE,
        text="someone@example.com",
        background=False,
    )

    body = api_client(instructor).get(f"{JOBS}/{job.public_id}").json()

    assert body["data"]["status"] == "reviewing"
    assert body["data"]["rows"] is None
    assert body["meta"] is None
    assert set(body["data"]) >= {
        "id",
        "status",
        "dry_run",
        "total_rows",
        "processed_rows",
        "counts",
        "notes",
        "error",
        "created_at",
        "finished_at",
    }


def test_refuses_bad_report_pages_with_422(course, instructor):
    job = _reviewed_job(course, instructor)

    response = api_client(instructor).get(f"{JOBS}/{job.public_id}", {"page": "x"})

    assert response.status_code == 422
    assert "page" in issues_of(response)


@committing
def test_confirming_twice_enrolls_once(course, instructor):
    _accounts_for("case-07-duplicate-rows.csv")
    client = api_client(instructor)
    started = _start(client, course, file=_case("case-07-duplicate-rows.csv"))
    job_id = started.json()["data"]["id"]

    first = client.post(f"{JOBS}/{job_id}/confirm")
    second = client.post(f"{JOBS}/{job_id}/confirm")

    assert first.status_code == second.status_code == 202
    assert second.json()["data"]["status"] == "done"
    assert Enrollment.objects.filter(course=course).count() == 2


def test_polling_a_job_is_not_counted_as_activity(course, instructor):
    job = _reviewed_job(course, instructor)
    User.objects.filter(pk=instructor.pk).update(last_active_at=None)
    client = api_client(instructor)

    client.get(f"{JOBS}/{job.public_id}")
    instructor.refresh_from_db()
    polled = instructor.last_active_at
    client.get("/api/v1/enrollments")
    instructor.refresh_from_db()

    assert polled is None
    assert instructor.last_active_at is not None
