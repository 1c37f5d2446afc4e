"""The demo's sample courses, as `karma load-demo` builds them."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from karma.accounts.models import User
from karma.assessments.models import (
    Assessment,
    AttemptStatus,
    Choice,
    MatchPair,
    Question,
    QuestionType,
)
from karma.assessments.services.attempts import start_attempt, submit_attempt
from karma.assessments.services.grading import answers_awaiting_grading
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
from karma.enrollments.models import EnrollmentStatus
from karma.enrollments.services.enrollments import self_enroll
from karma.learning.models import LessonProgress

SAMPLE_TITLE = "Working Safely with Data"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def sample(db) -> Course:
    call_command("load_demo")
    return Course.objects.get(title=SAMPLE_TITLE)


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Course, Module, Lesson, Assessment, Question, Choice, MatchPair)
    )


def test_load_demo_builds_sample_courses_once(db, capsys):
    call_command("load_demo")
    counts = _counts()

    call_command("load_demo")

    assert counts[0] == len(demo.demo_courses())
    assert counts[4] > 0
    assert _counts() == counts
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
    optional = sample.lessons.filter(required=False)
    assert sorted(optional.values_list("type", flat=True)) == ["quiz", "text"]
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


def test_sample_final_check_asks_every_auto_graded_type(sample):
    quiz = sample.lessons.get(title="Final check").assessment
    questions = list(quiz.questions.all())
    choices = [q for q in questions if q.type == QuestionType.CHOICE]

    assert 5 <= len(questions) <= 6
    assert {q.type for q in questions} == {
        QuestionType.CHOICE,
        QuestionType.TRUE_FALSE,
        QuestionType.MATCHING,
    }
    correct_counts = {q.choices.filter(is_correct=True).count() for q in choices}
    assert {1, 2} <= correct_counts
    assert quiz.require_passing
    assert quiz.passing_score == 70
    assert all(q.prompt.strip() for q in questions)


def test_sample_reflection_is_one_optional_short_answer(sample):
    lesson = sample.lessons.get(title="Reflection")
    (question,) = lesson.assessment.questions.all()

    assert not lesson.required
    assert question.type == QuestionType.SHORT_ANSWER
    assert question.grading_guidance


def _right_answers(assessment) -> dict:
    answers = {}
    for question in assessment.questions.all():
        if question.type == QuestionType.CHOICE:
            right = question.choices.filter(is_correct=True)
            answers[question.public_id] = {
                "choices": list(right.values_list("public_id", flat=True))
            }
        elif question.type == QuestionType.TRUE_FALSE:
            answers[question.public_id] = {"value": question.correct_true}
        elif question.type == QuestionType.MATCHING:
            answers[question.public_id] = {
                "matches": {
                    pair.public_id: pair.answer for pair in question.pairs.all()
                }
            }
    return answers


def test_passing_the_sample_final_check_completes_the_course(sample):
    learner = User.objects.get(email="learner@example.com")
    enrollment = self_enroll(learner=learner, course=sample).enrollment
    for lesson in sample.lessons.filter(required=True).exclude(type="quiz"):
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=lesson, completed_at=timezone.now()
        )
    quiz = sample.lessons.get(title="Final check").assessment

    attempt = start_attempt(assessment=quiz, learner=learner)
    attempt = submit_attempt(
        attempt=attempt, learner=learner, responses=_right_answers(quiz)
    )

    assert attempt.status == AttemptStatus.FINAL
    assert attempt.score_percent == 100
    assert attempt.passed
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_a_sample_reflection_waits_for_the_demo_instructor(sample):
    learner = User.objects.get(email="learner@example.com")
    self_enroll(learner=learner, course=sample)
    reflection = sample.lessons.get(title="Reflection").assessment
    (question,) = reflection.questions.all()

    attempt = start_attempt(assessment=reflection, learner=learner)
    attempt = submit_attempt(
        attempt=attempt,
        learner=learner,
        responses={question.public_id: {"text": "My downloads folder, today."}},
    )

    assert attempt.status == AttemptStatus.PENDING_REVIEW
    queue = answers_awaiting_grading(user=sample.owner)
    assert [answer.attempt for answer in queue] == [attempt]


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
