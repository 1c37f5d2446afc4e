"""Attempts under simultaneous requests: limits hold, submits grade once.

These need real parallel writers, so they run on PostgreSQL only.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from karma.assessments.models import Answer, Attempt, AttemptStatus
from karma.assessments.services import attempts as services
from karma.assessments.services.attempts import AttemptError
from karma.assessments.tests.factories import AssessmentFactory, QuestionFactory
from karma.enrollments.models import Enrollment
from karma.enrollments.services.enrollments import self_enroll

THREADS = 8

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's in-memory test database is shared between threads in "
            "shared-cache mode, where a second writer fails at once with "
            "'table is locked' instead of waiting; run on PostgreSQL"
        )


@pytest.fixture
def assessment(learner):
    assessment = AssessmentFactory(attempt_limit=1)
    QuestionFactory(assessment=assessment)
    QuestionFactory(assessment=assessment, correct_true=False)
    self_enroll(learner=learner, course=assessment.lesson.course)
    return assessment


def _run_together(job, count: int = THREADS) -> tuple[list, list[BaseException]]:
    """Run `job` in `count` threads released at once; return what each
    returned and what each raised."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(job())
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_simultaneous_starts_make_one_attempt(assessment, learner):
    results, errors = _run_together(
        lambda: services.start_attempt(assessment=assessment, learner=learner)
    )

    assert errors == []
    assert {attempt.pk for attempt in results} == {Attempt.objects.get().pk}


def test_simultaneous_start_and_submit_never_pass_the_limit(assessment, learner):
    def start_and_submit():
        attempt = services.start_attempt(assessment=assessment, learner=learner)
        return services.submit_attempt(attempt=attempt, learner=learner)

    for _ in range(3):
        results, errors = _run_together(start_and_submit)

        assert all(isinstance(error, AttemptError) for error in errors), errors
        assert Attempt.objects.filter(assessment=assessment).count() == 1
    assert Attempt.objects.get().status == AttemptStatus.FINAL


def test_the_constraints_hold_the_limit_even_without_the_lock(
    assessment, learner, monkeypatch
):
    # Take the enrollment lock away: the unique constraints on attempts
    # are then all that stands between racing starts and a second attempt.
    def unlocked(learner, course):
        return Enrollment.objects.filter(learner=learner, course=course).first()

    monkeypatch.setattr(services, "_locked_enrollment", unlocked)

    results, errors = _run_together(
        lambda: services.start_attempt(assessment=assessment, learner=learner)
    )

    assert all(isinstance(error, AttemptError) for error in errors), errors
    assert Attempt.objects.count() == 1
    assert {attempt.pk for attempt in results} <= {Attempt.objects.get().pk}


def test_simultaneous_submits_grade_once(assessment, learner, monkeypatch):
    attempt = services.start_attempt(assessment=assessment, learner=learner)
    graded: list[int] = []
    finish = services._finish

    def counting_finish(attempt, **kwargs):
        graded.append(attempt.pk)
        return finish(attempt, **kwargs)

    monkeypatch.setattr(services, "_finish", counting_finish)
    answers = {attempt.question_order[0]: {"value": True}}

    results, errors = _run_together(
        lambda: services.submit_attempt(
            attempt=attempt, learner=learner, responses=answers
        ),
        count=2,
    )

    assert errors == []
    assert graded == [attempt.pk]
    assert len({result.submitted_at for result in results}) == 1
    assert Answer.objects.filter(attempt=attempt).count() == 2
