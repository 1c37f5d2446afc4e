"""My Learning: a learner's own courses, module by module, with quiz
results, time left and certificates (SPEC section 6).

The main course, "Fire safety", has two modules:
  Basics:   Read me (required, 10 min), Then me (required, 20 min),
            Check (a required quiz, 15 min)
  Practice: Do it (required, 30 min), Extra (optional, 5 min)
Lea has finished "Read me" (300 s measured) and submitted "Check" three
times: 40% (failed), 80% (passed), and one waiting for review.
So 2 of 4 required lessons are done: 50%, Basics 2/3, Practice 0/1, and
"Then me" and "Do it" remain: 20 + 30 = 50 minutes by the estimates.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from karma.accounts.tests.factories import LearnerFactory
from karma.assessments.models import Assessment, AttemptStatus
from karma.courses.models import LessonType
from karma.courses.tests.factories import (
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments.services.enrollments import drop_enrollment
from karma.learning.selectors_my_learning import (
    MIN_TIMED_RECORDS,
    AttemptRow,
    TimeEstimate,
    estimate_time_left,
    my_learning,
)
from karma.learning.tests.records import attempt, complete, enroll

PAGE = "/learning/"


@pytest.fixture
def course(instructor):
    return PublishedCourseFactory(owner=instructor, title="Fire safety")


@pytest.fixture
def lessons(course) -> dict:
    basics = ModuleFactory(course=course, name="Basics", position=1)
    practice = ModuleFactory(course=course, name="Practice", position=2)
    return {
        "read": LessonFactory(module=basics, title="Read me", estimated_minutes=10),
        "then": LessonFactory(module=basics, title="Then me", estimated_minutes=20),
        "check": LessonFactory(
            module=basics,
            title="Check",
            type=LessonType.QUIZ,
            body="",
            estimated_minutes=15,
        ),
        "do": LessonFactory(module=practice, title="Do it", estimated_minutes=30),
        "extra": LessonFactory(
            module=practice, title="Extra", required=False, estimated_minutes=5
        ),
    }


@pytest.fixture
def enrollment(course, lessons, learner):
    enrollment = enroll(course, learner)
    complete(enrollment, lessons["read"], seconds=300)
    attempt(enrollment, lessons["check"], number=1, score="40", passed=False)
    attempt(enrollment, lessons["check"], number=2, score="80", passed=True)
    attempt(
        enrollment,
        lessons["check"],
        number=3,
        score=None,
        status=AttemptStatus.PENDING_REVIEW,
    )
    complete(enrollment, lessons["check"], passed=True)
    enrollment.refresh_from_db()
    return enrollment


def _card(learner, course):
    return next(c for c in my_learning(learner).courses if c.course == course)


# --- The figures --------------------------------------------------------------


def test_shows_the_stored_percent_and_the_module_breakdown(learner, course, enrollment):
    card = _card(learner, course)

    assert card.percent == 50
    assert [(m.name, m.done, m.required) for m in card.modules] == [
        ("Basics", 2, 3),
        ("Practice", 0, 1),
    ]
    assert card.remaining_lessons == 2


def test_shows_the_quiz_standing_from_the_best_final_attempt(
    learner, course, enrollment
):
    (quiz,) = _card(learner, course).quizzes

    assert (quiz.title, quiz.attempts, quiz.best_score, quiz.passed) == (
        "Check",
        3,
        80,
        True,
    )
    assert quiz.pending is True
    assert quiz.passing_score == 70


def test_keeps_the_results_of_a_quiz_that_does_not_show_them(
    learner, learner_client, course, enrollment, lessons
):
    Assessment.objects.filter(lesson=lessons["check"]).update(show_results=False)

    (quiz,) = _card(learner, course).quizzes
    html = learner_client.get(PAGE).content.decode()

    assert (quiz.attempts, quiz.best_score, quiz.passed) == (3, None, None)
    assert quiz.results_hidden is True
    assert "does not show results" in html
    assert "80%" not in html
    assert "Passed" not in html


def test_lists_an_untried_quiz_as_not_attempted(learner, course, lessons):
    enroll(course, learner)

    (quiz,) = _card(learner, course).quizzes

    assert (quiz.attempts, quiz.best_score, quiz.passed, quiz.pending) == (
        0,
        None,
        None,
        False,
    )


def test_counts_a_failed_quiz_as_not_done_when_the_course_requires_passing(
    learner, course, lessons
):
    course.require_passing_quizzes = True
    course.save(update_fields=["require_passing_quizzes"])
    enrollment = enroll(course, learner)
    attempt(enrollment, lessons["check"], number=1, score="40", passed=False)
    complete(enrollment, lessons["check"], passed=False)

    card = _card(learner, course)

    assert [(m.done, m.required) for m in card.modules] == [(0, 3), (0, 1)]
    assert card.remaining_lessons == 4
    assert card.quizzes[0].passed is False


def test_estimates_time_left_from_the_lessons_below_enough_measurements(
    learner, course, lessons, enrollment
):
    # Lea's own 300 s plus three more: four timed records, one short.
    for _ in range(MIN_TIMED_RECORDS - 2):
        complete(enroll(course, LearnerFactory()), lessons["read"], seconds=600)

    estimate = _card(learner, course).estimate

    assert estimate == TimeEstimate(50, "estimated")


def test_estimates_time_left_from_measurements_once_there_are_enough(
    learner, course, lessons, enrollment
):
    for _ in range(MIN_TIMED_RECORDS - 1):
        complete(enroll(course, LearnerFactory()), lessons["read"], seconds=600)
    # Neither untimed nor optional records count.
    complete(enroll(course, LearnerFactory()), lessons["do"], seconds=0)
    complete(enroll(course, LearnerFactory()), lessons["extra"], seconds=9000)

    estimate = _card(learner, course).estimate

    # (300 + 4 × 600) / 5 = 540 s a lesson; 2 lessons left = 18 minutes.
    assert estimate == TimeEstimate(18, "measured")


def _lesson(minutes):
    return {"estimated_minutes": minutes}


@pytest.mark.parametrize(
    ("remaining", "measured", "course_minutes", "lesson_count", "expected"),
    [
        # Nothing left: nothing to estimate.
        ([], 600.0, None, 4, TimeEstimate(0, "")),
        # Measured: remaining lessons × the course's average, rounded up.
        ([_lesson(10)] * 3, 600.0, None, 4, TimeEstimate(30, "measured")),
        ([_lesson(None)] * 3, 90.0, None, 4, TimeEstimate(5, "measured")),
        # Not measured: each lesson's own estimate.
        ([_lesson(10), _lesson(5)], None, None, 4, TimeEstimate(15, "estimated")),
        # A lesson without one takes its share of the course's estimate.
        ([_lesson(10), _lesson(None)], None, 60, 4, TimeEstimate(25, "estimated")),
        ([_lesson(None)] * 3, None, 50, 3, TimeEstimate(50, "estimated")),
        ([_lesson(None)], None, 10, 3, TimeEstimate(4, "estimated")),
        # Nothing to go on for some lesson: unknown.
        ([_lesson(10), _lesson(None)], None, None, 4, TimeEstimate(None, "")),
    ],
)
def test_estimates_time_left_by_the_rule(
    remaining, measured, course_minutes, lesson_count, expected
):
    course = PublishedCourseFactory.build(estimated_minutes=course_minutes)

    estimate = estimate_time_left(
        course=course,
        remaining=remaining,
        lesson_count=lesson_count,
        measured=measured,
    )

    assert estimate == expected


@pytest.mark.parametrize(
    ("minutes", "label"),
    [
        (None, "Not known yet"),
        (0, "Nothing left"),
        (45, "About 45 min"),
        (60, "About 1 h"),
        (85, "About 1 h 25 min"),
    ],
)
def test_words_the_time_left(minutes, label):
    assert TimeEstimate(minutes, "estimated").label == label


# --- The page -----------------------------------------------------------------


def test_draws_a_labelled_progress_ring_without_style_attributes(
    learner_client, enrollment
):
    response = learner_client.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="50% complete"' in html
    assert 'stroke-dasharray="50 100"' in html
    assert " style=" not in html
    assert "<style" not in html


def test_shows_the_breakdown_quizzes_and_time_left(learner_client, enrollment):
    html = learner_client.get(PAGE).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    assert "Basics 2 / 3" in text
    assert "Practice 0 / 1" in text
    assert "Check 3 80% Passed Pending review" in text
    assert "About 50 min for 2 required lessons" in text


def test_shows_a_best_score_with_both_its_decimals(learner, learner_client, lessons):
    enrollment = enroll(lessons["check"].course, learner)
    attempt(enrollment, lessons["check"], number=1, score="87.25", passed=True)

    html = learner_client.get(PAGE).content.decode()

    assert ">87.25%</td>" in html


def test_shows_profile_scores_with_decimals_only_when_not_whole(db):
    rows = [
        AttemptRow("Fire safety", "Check", number, Decimal(score), "passed", None)
        for number, score in ((2, "87.25"), (1, "100.00"))
    ]

    html = render_to_string("learning/_profile_attempts.html", {"attempts": rows})

    assert ">87.25%</td>" in html
    assert ">100%</td>" in html


def test_links_continue_to_the_lesson_player(learner_client, course, enrollment):
    html = learner_client.get(PAGE).content.decode()

    assert f'href="/learn/{course.public_id}/"' in html


def test_offers_the_certificate_of_a_completed_course(learner, learner_client):
    course = PublishedCourseFactory(title="First aid", certificate_enabled=True)
    only = LessonFactory(module=ModuleFactory(course=course))
    complete(enroll(course, learner), only)
    (certificate,) = learner.certificates.all()

    html = learner_client.get(PAGE).content.decode()

    assert f"/certificates/{certificate.public_id}/pdf/" in html
    assert certificate.code in html
    assert 'aria-label="100% complete"' in html
    assert "Review" in html


def test_says_a_completed_course_is_completed_once(learner, learner_client):
    course = PublishedCourseFactory(title="First aid")
    complete(
        enroll(course, learner), LessonFactory(module=ModuleFactory(course=course))
    )

    html = learner_client.get(PAGE).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    assert re.search(r"First aid Completed on \d+ \w{3} \d{4} Enrolled ", text)
    assert text.count("Complete") == 1


def test_says_how_far_an_active_course_is_beside_its_badge(learner_client, enrollment):
    html = learner_client.get(PAGE).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    assert "Active In progress" in text


def test_lists_dropped_courses_apart(learner, learner_client, course, enrollment):
    drop_enrollment(enrollment=enrollment, dropped_by=course.owner)

    overview = my_learning(learner)
    html = learner_client.get(PAGE).content.decode()

    assert overview.courses == []
    assert [e.pk for e in overview.dropped] == [enrollment.pk]
    assert "Dropped courses" in html
    assert 'aria-label="50% complete"' not in html


def test_shows_one_card_per_course_the_active_enrollment_first(
    learner, course, lessons
):
    first = enroll(course, learner)
    for lesson in lessons.values():
        complete(first, lesson, passed=True)
    again = enroll(course, learner)

    (card,) = my_learning(learner).courses

    assert card.enrollment.pk == again.pk


def test_shows_no_other_learners_data(
    learner_client, course, lessons, enrollment, outsider
):
    theirs = enroll(course, outsider)
    attempt(theirs, lessons["check"], number=1, score="93.5", passed=True)
    complete(theirs, lessons["check"], passed=True)
    other_course = PublishedCourseFactory(
        title="Otto's course", certificate_enabled=True
    )
    complete(
        enroll(other_course, outsider),
        LessonFactory(module=ModuleFactory(course=other_course)),
    )

    html = learner_client.get(PAGE).content.decode()

    assert "93.5" not in html
    assert "Otto" not in html
    assert outsider.certificates.get().code not in html


def test_shows_another_learner_only_their_own(outsider_client, enrollment):
    html = outsider_client.get(PAGE).content.decode()

    assert "Fire safety" not in html
    assert "not taking any course yet" in html


def test_asks_anonymous_visitors_to_sign_in(client, db):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("who", ["learner_client", "instructor_client", "admin_client"])
def test_links_my_learning_in_the_sidebar_for_everyone_signed_in(request, who):
    html = request.getfixturevalue(who).get("/").content.decode()

    assert f'href="{PAGE}">My Learning</a>' in html


def _courses_for(learner, count: int) -> None:
    for index in range(count):
        course = PublishedCourseFactory(certificate_enabled=index % 2 == 0)
        module = ModuleFactory(course=course)
        read = LessonFactory(module=module, estimated_minutes=5)
        quiz = LessonFactory(module=module, type=LessonType.QUIZ, body="")
        enrollment = enroll(course, learner)
        attempt(enrollment, quiz, number=1, score="90", passed=True)
        complete(enrollment, quiz, passed=True)
        if index % 2 == 0:
            complete(enrollment, read, seconds=60)


def test_costs_the_same_queries_for_2_or_20_courses(
    learner, learner_client, django_assert_max_num_queries
):
    _courses_for(learner, 2)
    with CaptureQueriesContext(connection) as baseline:
        assert learner_client.get(PAGE).status_code == 200

    _courses_for(learner, 18)
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        response = learner_client.get(PAGE)

    assert response.content.decode().count("% complete</title>") == 20
