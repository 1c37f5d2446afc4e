"""Course files: served through a permission check, with byte ranges."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from karma.accounts.tests.factories import InstructorFactory
from karma.courses import services
from karma.courses.models import Course, Lesson
from karma.courses.services import CourseDetails, LessonInput
from karma.courses.tests.factories import CourseFactory
from karma.courses.tests.sample_files import MP4_BYTES, PDF_BYTES, mp4, pdf, png
from karma.courses.views.files import RangeNotSatisfiable, parse_range

VIDEO = MP4_BYTES + bytes(range(256)) * 4


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def course(instructor):
    course = CourseFactory(owner=instructor, title="Safety at work")
    services.update_course(
        course=course, details=CourseDetails(course.title), cover=png()
    )
    return course


@pytest.fixture
def module(course):
    return services.add_module(course=course, name="Basics")


@pytest.fixture
def video(module):
    return services.add_lesson(
        module=module,
        data=LessonInput(title="Tour", type="video", file=mp4("Site tour.mp4", VIDEO)),
    )


@pytest.fixture
def document(module):
    return services.add_lesson(
        module=module,
        data=LessonInput(title="Rules", type="document", file=pdf("Rules.pdf")),
    )


def _publish(course: Course) -> None:
    services.publish_course(course=course)


def _cover_url(course: Course) -> str:
    return reverse("courses:course_cover", kwargs={"public_id": course.public_id})


def _file_url(lesson: Lesson, course: Course | None = None) -> str:
    return reverse(
        "courses:lesson_file",
        kwargs={
            "public_id": (course or lesson.course).public_id,
            "lesson_id": lesson.public_id,
        },
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- Who may download --------------------------------------------------------


def test_serves_a_drafts_files_to_its_staff(
    instructor_client, admin_client, course, document
):
    colleague = InstructorFactory()
    services.add_instructor(course=course, instructor=colleague, added_by=course.owner)

    for client in (instructor_client, admin_client):
        assert client.get(_cover_url(course)).status_code == 200
        assert client.get(_file_url(document)).status_code == 200


@pytest.mark.parametrize("who", ["learner_client", "outsider_client"])
def test_hides_a_drafts_files_from_others_with_404(request, course, document, who):
    client = request.getfixturevalue(who)

    assert client.get(_cover_url(course)).status_code == 404
    assert client.get(_file_url(document)).status_code == 404


def test_hides_a_drafts_files_from_instructors_of_other_courses(course, document):
    client = Client()
    client.force_login(CourseFactory().owner)

    assert client.get(_file_url(document)).status_code == 404


def test_serves_lesson_files_only_to_enrolled_learners(
    learner, learner_client, course, document
):
    from karma.enrollments.services.enrollments import self_enroll

    _publish(course)
    before = learner_client.get(_file_url(document)).status_code
    self_enroll(learner=learner, course=course)
    after = learner_client.get(_file_url(document)).status_code

    # The cover is part of the catalog; the lessons are for enrolled learners.
    assert learner_client.get(_cover_url(course)).status_code == 200
    assert (before, after) == (404, 200)


def test_hides_lesson_files_of_hidden_and_invite_only_courses_from_outsiders(
    learner_client, course, document
):
    _publish(course)
    course.visibility = "hidden"
    course.enrollment_type = "invite_only"
    course.save()

    assert learner_client.get(_file_url(document)).status_code == 404


def test_taking_a_course_back_to_draft_hides_its_files(
    learner_client, course, document
):
    _publish(course)
    services.save_as_draft(course=course)

    assert learner_client.get(_file_url(document)).status_code == 404


def test_hides_an_archived_courses_files_from_learners(
    learner_client, course, document
):
    _publish(course)
    Course.objects.filter(pk=course.pk).update(visibility="archived")

    assert learner_client.get(_file_url(document)).status_code == 404


def test_sends_anonymous_visitors_to_sign_in(client, course, document):
    _publish(course)

    response = client.get(_file_url(document))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_lesson_of_another_course_is_not_found(instructor_client, course, document):
    other = CourseFactory(owner=course.owner)

    response = instructor_client.get(_file_url(document, course=other))

    assert response.status_code == 404


def test_a_lesson_without_a_file_is_not_found(instructor_client, course, module):
    quiz = services.add_lesson(module=module, data=LessonInput("Quiz", "quiz"))

    assert instructor_client.get(_file_url(quiz)).status_code == 404


def test_a_course_without_a_cover_is_not_found(instructor_client, instructor):
    bare = CourseFactory(owner=instructor)

    assert instructor_client.get(_cover_url(bare)).status_code == 404


def test_a_missing_stored_file_is_not_found(instructor_client, document, media):
    (media / document.file.name).unlink()

    assert instructor_client.get(_file_url(document)).status_code == 404


def test_refuses_writes(instructor_client, document):
    assert instructor_client.post(_file_url(document)).status_code == 405


# --- What is sent ------------------------------------------------------------


def test_sends_a_pdf_inline_with_safe_headers(instructor_client, document):
    response = instructor_client.get(_file_url(document))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="Rules.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Accept-Ranges"] == "bytes"
    assert "private" in response["Cache-Control"]
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert _body(response) == PDF_BYTES


def test_sends_the_cover_as_jpeg(instructor_client, course):
    response = instructor_client.get(_cover_url(course))

    assert response["Content-Type"] == "image/jpeg"
    assert _body(response)[:3] == b"\xff\xd8\xff"


def test_sends_a_video_with_its_type(instructor_client, video):
    response = instructor_client.get(_file_url(video))

    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(len(VIDEO))
    assert _body(response) == VIDEO


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ('say "hi".pdf', 'inline; filename="say \\"hi\\".pdf"'),
        ("Résumé.pdf", "inline; filename*=utf-8''R%C3%A9sum%C3%A9.pdf"),
        ("a\r\nSet-Cookie: x=1.pdf", 'inline; filename="a Set-Cookie: x=1.pdf"'),
    ],
)
def test_quotes_the_display_name_safely(instructor_client, module, name, expected):
    lesson = services.add_lesson(
        module=module, data=LessonInput(title="Doc", type="document", file=pdf(name))
    )

    response = instructor_client.get(_file_url(lesson))

    assert response["Content-Disposition"] == expected
    assert "Set-Cookie" not in response.headers or "x=1" not in response["Set-Cookie"]


# --- Byte ranges -------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, len(VIDEO) - 1),
        ("bytes=-50", len(VIDEO) - 50, len(VIDEO) - 1),
        ("bytes=1000-999999", 1000, len(VIDEO) - 1),
    ],
)
def test_answers_a_single_range_with_206(instructor_client, video, header, first, last):
    response = instructor_client.get(_file_url(video), HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(VIDEO)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Content-Type"] == "video/mp4"
    assert _body(response) == VIDEO[first : last + 1]


@pytest.mark.parametrize(
    "header",
    [
        "bytes=99999-",
        "bytes=50-10",
        "bytes=abc",
        "bytes=-0",
        "bytes=-",
        "bytes=" + "9" * 30,
    ],
)
def test_answers_a_bad_range_with_416(instructor_client, video, header):
    response = instructor_client.get(_file_url(video), HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(VIDEO)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-4", ""])
def test_sends_the_whole_file_for_ranges_it_does_not_serve(
    instructor_client, video, header
):
    response = instructor_client.get(_file_url(video), HTTP_RANGE=header)

    assert response.status_code == 200
    assert _body(response) == VIDEO


def test_ranges_still_check_permission(learner_client, video):
    response = learner_client.get(_file_url(video), HTTP_RANGE="bytes=0-9")

    assert response.status_code == 404


def test_parses_ranges_against_the_file_size():
    assert parse_range("bytes=0-0", 10) == (0, 0)
    assert parse_range("bytes=-20", 10) == (0, 9)
    assert parse_range(" bytes = 2 - 4 ", 10) == (2, 4)
    assert parse_range("", 10) is None
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=10-", 10)
