"""The demo site's courses: one complete sample course and a few small ones.

`karma load-demo` calls `load_demo_courses`. Every course is built through
the same services as the authoring pages, so it obeys the same rules
(sanitised text, checked uploads, a module with a lesson before
publishing). What the courses say is in `demo_assets/courses.toml` and the
files beside it, all written for Karma; this module only builds them.
"""

from __future__ import annotations

import functools
import io
import logging
import textwrap
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from karma.accounts.models import User
from karma.assessments.services import authoring
from karma.assessments.services.authoring import (
    OptionInput,
    PairInput,
    QuestionInput,
)
from karma.courses import services
from karma.courses.models import (
    Course,
    EnrollmentType,
    Lesson,
    LessonType,
    Visibility,
)
from karma.courses.services import CourseDetails, LessonInput

logger = logging.getLogger(__name__)

ASSETS = Path(__file__).with_name("demo_assets")


@dataclass(frozen=True)
class DemoLesson:
    title: str
    type: str
    minutes: int
    # A file under demo_assets/: the HTML of a text lesson, the text a
    # document's PDF is made from, or a video.
    asset: str = ""
    body: str = ""
    required: bool = True
    # Quiz lessons: settings that differ from the defaults, and the
    # questions as written in courses.toml (see _question_input).
    settings: dict | None = None
    questions: Sequence[dict] = ()


@dataclass(frozen=True)
class DemoModule:
    name: str
    lessons: Sequence[DemoLesson]
    description: str = ""


@dataclass(frozen=True)
class DemoCourse:
    title: str
    description: str
    category: str
    minutes: int
    modules: Sequence[DemoModule]
    published: bool = True
    visibility: str = Visibility.PUBLIC
    enrollment_type: str = EnrollmentType.OPEN
    certificate: bool = False
    # Titles of demo courses that must be completed first.
    prerequisites: Sequence[str] = ()
    # Colours of a generated cover; None leaves the course without one.
    cover: tuple[str, str] | None = None
    # Add the demo's other staff as instructors, to show a shared course.
    co_teach: bool = False


@functools.cache
def demo_courses() -> tuple[DemoCourse, ...]:
    """The courses of demo_assets/courses.toml, the sample course first."""
    with (ASSETS / "courses.toml").open("rb") as source:
        data = tomllib.load(source)
    return tuple(_course_from(entry) for entry in data["course"])


def _course_from(entry: dict) -> DemoCourse:
    modules = [
        DemoModule(
            name=module["name"],
            description=module.get("description", ""),
            lessons=[_lesson_from(lesson) for lesson in module["lesson"]],
        )
        for module in entry.pop("module")
    ]
    cover = entry.pop("cover", None)
    return DemoCourse(**entry, modules=modules, cover=tuple(cover) if cover else None)


def _lesson_from(entry: dict) -> DemoLesson:
    questions = tuple(entry.pop("question", ()))
    return DemoLesson(**entry, questions=questions)


def load_demo_courses(
    *, owner: User, co_instructors: Sequence[User] = ()
) -> list[tuple[str, bool]]:
    """Build each demo course `owner` does not have yet; return (title, new).

    A course is recognised by its title and owner, so running the demo
    loader again leaves courses that were already built, and any changes
    made to them, as they are.
    """
    results = []
    for spec in demo_courses():
        exists = Course.objects.filter(owner=owner, title=spec.title).exists()
        if not exists:
            _build_course(spec, owner=owner, co_instructors=co_instructors)
        results.append((spec.title, not exists))
    return results


@transaction.atomic
def _build_course(
    spec: DemoCourse, *, owner: User, co_instructors: Sequence[User]
) -> Course:
    details = CourseDetails(spec.title, spec.description, spec.category, spec.minutes)
    cover = _cover(*spec.cover) if spec.cover else None
    course = services.create_course(owner=owner, details=details, cover=cover)

    for module_spec in spec.modules:
        module = services.add_module(
            course=course, name=module_spec.name, description=module_spec.description
        )
        for lesson_spec in module_spec.lessons:
            lesson = services.add_lesson(module=module, data=_lesson_input(lesson_spec))
            if lesson.type == LessonType.QUIZ:
                _build_quiz(lesson, lesson_spec)

    prerequisites = Course.objects.filter(owner=owner, title__in=spec.prerequisites)
    services.update_settings(
        course=course,
        enrollment_type=spec.enrollment_type,
        visibility=spec.visibility,
        prerequisites=list(prerequisites),
        require_passing_quizzes=False,
        certificate_enabled=spec.certificate,
    )
    if spec.co_teach:
        for person in co_instructors:
            services.add_instructor(course=course, instructor=person, added_by=owner)
    if spec.published:
        services.publish_course(course=course)

    logger.info("demo course built", extra={"course_id": course.public_id})
    return course


def _lesson_input(spec: DemoLesson) -> LessonInput:
    common = {
        "title": spec.title,
        "type": spec.type,
        "estimated_minutes": spec.minutes,
        "required": spec.required,
    }
    if spec.type == LessonType.TEXT:
        body = spec.body or (ASSETS / spec.asset).read_text(encoding="utf-8")
        return LessonInput(**common, body=body)
    if spec.type == LessonType.DOCUMENT:
        source = (ASSETS / spec.asset).read_text(encoding="utf-8")
        pdf = checklist_pdf(source)
        name = f"{Path(spec.asset).stem}.pdf"
        upload = SimpleUploadedFile(name, pdf, content_type="application/pdf")
        return LessonInput(**common, file=upload)
    if spec.type == LessonType.VIDEO:
        path = ASSETS / spec.asset
        upload = SimpleUploadedFile(path.name, path.read_bytes(), "video/webm")
        return LessonInput(**common, file=upload)
    return LessonInput(**common)


def _build_quiz(lesson: Lesson, spec: DemoLesson) -> None:
    """Give a quiz lesson its settings and questions, through the same
    services as the quiz builder."""
    assessment = authoring.assessment_for(lesson)
    if spec.settings:
        current = {name: getattr(assessment, name) for name in QUIZ_SETTINGS}
        authoring.update_assessment_settings(
            assessment=assessment, **{**current, **spec.settings}
        )
    for entry in spec.questions:
        authoring.add_question(assessment=assessment, data=_question_input(entry))


QUIZ_SETTINGS = (
    "passing_score",
    "time_limit_minutes",
    "attempt_limit",
    "randomize_questions",
    "show_results",
    "allow_review",
    "require_passing",
)


def _question_input(entry: dict) -> QuestionInput:
    """A question of courses.toml: `options` as {text, correct} tables,
    `pairs` as [prompt, answer], `answer` for true or false, `guidance`
    for a short answer."""
    return QuestionInput(
        type=entry["type"],
        prompt=entry["prompt"],
        points=entry.get("points", 1),
        options=[
            OptionInput(option["text"], option.get("correct", False))
            for option in entry.get("options", ())
        ],
        pairs=[PairInput(prompt, answer) for prompt, answer in entry.get("pairs", ())],
        correct_true=entry.get("answer"),
        grading_guidance=entry.get("guidance", ""),
        explanation=entry.get("explanation", ""),
    )


def _cover(top: str, bottom: str) -> SimpleUploadedFile:
    """Draw a plain abstract cover: a gradient with a few soft circles."""
    width, height = 1280, 720
    size = (width, height)
    # linear_gradient runs from black at the top to white at the bottom.
    mask = Image.linear_gradient("L").resize(size)
    image = Image.composite(
        Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask
    )

    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for x, y, radius, alpha in [(980, 180, 260, 40), (1120, 560, 180, 55),
                                (260, 620, 320, 30), (640, 360, 90, 70)]:  # fmt: skip
        draw.ellipse(
            (x - radius, y - radius, x + radius, y + radius),
            fill=(255, 255, 255, alpha),
        )
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")

    output = io.BytesIO()
    image.save(output, format="PNG")
    return SimpleUploadedFile("cover.png", output.getvalue(), "image/png")


# --- A small PDF writer -----------------------------------------------------
#
# Enough PDF for a one-page handout: the two standard Helvetica faces (which
# every reader has, so nothing is embedded), headings, paragraphs and
# checkbox items. Text is Windows-1252, the encoding those faces use.

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 595, 842, 60
# Characters per line at 11 pt; Helvetica averages about half an em.
WRAP_COLUMNS = 84


def checklist_pdf(source: str) -> bytes:
    """Return a PDF of `source`: "# " title, "## " headings, "- " checkboxes."""
    pages: list[list[str]] = [[]]
    y = PAGE_HEIGHT - MARGIN

    for kind, text in _blocks(source):
        lines, size, leading, gap, indent = _layout(kind, text)
        y -= gap
        if y - leading * len(lines) < MARGIN:
            pages.append([])
            y = PAGE_HEIGHT - MARGIN
        if kind == "item":
            pages[-1].append(f"0.8 w {MARGIN} {y - leading + 3} 8 8 re S")
        font = "F2" if kind in ("title", "heading") else "F1"
        for line in lines:
            y -= leading
            pages[-1].append(
                f"BT /{font} {size} Tf {MARGIN + indent} {y} Td {_pdf_text(line)} Tj ET"
            )
    return _pdf_file(["\n".join(page).encode("cp1252") for page in pages])


def _blocks(source: str) -> list[tuple[str, str]]:
    blocks = []
    for raw in source.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            blocks.append(("heading", line[3:]))
        elif line.startswith("# "):
            blocks.append(("title", line[2:]))
        elif line.startswith("- "):
            blocks.append(("item", line[2:]))
        elif line:
            blocks.append(("paragraph", line))
    return blocks


def _layout(kind: str, text: str) -> tuple[list[str], float, float, float, float]:
    """Return (lines, font size, leading, space above, indent) for a block."""
    if kind == "title":
        return [text], 20, 26, 0, 0
    if kind == "heading":
        return [text], 13, 17, 14, 0
    if kind == "item":
        return textwrap.wrap(text, WRAP_COLUMNS - 4), 11, 15, 4, 16
    return textwrap.wrap(text, WRAP_COLUMNS), 11, 15, 6, 0


def _pdf_text(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})"


def _pdf_file(streams: list[bytes]) -> bytes:
    first_page = 5
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(streams)))
    fonts = "/Font << /F1 3 0 R /F2 4 0 R >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(streams)} >>".encode(),
        _font("Helvetica"),
        _font("Helvetica-Bold"),
    ]
    for index, stream in enumerate(streams):
        contents = first_page + 2 * index + 1
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}]"
            f" /Resources << {fonts} >> /Contents {contents} 0 R >>".encode()
        )
        objects.append(
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        )

    # The cross-reference table lists each object's byte offset, so the
    # file is assembled in one buffer while counting.
    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    output += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    output += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(output)


def _font(name: str) -> bytes:
    return (
        f"<< /Type /Font /Subtype /Type1 /BaseFont /{name}"
        " /Encoding /WinAnsiEncoding >>"
    ).encode()
