"""The demo's sample courses, as `karma load-demo` builds them."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from karma.courses import demo, uploads
from karma.courses.models import (
    Course,
    CourseStatus,
    EnrollmentType,
    Lesson,
    LessonType,
    Module,
    Visibility,
)
from karma.courses.selectors import catalog_categories, catalog_courses
from karma.courses.services import sanitise_text

SAMPLE_TITLE = "Working Safely with Data"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def sample(db) -> Course:
    call_command("load_demo")
    return Course.objects.get(title=SAMPLE_TITLE)


def test_load_demo_builds_sample_courses_once(db, capsys):
    call_command("load_demo")
    counts = (Course.objects.count(), Module.objects.count(), Lesson.objects.count())

    call_command("load_demo")

    assert counts[0] == len(demo.demo_courses())
    assert (
        Course.objects.count(),
        Module.objects.count(),
        Lesson.objects.count(),
    ) == counts
    output = capsys.readouterr().out
    assert f"Sample courses: {len(demo.demo_courses())} created" in output
    assert "Sample courses: 0 created" in output


def test_load_demo_leaves_a_changed_sample_course_alone(sample):
    sample.description = "Changed while trying things out."
    sample.save()

    call_command("load_demo")

    sample.refresh_from_db()
    assert sample.description == "Changed while trying things out."
    assert Course.objects.filter(title=SAMPLE_TITLE).count() == 1


def test_sample_course_is_published_public_open_and_owned_by_demo_instructor(
    sample,
):
    assert sample.status == CourseStatus.PUBLISHED
    assert sample.visibility == Visibility.PUBLIC
    assert sample.enrollment_type == EnrollmentType.OPEN
    assert sample.category == "Compliance"
    assert sample.owner.email == "instructor@example.com"
    assert sample.instructor_links.get().instructor.email == "admin@example.com"
    assert sample.cover
    assert sample.estimated_minutes == 90


def test_sample_course_has_lessons_of_every_type(sample):
    types = set(sample.lessons.values_list("type", flat=True))

    assert types == set(LessonType.values)
    assert 3 <= sample.modules.count() <= 4
    assert sample.lessons.filter(required=False).count() == 1
    assert not sample.lessons.filter(estimated_minutes__isnull=True).exists()


def test_sample_text_lessons_are_substantial_and_already_sanitised(sample):
    for lesson in sample.lessons.filter(type=LessonType.TEXT):
        assert lesson.body == sanitise_text(lesson.body)
        assert "<h2>" in lesson.body
        assert "<li>" in lesson.body or "<table>" in lesson.body
        assert lesson.body.count("<p>") >= 3, lesson.title


def test_sample_document_is_a_real_pdf(sample):
    lesson = sample.lessons.get(type=LessonType.DOCUMENT)

    content = lesson.file.read()

    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    assert b"Everyday data handling checklist" in content
    assert lesson.file_name == "data-handling-checklist.pdf"
    upload = SimpleUploadedFile("x.pdf", content)
    assert uploads.check_document(upload) == "pdf"


def test_sample_video_passes_the_upload_check(sample):
    lesson = sample.lessons.get(type=LessonType.VIDEO)

    content = lesson.file.read()

    assert uploads.check_video(SimpleUploadedFile("v.webm", content)) == "webm"
    assert len(content) < 300 * 1024
    assert lesson.file.name.endswith(".webm")


def test_sample_quiz_is_a_placeholder_lesson(sample):
    quiz = sample.lessons.get(type=LessonType.QUIZ)

    assert quiz.body == ""
    assert not quiz.file


def test_other_demo_courses_cover_each_state(sample):
    courses = {course.title: course for course in Course.objects.all()}
    states = {
        (course.status, course.visibility, course.enrollment_type)
        for course in courses.values()
    }

    assert (CourseStatus.DRAFT, Visibility.PUBLIC, EnrollmentType.OPEN) in states
    assert any(v == Visibility.HIDDEN for s, v, _ in states if s == "published")
    assert any(v == Visibility.ARCHIVED for s, v, _ in states if s == "published")
    assert any(e == EnrollmentType.INVITE_ONLY for _, _, e in states)
    support = courses["Handling Customer Data in Support"]
    assert list(support.prerequisites.all()) == [sample]


def test_demo_catalog_merges_categories_spelled_differently(sample):
    titles = list(catalog_courses().values_list("title", flat=True))

    assert SAMPLE_TITLE in titles
    assert "Setting Up Your Workstation" not in titles  # hidden
    assert "Travel Expenses 2023" not in titles  # archived
    assert "Giving Useful Feedback" not in titles  # draft
    assert [c.lower() for c in catalog_categories()].count("compliance") == 1


def test_checklist_pdf_escapes_parentheses_and_breaks_pages():
    lines = ["# Title (with brackets)"] + [f"- Item {n} \\ done" for n in range(80)]

    pdf = demo.checklist_pdf("\n".join(lines))

    assert pdf.startswith(b"%PDF-1.4")
    assert b"(Title \\(with brackets\\))" in pdf
    assert b"(Item 1 \\\\ done)" in pdf
    pages = int(re.search(rb"/Count (\d+)", pdf).group(1))
    assert pages > 1
    assert pdf.count(b"/Type /Page ") == pages
