"""The lesson player's pages and its events endpoint (SPEC section 6).

The cast: the course's owner, an added instructor, an admin, an enrolled
learner, a learner not enrolled, an outsider and an instructor of another
course.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.assessments.models import Assessment
from karma.assessments.tests.factories import (
    QuestionFactory,
    short_answer_question,
    submitted_attempt,
)
from karma.courses import services as course_services
from karma.courses.models import LessonType
from karma.courses.tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments.models import Enrollment
from karma.enrollments.services.enrollments import drop_enrollment, enroll_learner
from karma.learning.models import LessonProgress
from karma.learning.services.lessons import open_lesson, record_reached_end


@pytest.fixture
def co_instructor(db):
    return InstructorFactory(first_name="Cora", last_name="Co")


@pytest.fixture
def other_instructor(db):
    teacher = InstructorFactory(first_name="Olga", last_name="Other")
    PublishedCourseFactory(owner=teacher, title="Olga's own course")
    return teacher


@pytest.fixture
def course(instructor, co_instructor):
    course = PublishedCourseFactory(owner=instructor, title="Fire safety")
    course_services.add_instructor(
        course=course, instructor=co_instructor, added_by=instructor
    )
    return course


@pytest.fixture
def modules(course):
    return [
        ModuleFactory(course=course, name="Basics", position=0),
        ModuleFactory(course=course, name="Practice", position=1),
    ]


@pytest.fixture
def lessons(modules):
    """Two lessons in each module; the last of the second is optional."""
    first, second = modules
    return [
        LessonFactory(module=first, title="Welcome", position=0),
        LessonFactory(module=first, title="Extinguishers", position=1),
        LessonFactory(module=second, title="Drill", position=0),
        LessonFactory(
            module=second, title="Further reading", position=1, required=False
        ),
    ]


@pytest.fixture
def enrollment(course, lessons, learner, instructor):
    return enroll_learner(
        course=course, learner=learner, enrolled_by=instructor
    ).enrollment


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _lesson_url(course, lesson) -> str:
    return reverse("learning:lesson", args=[course.public_id, lesson.public_id])


def _events_url(course, lesson) -> str:
    return reverse("learning:lesson_events", args=[course.public_id, lesson.public_id])


def _complete_url(course, lesson) -> str:
    return reverse("learning:mark_complete", args=[course.public_id, lesson.public_id])


def _resume_url(course) -> str:
    return reverse("learning:resume", args=[course.public_id])


def _post_event(client, course, lesson, body) -> object:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        _events_url(course, lesson), data, content_type="application/json"
    )


# --- Who may open the player ----------------------------------------------------


def test_shows_an_enrolled_learner_the_lesson(
    learner_client, course, lessons, enrollment
):
    response = learner_client.get(_lesson_url(course, lessons[0]))

    assert response.status_code == 200
    assert b"Welcome" in response.content
    assert b"Progress is not recorded for staff" not in response.content


def test_shows_a_learner_who_completed_the_course_the_lessons(
    learner_client, course, lessons, enrollment
):
    for lesson in lessons[:3]:
        record_reached_end(enrollment=enrollment, lesson=lesson)

    response = learner_client.get(_lesson_url(course, lessons[0]))

    assert response.status_code == 200
    assert b"You have completed this course." in response.content


@pytest.mark.parametrize("role", ["outsider", "other_instructor"])
def test_sends_someone_not_enrolled_to_the_course_page_to_enroll(
    request, course, lessons, role
):
    client = _client(request.getfixturevalue(role))

    response = client.get(_lesson_url(course, lessons[0]), follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "courses:course_detail", args=[course.public_id]
    )
    assert "Enroll to start this course." in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_sends_a_dropped_learner_to_the_course_page(
    learner_client, course, lessons, enrollment, instructor
):
    drop_enrollment(enrollment=enrollment, dropped_by=instructor)

    response = learner_client.get(_lesson_url(course, lessons[0]))

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "courses:course_detail", args=[course.public_id]
    )


@pytest.mark.parametrize("role", ["outsider", "other_instructor", "learner"])
def test_hides_a_draft_course_from_everyone_but_its_staff(request, instructor, role):
    draft = CourseFactory(owner=instructor)
    lesson = LessonFactory(module=ModuleFactory(course=draft))
    client = _client(request.getfixturevalue(role))

    assert client.get(_lesson_url(draft, lesson)).status_code == 404
    assert client.get(_resume_url(draft)).status_code == 404


def test_answers_404_for_a_lesson_of_another_course(
    learner_client, course, lessons, enrollment
):
    elsewhere = LessonFactory(module=ModuleFactory(course=PublishedCourseFactory()))

    response = learner_client.get(_lesson_url(course, elsewhere))

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["nonsense", "les_0000000000000000"])
def test_answers_404_for_ids_that_are_not_ids(learner_client, course, enrollment, path):
    url = reverse("learning:lesson", args=[course.public_id, "x"]).replace("x", path)

    assert learner_client.get(url).status_code == 404


def test_sends_anonymous_visitors_to_sign_in(client, course, lessons):
    response = client.get(_lesson_url(course, lessons[0]))

    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("role", ["instructor", "co_instructor", "admin"])
def test_shows_staff_a_preview_that_records_nothing(request, course, lessons, role):
    client = _client(request.getfixturevalue(role))

    response = client.get(_lesson_url(course, lessons[0]))
    events = _post_event(client, course, lessons[0], {"type": "reached_end"})
    clicked = client.post(_complete_url(course, lessons[0]))

    assert response.status_code == 200
    assert b"Progress is not recorded for staff" in response.content
    assert b"data-events-url" not in response.content
    assert events.status_code == 403
    assert clicked.status_code == 302
    assert not LessonProgress.objects.exists()
    assert not Enrollment.objects.exists()


# --- What the page shows ---------------------------------------------------------


def test_shows_the_outline_with_ticks_optional_lessons_and_the_current_one(
    learner_client, course, lessons, enrollment
):
    record_reached_end(enrollment=enrollment, lesson=lessons[0])

    response = learner_client.get(_lesson_url(course, lessons[1]))

    page = response.content.decode()
    assert page.count("Done: ") == 1
    assert page.count("Not done: ") == 3
    assert "Optional" in page
    assert f'href="{_lesson_url(course, lessons[1])}" aria-current="page"' in page
    assert "33% · 1 of 3 required lessons done" in page


def test_links_previous_and_next_across_modules(
    learner_client, course, lessons, enrollment
):
    response = learner_client.get(_lesson_url(course, lessons[1]))

    page = response.content.decode()
    assert f'rel="prev" href="{_lesson_url(course, lessons[0])}"' in page
    assert f'rel="next" href="{_lesson_url(course, lessons[2])}"' in page


def test_offers_no_previous_on_the_first_lesson_nor_next_on_the_last(
    learner_client, course, lessons, enrollment
):
    first = learner_client.get(_lesson_url(course, lessons[0])).content.decode()
    last = learner_client.get(_lesson_url(course, lessons[-1])).content.decode()

    assert 'rel="prev"' not in first
    assert 'rel="next"' not in last


def test_notes_the_lesson_opened(learner_client, course, lessons, enrollment):
    learner_client.get(_lesson_url(course, lessons[2]))

    progress = LessonProgress.objects.get()
    assert (progress.enrollment, progress.lesson) == (enrollment, lessons[2])


def test_shows_a_text_lesson_sanitised_with_its_end_marker(
    learner_client, course, modules, enrollment
):
    lesson = LessonFactory(
        module=modules[0],
        body='<p>Hello</p><script>alert(1)</script><img src=x onerror="y">',
    )

    page = learner_client.get(_lesson_url(course, lesson)).content.decode()

    assert "<p>Hello</p>" in page
    assert "alert(1)" not in page
    assert "onerror" not in page
    assert "data-end-sentinel" in page


def test_shows_a_document_in_a_frame_with_a_download_link(
    learner_client, course, modules, enrollment
):
    lesson = LessonFactory(
        module=modules[0],
        type=LessonType.DOCUMENT,
        body="",
        file="courses/lessons/rules.pdf",
        file_name="Rules.pdf",
    )
    file_url = reverse("courses:lesson_file", args=[course.public_id, lesson.public_id])

    page = learner_client.get(_lesson_url(course, lesson)).content.decode()

    assert (
        f'<iframe class="karma-player-document w-100 border rounded" src="{file_url}"'
        in page
    )
    assert f'href="{file_url}" download="Rules.pdf"' in page
    assert "data-end-sentinel" in page


def test_plays_an_uploaded_video_and_reports_it(
    learner_client, course, modules, enrollment
):
    lesson = LessonFactory(
        module=modules[0],
        type=LessonType.VIDEO,
        body="",
        file="courses/lessons/talk.mp4",
    )
    file_url = reverse("courses:lesson_file", args=[course.public_id, lesson.public_id])

    page = learner_client.get(_lesson_url(course, lesson)).content.decode()

    assert "data-player-video" in page
    assert f'src="{file_url}"' in page
    assert "Watch at least 90% of the video" in page
    assert "Mark complete" not in page


def test_links_a_linked_video_and_offers_mark_complete(
    learner_client, course, modules, enrollment
):
    lesson = LessonFactory(
        module=modules[0],
        type=LessonType.VIDEO,
        body="",
        video_url="https://video.example.com/watch/42",
    )

    page = learner_client.get(_lesson_url(course, lesson)).content.decode()

    assert 'href="https://video.example.com/watch/42" target="_blank"' in page
    assert f'action="{_complete_url(course, lesson)}"' in page
    assert "<iframe" not in page


def test_offers_mark_complete_instead_of_reading_for_a_manual_lesson(
    learner_client, course, modules, enrollment
):
    lesson = LessonFactory(module=modules[0], manual_completion=True)

    page = learner_client.get(_lesson_url(course, lesson)).content.decode()

    assert f'action="{_complete_url(course, lesson)}"' in page
    assert "data-end-sentinel" not in page


def test_shows_the_quiz_panel_in_a_quiz_lesson(
    learner_client, course, modules, enrollment
):
    lesson = LessonFactory(module=modules[0], type=LessonType.QUIZ, body="")
    Assessment.objects.create(lesson=lesson)

    page = learner_client.get(_lesson_url(course, lesson)).content.decode()

    assert 'id="quiz-panel-title"' in page
    assert "Submit the quiz to complete this lesson." in page


def _quiz_lesson(modules, **settings):
    lesson = LessonFactory(module=modules[0], type=LessonType.QUIZ, body="")
    return Assessment.objects.create(lesson=lesson, **settings)


def _status_line(page: str) -> str:
    """The lesson's completion status, its classes first, spaces collapsed."""
    tag = page.rindex("<p", 0, page.index("data-lesson-status>"))
    return " ".join(page[tag : page.index("</p>", tag)].split())


def _completed_on(lesson) -> str:
    completed_at = LessonProgress.objects.get(lesson=lesson).completed_at
    return date_format(timezone.localtime(completed_at), "j M Y")


def test_says_a_submitted_quiz_is_completed_with_no_space_before_the_full_stop(
    learner, learner_client, course, modules, enrollment
):
    quiz = _quiz_lesson(modules)
    question = QuestionFactory(assessment=quiz, correct_true=True)
    submitted_attempt(
        assessment=quiz,
        learner=learner,
        responses={question.public_id: {"value": True}},
    )

    line = _status_line(
        learner_client.get(_lesson_url(course, quiz.lesson)).content.decode()
    )

    assert "text-success" in line
    assert "✓</span> Completed <time" in line
    assert f">{_completed_on(quiz.lesson)}</time>." in line


def test_says_a_quiz_that_must_be_passed_and_was_not_is_only_submitted(
    learner, learner_client, course, modules, enrollment
):
    quiz = _quiz_lesson(modules, require_passing=True)
    question = QuestionFactory(assessment=quiz, correct_true=True)
    submitted_attempt(
        assessment=quiz,
        learner=learner,
        responses={question.public_id: {"value": False}},
    )

    line = _status_line(
        learner_client.get(_lesson_url(course, quiz.lesson)).content.decode()
    )

    assert "text-success" not in line
    assert "Completed" not in line
    assert "✓" not in line
    assert "data-lesson-status> Submitted <time" in line
    assert "Pass the quiz for it to count towards the course." in line


def test_says_a_quiz_that_must_be_passed_waits_for_grading(
    learner, learner_client, course, modules, enrollment
):
    quiz = _quiz_lesson(modules, require_passing=True)
    essay = short_answer_question(assessment=quiz)
    submitted_attempt(
        assessment=quiz,
        learner=learner,
        responses={essay.public_id: {"text": "Close the valve."}},
    )

    line = _status_line(
        learner_client.get(_lesson_url(course, quiz.lesson)).content.decode()
    )

    assert "Completed" not in line
    assert "data-lesson-status> Submitted <time" in line
    assert "Waiting for grading" in line


def test_costs_the_same_queries_for_5_or_50_lessons(
    learner, instructor, django_assert_max_num_queries
):
    for count in (5, 50):
        course = PublishedCourseFactory(owner=instructor)
        modules = [ModuleFactory(course=course) for _ in range(5)]
        lessons = [LessonFactory(module=modules[index % 5]) for index in range(count)]
        enrollment = enroll_learner(
            course=course, learner=learner, enrolled_by=instructor
        ).enrollment
        for lesson in lessons[: count // 2]:
            record_reached_end(enrollment=enrollment, lesson=lesson)
        client = _client(learner)

        with django_assert_max_num_queries(20):
            response = client.get(_lesson_url(course, lessons[count // 2]))

        assert response.status_code == 200


# --- Resuming ------------------------------------------------------------------------


def test_resumes_at_the_lesson_opened_last(learner_client, course, lessons, enrollment):
    open_lesson(enrollment=enrollment, lesson=lessons[2])
    open_lesson(enrollment=enrollment, lesson=lessons[1])

    response = learner_client.get(_resume_url(course))

    assert response["Location"] == _lesson_url(course, lessons[1])


def test_starts_a_new_learner_at_the_first_lesson(
    learner_client, course, lessons, enrollment
):
    response = learner_client.get(_resume_url(course))

    assert response["Location"] == _lesson_url(course, lessons[0])


def test_starts_staff_at_the_first_lesson(instructor_client, course, lessons):
    response = instructor_client.get(_resume_url(course))

    assert response["Location"] == _lesson_url(course, lessons[0])


def test_sends_learners_of_a_course_without_lessons_to_its_page(
    learner, instructor, learner_client
):
    course = PublishedCourseFactory(owner=instructor)
    enroll_learner(course=course, learner=learner, enrolled_by=instructor)

    response = learner_client.get(_resume_url(course))

    assert response["Location"] == reverse(
        "courses:course_detail", args=[course.public_id]
    )


def test_sends_someone_not_enrolled_who_resumes_to_the_course_page(
    outsider_client, course, lessons
):
    response = outsider_client.get(_resume_url(course))

    assert response["Location"] == reverse(
        "courses:course_detail", args=[course.public_id]
    )


# --- Events from the page's script --------------------------------------------------


def test_completes_a_text_read_to_the_end(learner_client, course, lessons, enrollment):
    response = _post_event(learner_client, course, lessons[0], {"type": "reached_end"})

    assert response.status_code == 200
    assert response.json() == {
        "completed": True,
        "just_completed": True,
        "progress_percent": 33,
        "required_done": 1,
        "required_total": 3,
        "course_completed": False,
    }


def test_says_when_the_last_lesson_completes_the_course(
    learner_client, course, lessons, enrollment
):
    for lesson in lessons[:2]:
        record_reached_end(enrollment=enrollment, lesson=lesson)

    response = _post_event(learner_client, course, lessons[2], {"type": "reached_end"})

    assert response.json()["course_completed"] is True
    assert response.json()["progress_percent"] == 100


def test_takes_heartbeats(learner_client, course, lessons, enrollment):
    response = _post_event(learner_client, course, lessons[0], {"type": "heartbeat"})

    assert response.status_code == 200
    assert response.json()["completed"] is False
    assert LessonProgress.objects.get().last_heartbeat_at is not None


def test_takes_video_reports(learner_client, course, modules, enrollment):
    lesson = LessonFactory(
        module=modules[0], type=LessonType.VIDEO, body="", file="lessons/a.mp4"
    )

    response = _post_event(
        learner_client,
        course,
        lesson,
        {"type": "video", "ranges": [[0, 12.5]], "duration": 300},
    )

    assert response.status_code == 200
    assert LessonProgress.objects.get().video_watched == [[0.0, 12.5]]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        b"\xff\xfe",
        "[1, 2]",
        "null",
        "{}",
        {"type": "mark_complete"},
        {"type": "skip"},
        {"type": 7},
        {"type": "video", "ranges": [[0, 1]], "duration": 10},
        {"type": "video"},
    ],
)
def test_refuses_bad_events_with_a_json_error(
    learner_client, course, lessons, enrollment, body
):
    response = _post_event(learner_client, course, lessons[0], body)

    assert response.status_code == 400
    assert response.json()["error"]
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


def test_refuses_deeply_nested_json_with_a_json_error(
    learner_client, course, lessons, enrollment
):
    response = _post_event(learner_client, course, lessons[0], "[" * 100_000)

    assert response.status_code == 400
    assert response.json()["error"] == "The JSON is nested too deeply."


@pytest.mark.parametrize(
    "body",
    [
        '{"type": "video", "ranges": [[0, NaN]], "duration": 10}',
        '{"type": "video", "ranges": [[0, 1]], "duration": Infinity}',
        {"type": "video", "ranges": "all", "duration": 10},
        {"type": "video", "ranges": [[5, 1]], "duration": 10},
    ],
)
def test_refuses_video_reports_that_are_not_seconds(
    learner_client, course, modules, enrollment, body
):
    lesson = LessonFactory(
        module=modules[0], type=LessonType.VIDEO, body="", file="lessons/a.mp4"
    )

    response = _post_event(learner_client, course, lesson, body)

    assert response.status_code == 400
    assert not LessonProgress.objects.exists()


def test_refuses_a_reading_event_for_a_video(
    learner_client, course, modules, enrollment
):
    lesson = LessonFactory(
        module=modules[0], type=LessonType.VIDEO, body="", file="lessons/a.mp4"
    )

    response = _post_event(learner_client, course, lesson, {"type": "reached_end"})

    assert response.status_code == 400
    assert response.json()["error"] == "This lesson is not completed by scrolling."


def test_takes_only_posts(learner_client, course, lessons, enrollment):
    assert learner_client.get(_events_url(course, lessons[0])).status_code == 405


@pytest.mark.parametrize("role", ["outsider", "other_instructor"])
def test_refuses_events_from_someone_not_enrolled(request, course, lessons, role):
    client = _client(request.getfixturevalue(role))

    response = _post_event(client, course, lessons[0], {"type": "reached_end"})

    assert response.status_code == 403
    assert response.json()["error"] == "Enroll to start this course."
    assert not LessonProgress.objects.exists()


def test_answers_404_in_json_for_a_course_one_may_not_see(outsider_client, instructor):
    draft = CourseFactory(owner=instructor)
    lesson = LessonFactory(module=ModuleFactory(course=draft))

    response = _post_event(outsider_client, draft, lesson, {"type": "heartbeat"})

    assert response.status_code == 404
    assert "error" in response.json()


def test_answers_401_in_json_when_signed_out(client, course, lessons):
    response = _post_event(client, course, lessons[0], {"type": "heartbeat"})

    assert response.status_code == 401


def test_needs_the_csrf_token_the_page_carries(learner, course, lessons, enrollment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    page = client.get(_lesson_url(course, lessons[0]))
    token = page.context["csrf_token"]

    refused = _post_event(client, course, lessons[0], {"type": "heartbeat"})
    accepted = client.post(
        _events_url(course, lessons[0]),
        json.dumps({"type": "heartbeat"}),
        content_type="application/json",
        headers={"X-CSRFToken": str(token)},
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200


# --- Mark complete (a plain form) ----------------------------------------------------


def test_marks_a_manual_lesson_complete(learner_client, course, modules, enrollment):
    lesson = LessonFactory(module=modules[0], manual_completion=True)

    response = learner_client.post(_complete_url(course, lesson), follow=True)

    assert response.redirect_chain[-1][0] == _lesson_url(course, lesson)
    assert "Lesson complete." in response.content.decode()
    progress = LessonProgress.objects.get(lesson=lesson)
    assert progress.completion_reason == "marked_complete"


def test_refuses_to_mark_complete_a_lesson_that_completes_by_itself(
    learner_client, course, lessons, enrollment
):
    response = learner_client.post(_complete_url(course, lessons[0]), follow=True)

    assert (
        "This lesson completes by itself, not by a click." in response.content.decode()
    )
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


def test_refuses_mark_complete_from_someone_not_enrolled(
    outsider_client, course, modules
):
    lesson = LessonFactory(module=modules[0], manual_completion=True)

    response = outsider_client.post(_complete_url(course, lesson))

    assert response.status_code == 302
    assert not LessonProgress.objects.exists()


def test_takes_mark_complete_only_as_a_post(
    learner_client, course, modules, enrollment
):
    lesson = LessonFactory(module=modules[0], manual_completion=True)

    assert learner_client.get(_complete_url(course, lesson)).status_code == 405


# --- Ways in ------------------------------------------------------------------------


def test_offers_start_then_continue_on_the_course_page(
    learner_client, course, lessons, enrollment
):
    detail = reverse("courses:course_detail", args=[course.public_id])

    before = learner_client.get(detail).content.decode()
    learner_client.get(_lesson_url(course, lessons[0]))
    after = learner_client.get(detail).content.decode()

    assert f'href="{_resume_url(course)}">Start course' in before
    assert f'href="{_resume_url(course)}">Continue learning' in after


def test_offers_the_course_on_the_dashboard_cards(
    learner_client, course, lessons, enrollment
):
    page = learner_client.get(reverse("web:dashboard")).content.decode()

    assert f'href="{_resume_url(course)}">Start course' in page


def test_offers_staff_a_preview_from_the_course_page(
    instructor_client, course, lessons
):
    detail = reverse("courses:course_detail", args=[course.public_id])

    page = instructor_client.get(detail).content.decode()

    assert f'href="{_resume_url(course)}">Preview lessons' in page


def test_offers_no_way_in_to_someone_not_enrolled(outsider_client, course, lessons):
    detail = reverse("courses:course_detail", args=[course.public_id])

    page = outsider_client.get(detail).content.decode()

    assert _resume_url(course) not in page


def test_counts_a_second_learner_apart(course, lessons, enrollment, instructor):
    other = LearnerFactory()
    enroll_learner(course=course, learner=other, enrolled_by=instructor)

    _post_event(_client(other), course, lessons[0], {"type": "reached_end"})

    assert not LessonProgress.objects.filter(enrollment=enrollment).exists()
