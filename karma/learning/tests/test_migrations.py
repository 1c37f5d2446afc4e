"""The data migration that fills in required-lesson counts of enrollments
made before progress tracking existed."""

from __future__ import annotations

import importlib

from django.apps import apps

from karma.accounts.tests.factories import LearnerFactory
from karma.courses.tests.factories import (
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus

migration = importlib.import_module(
    "karma.learning.migrations.0002_count_required_lessons"
)


def _enrollment(course, status: str) -> Enrollment:
    return Enrollment.objects.create(
        learner=LearnerFactory(),
        course=course,
        status=status,
        source=EnrollmentSource.STAFF,
        progress_percent=100 if status == EnrollmentStatus.COMPLETED else 0,
    )


def test_counts_required_lessons_of_open_enrollments(instructor):
    course = PublishedCourseFactory(owner=instructor)
    module = ModuleFactory(course=course)
    LessonFactory.create_batch(3, module=module, required=True)
    LessonFactory(module=module, required=False)
    active = _enrollment(course, EnrollmentStatus.ACTIVE)
    dropped = _enrollment(course, EnrollmentStatus.DROPPED)
    completed = _enrollment(course, EnrollmentStatus.COMPLETED)
    Enrollment.objects.update(required_total=0)

    migration.count_required_lessons(apps, None)

    totals = dict(Enrollment.objects.values_list("pk", "required_total"))
    assert totals == {active.pk: 3, dropped.pk: 3, completed.pk: 0}
    assert Enrollment.objects.get(pk=active.pk).progress_percent == 0
