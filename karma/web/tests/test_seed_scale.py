"""`karma seed-scale` on a small scale: the data it writes is data Karma
itself could have written."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from karma.accounts.models import Role, User
from karma.accounts.tests.factories import LearnerFactory
from karma.assessments.models import Attempt
from karma.courses.models import Course, CourseStatus, LessonType
from karma.enrollments.models import Enrollment, EnrollmentStatus
from karma.learning.models import Certificate, LessonProgress
from karma.learning.services.progress import course_rule, recompute_course
from karma.lib.text import fold_for_search
from karma.web.seed_scale import ADMIN_EMAIL, SEED_PASSWORD, ScalePlan, course_sizes

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_scale", learners=50, courses=3, stdout=_Quiet())


class _Quiet:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


def test_stores_the_progress_the_progress_service_would_store(seeded):
    for course in Course.objects.filter(status=CourseStatus.PUBLISHED):
        assert recompute_course(course=course) == 0


def test_completes_exactly_the_enrollments_with_every_required_lesson_done(seeded):
    for course in Course.objects.filter(status=CourseStatus.PUBLISHED):
        rule = course_rule(course)
        for enrollment in Enrollment.objects.filter(course=course):
            done = (
                LessonProgress.objects.filter(enrollment=enrollment)
                .filter(rule.done_filter())
                .count()
            )
            finished = enrollment.status == EnrollmentStatus.COMPLETED
            assert finished == (done == rule.total)
            assert enrollment.required_total == rule.total
            if finished:
                assert enrollment.progress_percent == 100
                assert enrollment.completed_at is not None
                assert len(enrollment.completion_evidence["lessons"]) == rule.total


def test_names_learners_in_several_scripts(seeded):
    scripts = {
        unicodedata.name(user.first_name[0]).split()[0]
        for user in User.objects.filter(role=Role.LEARNER)
    }
    assert "LATIN" in scripts
    assert len(scripts - {"LATIN"}) >= 2


def test_stores_the_folded_search_text_save_would_store(seeded):
    for user in User.objects.all():
        expected = fold_for_search(f"{user.first_name} {user.last_name} {user.email}")
        assert user.search_text == expected


def test_gives_the_profile_learner_four_final_attempts_per_course(seeded):
    profile = User.objects.filter(role=Role.LEARNER).order_by("pk").first()
    enrollments = Enrollment.objects.filter(learner=profile)
    assert enrollments.count() == 3
    assert Attempt.objects.filter(learner=profile).count() == 4 * 3


def test_completes_a_quiz_lesson_only_with_a_submitted_attempt(seeded):
    quiz_rows = LessonProgress.objects.filter(lesson__type=LessonType.QUIZ)
    for row in quiz_rows.annotate(attempts=Count("enrollment__attempts")):
        assert (row.completed_at is not None) == (row.attempts > 0)


def test_issues_certificates_only_for_completed_certificate_courses(seeded):
    for certificate in Certificate.objects.select_related("enrollment", "course"):
        assert certificate.enrollment.status == EnrollmentStatus.COMPLETED
        assert certificate.course.certificate_enabled


def test_lets_everyone_with_a_password_sign_in_with_the_seed_password(seeded):
    admin = User.objects.get(email=ADMIN_EMAIL)
    assert admin.role == Role.ADMIN
    assert admin.check_password(SEED_PASSWORD)


def test_leaves_new_rows_free_to_take_the_next_keys(seeded):
    newcomer = LearnerFactory()
    assert newcomer.pk > User.objects.exclude(pk=newcomer.pk).latest("pk").pk


def test_refuses_a_database_that_already_has_users(seeded):
    with pytest.raises(CommandError, match="--flush"):
        call_command("seed_scale", learners=50, courses=3, stdout=_Quiet())


def test_puts_the_big_course_first_and_a_long_tail_after_it():
    sizes = course_sizes(ScalePlan(), 1000, 99_000)
    assert sizes[0] == 10_000
    assert sizes[1] > sizes[-1] > 0
    assert 480_000 < sum(sizes) < 520_000
