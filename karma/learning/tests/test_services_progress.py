"""Course progress: what counts, how it rounds, and how it stays right as
the course changes (SPEC section 6)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from karma.accounts.tests.factories import LearnerFactory
from karma.assessments.models import Assessment
from karma.audit.models import AuditEvent, AuditKind
from karma.courses import services as course_services
from karma.courses.models import LessonType
from karma.courses.services import LessonInput
from karma.courses.tests.factories import (
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments.models import (
    BulkSource,
    Enrollment,
    EnrollmentStatus,
)
from karma.enrollments.services import bulk
from karma.enrollments.services.enrollments import (
    drop_enrollment,
    enroll_learner,
    reactivate_enrollment,
)
from karma.learning.models import Certificate, CompletionReason, LessonProgress
from karma.learning.services.lessons import (
    open_lesson,
    record_quiz_outcome,
    record_reached_end,
)
from karma.learning.services.progress import (
    percent,
    recompute_course,
    recompute_enrollment,
)


@pytest.fixture
def course(instructor):
    return PublishedCourseFactory(owner=instructor, title="Fire safety")


@pytest.fixture
def module(course):
    return ModuleFactory(course=course, name="Basics")


def _lessons(module, count: int, **kwargs) -> list:
    return [LessonFactory(module=module, **kwargs) for _ in range(count)]


def _enroll(course, learner, by):
    return enroll_learner(course=course, learner=learner, enrolled_by=by).enrollment


def _read(enrollment, lesson):
    return record_reached_end(enrollment=enrollment, lesson=lesson)


def _fresh(enrollment) -> Enrollment:
    return Enrollment.objects.get(pk=enrollment.pk)


def _figures(enrollment) -> tuple[str, int, int, int]:
    fresh = _fresh(enrollment)
    return (
        fresh.status,
        fresh.progress_percent,
        fresh.required_done,
        fresh.required_total,
    )


# --- What counts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "total", "expected"),
    [(0, 3, 0), (1, 3, 33), (2, 3, 66), (3, 3, 100), (199, 200, 99), (0, 0, 0)],
)
def test_rounds_percent_down_so_100_means_everything(done, total, expected):
    assert percent(done, total) == expected


def test_counts_required_lessons_and_ignores_optional_ones(
    course, module, learner, instructor
):
    required = _lessons(module, 3)
    (optional,) = _lessons(module, 1, required=False)
    enrollment = _enroll(course, learner, instructor)

    _read(enrollment, optional)
    assert _figures(enrollment) == ("active", 0, 0, 3)

    _read(enrollment, required[0])
    _read(enrollment, required[1])
    assert _figures(enrollment) == ("active", 66, 2, 3)


def test_gives_a_new_enrollment_the_count_of_required_lessons(
    course, module, learner, instructor
):
    _lessons(module, 4)
    _lessons(module, 2, required=False)

    enrollment = _enroll(course, learner, instructor)

    assert _figures(enrollment) == ("active", 0, 0, 4)


def test_completes_the_enrollment_and_keeps_why(course, module, learner, instructor):
    lessons = _lessons(module, 2)
    enrollment = _enroll(course, learner, instructor)

    for lesson in lessons:
        _read(enrollment, lesson)

    fresh = _fresh(enrollment)
    assert (fresh.status, fresh.progress_percent) == ("completed", 100)
    assert fresh.completed_at is not None
    evidence = fresh.completion_evidence
    assert evidence["rule"] == "all_required_lessons"
    assert evidence["required_lessons"] == 2
    assert [row["lesson"] for row in evidence["lessons"]] == [
        lesson.public_id for lesson in lessons
    ]
    assert {row["reason"] for row in evidence["lessons"]} == {
        CompletionReason.READ_TO_END
    }
    assert AuditEvent.objects.filter(
        kind=AuditKind.COURSE_COMPLETED, target=enrollment.public_id
    ).exists()


def test_keeps_the_evidence_of_each_lesson_completion(
    course, module, learner, instructor
):
    (lesson,) = _lessons(module, 1)
    enrollment = _enroll(course, learner, instructor)

    _read(enrollment, lesson)

    row = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
    assert row.completion_reason == CompletionReason.READ_TO_END
    assert row.completed_at is not None


# --- The course changes ------------------------------------------------------


def test_keeps_a_completed_enrollment_completed_when_lessons_are_added(
    course, module, learner, instructor
):
    (lesson,) = _lessons(module, 1)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, lesson)
    before = _fresh(enrollment)

    course_services.add_lesson(
        module=module, data=LessonInput(title="New", type="text", body="<p>x</p>")
    )

    after = _fresh(enrollment)
    assert (after.status, after.progress_percent) == ("completed", 100)
    assert after.completed_at == before.completed_at
    assert after.completion_evidence == before.completion_evidence


def test_lowers_the_percent_when_a_lesson_is_added_before_completion(
    course, module, learner, instructor
):
    lessons = _lessons(module, 2)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, lessons[0])
    assert _figures(enrollment) == ("active", 50, 1, 2)

    course_services.add_lesson(
        module=module, data=LessonInput(title="New", type="text", body="<p>x</p>")
    )

    assert _figures(enrollment) == ("active", 33, 1, 3)


def test_adding_an_optional_lesson_changes_nothing(course, module, learner, instructor):
    lessons = _lessons(module, 2)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, lessons[0])

    course_services.add_lesson(
        module=module,
        data=LessonInput(title="Extra", type="text", body="<p>x</p>", required=False),
    )

    assert _figures(enrollment) == ("active", 50, 1, 2)


def test_removing_the_last_missing_lesson_completes_and_issues_the_certificate(
    course, module, learner, instructor
):
    course.certificate_enabled = True
    course.save()
    lessons = _lessons(module, 3)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, lessons[0])
    _read(enrollment, lessons[1])

    course_services.delete_lesson(lesson=lessons[2])

    assert _figures(enrollment) == ("completed", 100, 2, 2)
    assert Certificate.objects.filter(learner=learner, course=course).count() == 1


def test_removing_a_done_lesson_raises_nothing_it_should_not(
    course, module, learner, instructor
):
    lessons = _lessons(module, 3)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, lessons[0])

    course_services.delete_lesson(lesson=lessons[0])

    assert _figures(enrollment) == ("active", 0, 0, 2)


def test_removing_a_module_recounts(course, module, learner, instructor):
    (done,) = _lessons(module, 1)
    other = ModuleFactory(course=course, name="Later")
    _lessons(other, 3)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, done)
    assert _figures(enrollment) == ("active", 25, 1, 4)

    course_services.delete_module(module=other)

    assert _figures(enrollment) == ("completed", 100, 1, 1)


def test_making_the_missing_lesson_optional_completes(
    course, module, learner, instructor
):
    lessons = _lessons(module, 2)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, lessons[0])

    course_services.update_lesson(
        lesson=lessons[1],
        data=LessonInput(
            title=lessons[1].title, type="text", body="<p>x</p>", required=False
        ),
    )

    assert _figures(enrollment) == ("completed", 100, 1, 1)


def test_making_an_optional_lesson_required_lowers_the_percent(
    course, module, learner, instructor
):
    _lessons(module, 1)
    (optional,) = _lessons(module, 1, required=False)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, optional)

    course_services.update_lesson(
        lesson=optional,
        data=LessonInput(title=optional.title, type="text", body="<p>x</p>"),
    )

    assert _figures(enrollment) == ("active", 50, 1, 2)


def test_recounts_a_dropped_enrollment_but_never_completes_it(
    course, module, learner, instructor
):
    lessons = _lessons(module, 2)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, lessons[0])
    drop_enrollment(enrollment=enrollment, dropped_by=instructor)

    course_services.delete_lesson(lesson=lessons[1])

    assert _figures(enrollment) == ("dropped", 100, 1, 1)
    assert _fresh(enrollment).completed_at is None


def test_completes_a_dropped_enrollment_on_its_return_when_all_is_done(
    course, module, learner, instructor
):
    lessons = _lessons(module, 2)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, lessons[0])
    drop_enrollment(enrollment=enrollment, dropped_by=instructor)
    course_services.delete_lesson(lesson=lessons[1])

    returned = reactivate_enrollment(enrollment=enrollment, reactivated_by=instructor)

    assert returned.status == EnrollmentStatus.COMPLETED
    assert _figures(enrollment) == ("completed", 100, 1, 1)


def test_recounts_a_returning_enrollment_against_the_course_as_it_is(
    course, module, learner, instructor
):
    lessons = _lessons(module, 2)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, lessons[0])
    drop_enrollment(enrollment=enrollment, dropped_by=instructor)
    # Written straight to the table: no service recounts.
    LessonFactory(module=module)

    _enroll(course, learner, instructor)

    assert _figures(enrollment) == ("active", 33, 1, 3)


def test_gives_bulk_enrollments_the_count_of_required_lessons(
    course, module, instructor
):
    _lessons(module, 3)
    people = [LearnerFactory() for _ in range(3)]

    job = bulk.start_job(
        course=course,
        started_by=instructor,
        source=BulkSource.USERS,
        user_ids=[person.public_id for person in people],
        background=False,
    )
    job = bulk.review_job(job_id=job.pk)
    bulk.confirm_job(job=job, confirmed_by=instructor, background=False)
    bulk.apply_job(job_id=job.pk)

    totals = Enrollment.objects.filter(course=course).values_list(
        "required_total", "progress_percent"
    )
    assert list(totals) == [(3, 0)] * 3


def test_completes_a_bulk_reopened_enrollment_that_is_done(
    course, module, learner, instructor
):
    lessons = _lessons(module, 2)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, lessons[0])
    drop_enrollment(enrollment=enrollment, dropped_by=instructor)
    course_services.delete_lesson(lesson=lessons[1])

    job = bulk.start_job(
        course=course,
        started_by=instructor,
        source=BulkSource.USERS,
        user_ids=[learner.public_id],
        background=False,
    )
    job = bulk.review_job(job_id=job.pk)
    bulk.confirm_job(job=job, confirmed_by=instructor, background=False)
    bulk.apply_job(job_id=job.pk)

    assert _figures(enrollment) == ("completed", 100, 1, 1)


def test_recounts_a_whole_course_in_a_fixed_number_of_queries(
    course, module, instructor, django_assert_max_num_queries
):
    lessons = _lessons(module, 2)
    enrollments = [_enroll(course, LearnerFactory(), instructor) for _ in range(30)]
    for enrollment in enrollments[:10]:
        _read(enrollment, lessons[0])
    LessonFactory(module=module)

    with django_assert_max_num_queries(8):
        changed = recompute_course(course=course)

    assert changed == 30
    assert _figures(enrollments[0]) == ("active", 33, 1, 3)
    assert _figures(enrollments[-1]) == ("active", 0, 0, 3)


def test_never_completes_a_course_without_required_lessons(
    course, module, learner, instructor
):
    (optional,) = _lessons(module, 1, required=False)
    enrollment = _enroll(course, learner, instructor)

    _read(enrollment, optional)
    recompute_course(course=course)

    assert _figures(enrollment) == ("active", 0, 0, 0)


# --- Quiz rules --------------------------------------------------------------


@pytest.fixture
def quiz_course(course, module, learner, instructor):
    """A quiz submitted but failed, one of two texts read: 2 of 3 done
    while a submitted quiz counts."""
    quiz = LessonFactory(module=module, type=LessonType.QUIZ, body="")
    Assessment.objects.create(lesson=quiz)
    texts = _lessons(module, 2)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, texts[0])
    record_quiz_outcome(
        enrollment=enrollment, lesson=quiz, attempt_id="att_1", passed=False
    )
    return quiz, enrollment


def _settings(course, **changes):
    values = {
        "enrollment_type": course.enrollment_type,
        "visibility": course.visibility,
        "prerequisites": list(course.prerequisites.all()),
        "require_passing_quizzes": course.require_passing_quizzes,
        "certificate_enabled": course.certificate_enabled,
    }
    course_services.update_settings(course=course, **(values | changes))


def test_counts_a_failed_quiz_until_the_course_requires_passing(course, quiz_course):
    _, enrollment = quiz_course
    assert _figures(enrollment) == ("active", 66, 2, 3)

    _settings(course, require_passing_quizzes=True)
    assert _figures(enrollment) == ("active", 33, 1, 3)

    _settings(course, require_passing_quizzes=False)
    assert _figures(enrollment) == ("active", 66, 2, 3)


def test_counts_a_failed_quiz_until_the_quiz_requires_passing(course, quiz_course):
    quiz, enrollment = quiz_course
    assessment = Assessment.objects.get(lesson=quiz)

    assessment.require_passing = True
    assessment.save()
    recompute_course(course=course)
    assert _figures(enrollment) == ("active", 33, 1, 3)

    assessment.require_passing = False
    assessment.save()
    recompute_course(course=course)
    assert _figures(enrollment) == ("active", 66, 2, 3)


def test_counts_a_quiz_under_a_passing_rule_once_passed(course, quiz_course):
    quiz, enrollment = quiz_course
    _settings(course, require_passing_quizzes=True)

    record_quiz_outcome(
        enrollment=enrollment, lesson=quiz, attempt_id="att_2", passed=True
    )

    assert _figures(enrollment) == ("active", 66, 2, 3)
    progress = LessonProgress.objects.get(enrollment=enrollment, lesson=quiz)
    assert progress.completion_evidence == {"attempt": "att_1"}


def test_names_the_passing_rule_in_the_evidence(course, module, quiz_course):
    quiz, enrollment = quiz_course
    _settings(course, require_passing_quizzes=True)

    record_quiz_outcome(
        enrollment=enrollment, lesson=quiz, attempt_id="att_2", passed=True
    )
    for lesson in module.lessons.filter(type=LessonType.TEXT):
        _read(enrollment, lesson)

    evidence = _fresh(enrollment).completion_evidence
    assert evidence["passing_required_for"] == 1
    quiz_rows = [row for row in evidence["lessons"] if row["lesson"] == quiz.public_id]
    assert quiz_rows == [
        {
            "lesson": quiz.public_id,
            "reason": CompletionReason.QUIZ_SUBMITTED,
            "completed_at": quiz_rows[0]["completed_at"],
            "quiz_passed": True,
        }
    ]


# --- Certificates ------------------------------------------------------------


def test_issues_the_certificate_exactly_once(course, module, learner, instructor):
    course.certificate_enabled = True
    course.save()
    (lesson,) = _lessons(module, 1)
    first = _enroll(course, learner, instructor)
    _read(first, lesson)
    recompute_enrollment(enrollment=first)
    recompute_course(course=course)

    again = _enroll(course, learner, instructor)
    _read(again, lesson)

    assert again.pk != first.pk
    assert _figures(again)[0] == "completed"
    assert Certificate.objects.filter(learner=learner, course=course).count() == 1
    assert AuditEvent.objects.filter(kind=AuditKind.CERTIFICATE_ISSUED).count() == 1


def test_issues_no_certificate_for_a_course_without_one(
    course, module, learner, instructor
):
    (lesson,) = _lessons(module, 1)
    enrollment = _enroll(course, learner, instructor)

    _read(enrollment, lesson)

    assert _figures(enrollment)[0] == "completed"
    assert not Certificate.objects.exists()


def test_issues_certificates_to_earlier_completions_when_switched_on(
    course, module, learner, instructor
):
    (lesson,) = _lessons(module, 1)
    enrollment = _enroll(course, learner, instructor)
    _read(enrollment, lesson)

    _settings(course, certificate_enabled=True)

    certificate = Certificate.objects.get(learner=learner, course=course)
    assert certificate.enrollment_id == enrollment.pk


# --- Two lessons finished at the same moment ---------------------------------


def _run_together(*jobs) -> list[BaseException]:
    """Run each job in its own thread and transaction, started together."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                job()
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_completes_when_the_last_two_lessons_finish_at_once(instructor):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's in-memory test database is shared between threads in "
            "shared-cache mode, where a second writer fails at once with "
            "'table is locked' instead of waiting; run on PostgreSQL"
        )
    for _ in range(5):
        course = PublishedCourseFactory(owner=instructor, certificate_enabled=True)
        lessons = _lessons(ModuleFactory(course=course), 3)
        learner = LearnerFactory()
        enrollment = _enroll(course, learner, instructor)
        _read(enrollment, lessons[0])
        for lesson in lessons[1:]:
            open_lesson(enrollment=enrollment, lesson=lesson)

        errors = _run_together(
            lambda e=enrollment, lesson=lessons[1]: _read(e, lesson),
            lambda e=enrollment, lesson=lessons[2]: _read(e, lesson),
        )

        assert errors == []
        assert _figures(enrollment)[0] == "completed"
        assert Certificate.objects.filter(learner=learner).count() == 1
