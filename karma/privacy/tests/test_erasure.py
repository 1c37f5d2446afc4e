"""Erasing a learner: nothing names them afterwards, their records still count."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client

from karma.accounts.models import Invitation, User
from karma.accounts.tests.factories import AdminFactory, InstructorFactory
from karma.api.tests.helpers import bearer
from karma.assessments.models import Answer, Attempt, AttemptStatus
from karma.assessments.services.grading import answers_awaiting_grading
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    short_answer_question,
    submitted_attempt,
)
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.models import CourseInstructor
from karma.courses.tests.factories import CourseFactory
from karma.enrollments.models import BulkJobStatus, Enrollment
from karma.learning.models import Certificate, LessonProgress
from karma.privacy.registry import HOLDINGS, REDACTED, erased_email
from karma.privacy.selectors import is_erased
from karma.privacy.services import (
    ErasureError,
    confirmation_problem,
    erase_learner,
)
from karma.privacy.tests.builders import EMAIL, FIRST, LAST
from karma.reports.models import ExportJob

# Holdings a learner has no rows in: they are about staff work.
STAFF_ONLY = {
    "courses.Course",
    "courses.CourseInstructor",
    "enrollments.BulkEnrollmentJob",
    "reports.ExportJob",
}


def _text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).decode("utf-8", "ignore")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def places_mentioning(*needles: str) -> set[tuple[str, str]]:
    """Return (table, column) of every value in the database holding a needle.

    Raw SQL over every table, so no model, manager or registry decides
    what is looked at.
    """
    wanted = [needle.lower() for needle in needles]
    found = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            # The name comes from the database's own catalogue, quoted.
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = _text_of(value).lower()
                    if any(needle in text for needle in wanted):
                        found.add((table, column))
    return found


def erase(world, admin, reason="Request 42 by mail"):
    return erase_learner(learner=world.learner, actor=admin, reason=reason)


def test_finds_the_name_and_email_nowhere_after_erasing(world, admin, run_on_commit):
    for holding in HOLDINGS:
        if holding.label not in STAFF_ONLY:
            assert holding.rows(world.learner).exists(), holding.label
    before = places_mentioning(FIRST, LAST, EMAIL)
    assert {
        ("accounts_user", "email"),
        ("enrollments_bulkenrollmentrow", "email"),
        ("learning_certificate", "learner_name"),
        ("assessments_answer", "response"),
        ("assessments_answer", "feedback"),
        ("audit_auditevent", "reason"),
    } <= before

    with run_on_commit():
        erase(world, admin, reason=f"{FIRST} {LAST} ({EMAIL}) asked for erasure")

    assert places_mentioning(FIRST, LAST, EMAIL) == set()


def test_keeps_enrollments_progress_attempts_and_scores(world, admin):
    counts_before = _course_figures(world)

    erase(world, admin)

    assert _course_figures(world) == counts_before
    enrollment = Enrollment.objects.get(pk=world.enrollment.pk)
    assert enrollment.learner_id == world.learner.pk
    assert Attempt.objects.get(pk=world.attempt.pk).score_percent == Decimal("100")


def _course_figures(world) -> dict[str, object]:
    course = world.course
    return {
        "enrollments": Enrollment.objects.filter(course=course).count(),
        "progress": LessonProgress.objects.filter(enrollment__course=course).count(),
        "attempts": Attempt.objects.filter(enrollment__course=course).count(),
        "passed": Attempt.objects.filter(
            enrollment__course=course, passed=True
        ).count(),
        "points": sorted(
            Answer.objects.filter(attempt__enrollment__course=course).values_list(
                "points_awarded", flat=True
            )
        ),
        "certificates": Certificate.objects.filter(course=course).count(),
    }


def test_anonymises_the_account(world, admin):
    erase(world, admin)

    user = User.objects.get(pk=world.learner.pk)
    assert user.name == "Erased learner"
    assert user.email == erased_email(user)
    assert not user.is_active
    assert not user.has_usable_password()
    assert is_erased(user)
    assert not Invitation.objects.filter(user=user).exists()


def test_leaves_other_learners_data_as_it_was(world, admin, outsider):
    before = places_mentioning("Otto", "otto@example.com")

    erase(world, admin)

    assert places_mentioning("Otto", "otto@example.com") == before
    other_answer = Answer.objects.get(pk=world.other_answer.pk)
    assert other_answer.response == {"text": "Otto's answer."}
    assert other_answer.feedback == "Well argued, Otto."
    assert Certificate.objects.get(learner=outsider).learner_name == "Otto Outsider"
    rows = world.done_job.rows.filter(learner=outsider)
    assert list(rows.values_list("email", flat=True)) == ["otto@example.com"]
    outsider.refresh_from_db()
    assert outsider.is_active and outsider.email == "otto@example.com"


def test_ends_sessions_and_api_tokens_at_once(world, admin):
    assert world.client.get("/me/").status_code == 200

    erase(world, admin)

    page = world.client.get("/me/")
    assert page.status_code == 302
    assert page["Location"].startswith("/login/")
    api = Client(headers=bearer(world.access_token)).get("/api/v1/users/me")
    assert api.status_code == 401
    refresh = Client().post(
        "/api/v1/auth/refresh",
        {"refresh": world.refresh_token},
        content_type="application/json",
    )
    assert refresh.status_code == 401
    assert not Session.objects.exists() or all(
        session.get_decoded().get("_auth_user_id") != str(world.learner.pk)
        for session in Session.objects.all()
    )


def test_blanks_written_answers_and_feedback_but_keeps_points(world, admin):
    erase(world, admin)

    answer = Answer.objects.get(pk=world.answer.pk)
    assert answer.response == {"text": ""}
    assert answer.feedback == ""
    assert answer.points_awarded == Decimal("1")


def test_cancels_unconfirmed_bulk_jobs_and_deletes_their_uploads(
    world, admin, run_on_commit
):
    files = [world.done_job.upload.name, world.ready_job.upload.name]
    assert all(default_storage.exists(name) for name in files)

    with run_on_commit():
        erase(world, admin)

    world.done_job.refresh_from_db()
    world.ready_job.refresh_from_db()
    assert world.done_job.status == BulkJobStatus.DONE
    assert world.ready_job.status == BulkJobStatus.CANCELLED
    assert not world.done_job.upload and not world.ready_job.upload
    assert not any(default_storage.exists(name) for name in files)
    assert world.done_job.rows.count() == 2
    erased_row = world.done_job.rows.get(learner=world.learner)
    assert (erased_row.email, erased_row.first_name) == ("erased", "")


def test_records_the_erasure_without_personal_data(world, admin):
    erase(world, admin, reason=f"Asked by {FIRST} on the phone")

    event = AuditEvent.objects.get(kind=AuditKind.LEARNER_ERASED)
    assert (event.actor, event.subject_id) == (admin, world.learner.pk)
    assert event.reason == f"Asked by {REDACTED} on the phone"
    assert event.details["bulk_rows_anonymised"] == 2
    assert event.details["sessions_ended"] == 1
    assert FIRST.lower() not in json.dumps(event.details).lower()


def test_keeps_earlier_audit_entries_with_the_name_redacted(world, admin):
    kinds_before = list(
        AuditEvent.objects.filter(subject=world.learner).values_list("kind", "pk")
    )

    erase(world, admin)

    kept = AuditEvent.objects.filter(subject=world.learner).exclude(
        kind=AuditKind.LEARNER_ERASED
    )
    assert list(kept.values_list("kind", "pk")) == kinds_before
    reasons = set(kept.exclude(reason="").values_list("reason", flat=True))
    assert reasons == {f"Asked by {REDACTED} by mail", f"{REDACTED} came back"}


def test_refuses_erasing_yourself(admin):
    with pytest.raises(ErasureError, match="your own account"):
        erase_learner(learner=admin, actor=admin, reason="Leaving")


def test_refuses_erasing_course_owners(admin, instructor):
    CourseFactory(owner=instructor)

    with pytest.raises(ErasureError, match="owns 1 course"):
        erase_learner(learner=instructor, actor=admin, reason="Left")

    instructor.refresh_from_db()
    assert instructor.name == "Ivan Instructor"


def test_refuses_erasing_twice(world, admin):
    erase(world, admin)

    with pytest.raises(ErasureError, match="already been erased"):
        erase(world, admin)
    assert AuditEvent.objects.filter(kind=AuditKind.LEARNER_ERASED).count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_refuses_erasing_without_a_reason(learner, admin, reason):
    with pytest.raises(ErasureError) as refused:
        erase_learner(learner=learner, actor=admin, reason=reason)

    assert refused.value.field == "reason"
    learner.refresh_from_db()
    assert learner.is_active


@pytest.mark.parametrize(
    ("typed", "confirms"),
    [
        ("lea@example.com", True),
        ("  LEA@Example.COM ", True),
        ("ERASE", False),
        ("someone@example.com", False),
        ("", False),
    ],
)
def test_only_the_persons_address_confirms_erasing_them(learner, typed, confirms):
    problem = confirmation_problem(learner=learner, typed=typed)

    assert (problem is None) == confirms


def test_removes_an_erased_instructor_from_courses_they_taught(admin):
    teacher = InstructorFactory()
    course = CourseFactory()
    CourseInstructor.objects.create(course=course, instructor=teacher, added_by=admin)

    erase_learner(learner=teacher, actor=admin, reason="Left the company")

    assert not CourseInstructor.objects.filter(instructor=teacher).exists()
    assert course.owner.is_active


def test_an_admin_may_erase_another_admin(admin):
    other_admin = AdminFactory()

    result = erase_learner(learner=other_admin, actor=admin, reason="Left")

    assert result.user.name == "Erased learner"
    assert not result.user.is_active


def test_deletes_the_export_jobs_a_staff_member_asked_for(admin):
    instructor = InstructorFactory()
    course = CourseFactory()
    ExportJob.objects.create(
        course=course, requested_by=instructor, kind="progress", file_format="xlsx"
    )
    ExportJob.objects.create(
        course=course, requested_by=admin, kind="progress", file_format="xlsx"
    )

    erase_learner(learner=instructor, actor=admin, reason="Left the company")

    assert list(ExportJob.objects.values_list("requested_by", flat=True)) == [admin.pk]


def test_deletes_the_kept_copies_of_mail_to_the_person(
    world, admin, settings, tmp_path, run_on_commit
):
    settings.KARMA_MAIL_DIR = tmp_path
    theirs = tmp_path / "1-msg.eml"
    theirs.write_bytes(f"To: {EMAIL.upper()}\r\n\r\nHello {FIRST}".encode())
    other = tmp_path / "2-msg.eml"
    other.write_bytes(b"To: someone.else@example.com\r\n\r\nHello")

    with run_on_commit():
        erase(world, admin)

    assert not theirs.exists()
    assert other.exists()


# --- Answers waiting for a grader ------------------------------------------------


def _quiz_with_an_essay(instructor, **settings):
    quiz = AssessmentFactory(
        lesson__module__course__owner=instructor, passing_score=50, **settings
    )
    return (
        quiz,
        QuestionFactory(assessment=quiz),
        short_answer_question(assessment=quiz),
    )


def _half_right(quiz, learner, true_false, essay, text="Close the valve."):
    return submitted_attempt(
        assessment=quiz,
        learner=learner,
        responses={
            true_false.public_id: {"value": True},
            essay.public_id: {"text": text},
        },
    )


def test_settles_answers_waiting_for_a_grader_with_0_points(
    admin, instructor, learner, outsider
):
    quiz, true_false, essay = _quiz_with_an_essay(instructor)
    attempt = _half_right(quiz, learner, true_false, essay)
    others = _half_right(quiz, outsider, true_false, essay, text="Otto's answer.")
    assert answers_awaiting_grading(user=instructor).count() == 2

    erase_learner(learner=learner, actor=admin, reason="Asked by mail")

    waiting = answers_awaiting_grading(user=instructor)
    assert [answer.attempt_id for answer in waiting] == [others.pk]
    assert not answers_awaiting_grading(user=admin).filter(attempt=attempt).exists()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL
    assert (attempt.score_percent, attempt.passed) == (Decimal("50"), True)
    answer = Answer.objects.get(attempt=attempt, question=essay)
    assert (answer.points_awarded, answer.needs_review) == (Decimal("0"), False)
    event = AuditEvent.objects.get(kind=AuditKind.LEARNER_ERASED)
    assert event.details["answers_settled"] == 1


def test_a_certificate_that_settling_issues_shows_no_name(admin, instructor, learner):
    quiz, true_false, essay = _quiz_with_an_essay(instructor, require_passing=True)
    course = quiz.lesson.course
    course.certificate_enabled = True
    course.save(update_fields=["certificate_enabled"])
    _half_right(quiz, learner, true_false, essay)
    assert not Certificate.objects.filter(learner=learner).exists()

    erase_learner(learner=learner, actor=admin, reason="Asked by mail")

    certificate = Certificate.objects.get(learner=learner)
    assert certificate.learner_name == "Erased learner"
