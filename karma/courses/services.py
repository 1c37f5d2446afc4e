"""Course authoring: courses, settings, instructors, modules and lessons.

Pages, the API and commands call these. Each guards its rule and raises
CourseError with the field at fault; reordering takes a row lock on the
course so two editors at once still leave one consistent order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import nh3
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from karma.accounts.models import Role, User
from karma.courses import uploads
from karma.courses.exceptions import CourseError
from karma.courses.models import (
    Course,
    CourseInstructor,
    CourseStatus,
    EnrollmentType,
    Lesson,
    LessonType,
    Module,
    Visibility,
)
from karma.learning.services.certificates import issue_missing_certificates
from karma.learning.services.progress import recompute_course

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = 200
CATEGORY_MAX_LENGTH = 100
MAX_MINUTES = 100_000

# What a text lesson may contain: structure and emphasis, links, images and
# tables; never scripts, styles, frames or event handlers.
TEXT_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "b", "i", "u", "s",
    "blockquote", "code", "pre", "ul", "ol", "li", "a", "img", "figure",
    "figcaption", "table", "thead", "tbody", "tr", "th", "td", "span", "sub", "sup",
}  # fmt: skip
TEXT_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}


@dataclass(frozen=True)
class CourseDetails:
    title: str
    description: str = ""
    category: str = ""
    estimated_minutes: int | None = None


# --- Input checks -----------------------------------------------------------


def clean_title(raw: str, *, field: str = "title") -> str:
    title = " ".join((raw or "").split())
    if not title:
        raise CourseError("This field is required.", field=field)
    if len(title) > TITLE_MAX_LENGTH:
        raise CourseError(f"Use at most {TITLE_MAX_LENGTH} characters.", field=field)
    return title


def clean_category(raw: str) -> str:
    category = " ".join((raw or "").split())
    if len(category) > CATEGORY_MAX_LENGTH:
        raise CourseError(
            f"Use at most {CATEGORY_MAX_LENGTH} characters.", field="category"
        )
    return category


def clean_minutes(raw: object, *, field: str = "estimated_minutes") -> int | None:
    if raw in (None, ""):
        return None
    try:
        minutes = int(raw)
    except (TypeError, ValueError) as error:
        raise CourseError("Enter a whole number of minutes.", field=field) from error
    if not 0 < minutes <= MAX_MINUTES:
        raise CourseError(
            f"Enter a number of minutes from 1 to {MAX_MINUTES}.", field=field
        )
    return minutes


def sanitise_text(html: str) -> str:
    """Return lesson HTML with everything that could run removed."""
    return nh3.clean(
        html or "",
        tags=TEXT_TAGS,
        attributes=TEXT_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def _check_choice(value: str, choices: Iterable[str], field: str) -> str:
    choices = list(choices)
    if value not in choices:
        raise CourseError(f"Choose one of: {', '.join(choices)}.", field=field)
    return value


# --- Courses ----------------------------------------------------------------


def create_course(
    *, owner: User, details: CourseDetails, cover: UploadedFile | None = None
) -> Course:
    """Create a draft course owned by `owner` (an instructor or admin)."""
    if owner.role not in (Role.ADMIN, Role.INSTRUCTOR):
        raise CourseError("Only instructors and admins create courses.")

    course = Course(owner=owner)
    _apply_details(course, details)
    if cover is not None:
        course.cover.save(
            uploads.cover_name(), uploads.prepare_cover(cover), save=False
        )
    course.save()

    logger.info("course created", extra={"course_id": course.public_id})
    return course


def update_course(
    *, course: Course, details: CourseDetails, cover: UploadedFile | None = None
) -> Course:
    _apply_details(course, details)
    old_cover = course.cover.name if cover is not None else ""
    if cover is not None:
        course.cover.save(
            uploads.cover_name(), uploads.prepare_cover(cover), save=False
        )
    course.save()
    if old_cover:
        course.cover.storage.delete(old_cover)
    return course


def _apply_details(course: Course, details: CourseDetails) -> None:
    course.title = clean_title(details.title)
    course.description = (details.description or "").strip()
    course.category = _canonical_category(clean_category(details.category), course)
    course.estimated_minutes = clean_minutes(details.estimated_minutes)


def _canonical_category(category: str, course: Course) -> str:
    """Return the spelling an existing course already uses for `category`.

    Categories are matched case-insensitively, so "compliance" typed today
    joins the "Compliance" of last year instead of showing a second badge.
    """
    if not category:
        return category
    existing = (
        Course.objects.exclude(pk=course.pk)
        .filter(category__iexact=category)
        .order_by("created_at", "id")
        .values_list("category", flat=True)
        .first()
    )
    return existing or category


def update_settings(
    *,
    course: Course,
    enrollment_type: str,
    visibility: str,
    prerequisites: Sequence[Course],
    require_passing_quizzes: bool,
    certificate_enabled: bool,
) -> Course:
    """Save the Settings tab. A prerequisite cycle is refused, naming it."""
    _check_choice(enrollment_type, EnrollmentType.values, "enrollment_type")
    _check_choice(visibility, Visibility.values, "visibility")

    with transaction.atomic():
        _serialise_prerequisite_edits()
        _lock(course)
        _check_prerequisites(course, prerequisites)
        was_passing, had_certificate = _stored_rules(course)
        course.enrollment_type = enrollment_type
        course.visibility = visibility
        course.require_passing_quizzes = require_passing_quizzes
        course.certificate_enabled = certificate_enabled
        course.save()
        course.prerequisites.set(prerequisites)
        if was_passing != require_passing_quizzes:
            # A quiz failed but submitted counts, or stops counting.
            recompute_course(course=course)
        if certificate_enabled and not had_certificate:
            issue_missing_certificates(course=course)

    logger.info("course settings saved", extra={"course_id": course.public_id})
    return course


def _stored_rules(course: Course) -> tuple[bool, bool]:
    """The completion settings as saved, whatever the caller set on `course`."""
    return (
        Course.objects.filter(pk=course.pk)
        .values_list("require_passing_quizzes", "certificate_enabled")
        .get()
    )


# Any advisory lock key unused elsewhere in Karma; "KARM" in ASCII.
_PREREQUISITE_LOCK_KEY = 0x4B41524D


def _serialise_prerequisite_edits() -> None:
    """Let one prerequisite edit at a time check for cycles and save.

    Two edits can close a cycle between them while touching no course in
    common (A→B by one editor, C→D by another, with B→C and D→A already
    there), so locking the edited course's row is not enough: the whole
    graph is locked. PostgreSQL takes an advisory lock for the transaction;
    SQLite's IMMEDIATE transactions already admit one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PREREQUISITE_LOCK_KEY])


def _check_prerequisites(course: Course, prerequisites: Sequence[Course]) -> None:
    for required in prerequisites:
        if required.pk == course.pk:
            raise CourseError(
                "A course cannot be its own prerequisite.", field="prerequisites"
            )
        path = _prerequisite_path(start=required, goal=course)
        if path:
            names = " → ".join(c.title for c in [course, *path])
            raise CourseError(
                f"That would make a cycle: {names}.", field="prerequisites"
            )


def _prerequisite_path(*, start: Course, goal: Course) -> list[Course]:
    """Return the chain start → … → goal along prerequisites, or []."""
    edges: dict[int, list[int]] = {}
    for course_id, required_id in Course.prerequisites.through.objects.values_list(
        "from_course_id", "to_course_id"
    ):
        edges.setdefault(course_id, []).append(required_id)

    came_from: dict[int, int | None] = {start.pk: None}
    queue = [start.pk]
    while queue:
        current = queue.pop(0)
        if current == goal.pk:
            chain = []
            while current is not None:
                chain.append(current)
                current = came_from[current]
            titles = Course.objects.in_bulk(chain)
            return [titles[pk] for pk in reversed(chain)]
        for nxt in edges.get(current, []):
            if nxt not in came_from:
                came_from[nxt] = current
                queue.append(nxt)
    return []


def publish_course(*, course: Course) -> Course:
    """Publish: learners may see it (in the catalog when public)."""
    if not course.modules.exists() or not course.lessons.exists():
        raise CourseError("Add at least one module with a lesson before publishing.")
    course.status = CourseStatus.PUBLISHED
    course.published_at = course.published_at or timezone.now()
    course.save(update_fields=["status", "published_at", "updated_at"])
    logger.info("course published", extra={"course_id": course.public_id})
    return course


def save_as_draft(*, course: Course) -> Course:
    """Take a course back to draft: learners no longer see it."""
    course.status = CourseStatus.DRAFT
    course.save(update_fields=["status", "updated_at"])
    logger.info("course set to draft", extra={"course_id": course.public_id})
    return course


def delete_course(*, course: Course) -> None:
    """Delete a course with its modules, lessons and files.

    Refused (CourseError) once anyone was ever enrolled: their records and
    progress must stay, so such a course is archived instead.
    """
    if course.enrollments.exists():
        raise CourseError(
            "Learners have enrolled in this course, so it cannot be deleted. "
            "Archive it instead: it takes no new enrollments and keeps their "
            "records."
        )
    files = [lesson.file.name for lesson in course.lessons.all() if lesson.file]
    if course.cover:
        files.append(course.cover.name)
    storage = Lesson._meta.get_field("file").storage

    with transaction.atomic():
        course.prerequisites.clear()
        course.required_by.clear()
        course.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in files])


# --- Instructors -------------------------------------------------------------


def add_instructor(*, course: Course, instructor: User, added_by: User) -> None:
    if instructor.role not in (Role.INSTRUCTOR, Role.ADMIN) or not instructor.is_active:
        raise CourseError(
            "Only active instructors or admins can teach a course.", field="instructor"
        )
    if instructor.pk == course.owner_id:
        raise CourseError("The owner already teaches this course.", field="instructor")

    _, created = CourseInstructor.objects.get_or_create(
        course=course, instructor=instructor, defaults={"added_by": added_by}
    )
    if not created:
        raise CourseError("Already an instructor of this course.", field="instructor")
    logger.info("instructor added", extra={"course_id": course.public_id})


def remove_instructor(*, course: Course, instructor: User) -> None:
    removed, _ = CourseInstructor.objects.filter(
        course=course, instructor=instructor
    ).delete()
    if not removed:
        raise CourseError("Not an added instructor of this course.")
    logger.info("instructor removed", extra={"course_id": course.public_id})


# --- Modules -----------------------------------------------------------------


def add_module(*, course: Course, name: str, description: str = "") -> Module:
    name = clean_title(name, field="name")
    with transaction.atomic():
        _lock(course)
        last = course.modules.aggregate(last=Max("position"))["last"]
        return Module.objects.create(
            course=course,
            name=name,
            description=(description or "").strip(),
            position=0 if last is None else last + 1,
        )


def update_module(*, module: Module, name: str, description: str = "") -> Module:
    module.name = clean_title(name, field="name")
    module.description = (description or "").strip()
    module.save(update_fields=["name", "description"])
    return module


def delete_module(*, module: Module) -> None:
    lessons = list(module.lessons.all())
    files = [lesson.file.name for lesson in lessons if lesson.file]
    storage = Lesson._meta.get_field("file").storage
    with transaction.atomic():
        _lock(module.course)
        module.delete()
        _renumber(module.course.modules.all())
        if any(lesson.required for lesson in lessons):
            recompute_course(course=module.course)
        transaction.on_commit(lambda: [storage.delete(name) for name in files])


def reorder_modules(*, course: Course, module_ids: Sequence[str]) -> list[Module]:
    """Put the course's modules in the order of `module_ids` (public ids).

    Ids of other courses are refused; modules missing from the list (added
    meanwhile by another editor) keep their relative order at the end.
    """
    with transaction.atomic():
        _lock(course)
        modules = list(course.modules.all())
        ordered = _apply_order(modules, module_ids, field="modules")
        _renumber(ordered)
    return ordered


# --- Lessons -----------------------------------------------------------------


@dataclass(frozen=True)
class LessonInput:
    title: str
    type: str
    body: str = ""
    video_url: str = ""
    file: UploadedFile | None = None
    estimated_minutes: int | str | None = None
    required: bool = True
    manual_completion: bool = False


def add_lesson(*, module: Module, data: LessonInput) -> Lesson:
    lesson = Lesson(module=module, course_id=module.course_id)
    _apply_lesson(lesson, data, creating=True)
    with transaction.atomic():
        _lock(module.course)
        last = module.lessons.aggregate(last=Max("position"))["last"]
        lesson.position = 0 if last is None else last + 1
        lesson.save()
        if lesson.required:
            recompute_course(course=module.course)
    logger.info("lesson added", extra={"course_id": module.course.public_id})
    return lesson


def update_lesson(*, lesson: Lesson, data: LessonInput) -> Lesson:
    if data.type != lesson.type:
        raise CourseError("A lesson's type cannot change.", field="type")
    old_file = lesson.file.name if lesson.file else ""
    old_rule = (lesson.required, lesson.manual_completion)
    _apply_lesson(lesson, data, creating=False)
    with transaction.atomic():
        lesson.save()
        if (lesson.required, lesson.manual_completion) != old_rule:
            recompute_course(course=lesson.course)
    # Replaced by an upload, or dropped for a link: either way it is unused.
    if old_file and old_file != (lesson.file.name or ""):
        Lesson._meta.get_field("file").storage.delete(old_file)
    return lesson


def _apply_lesson(lesson: Lesson, data: LessonInput, *, creating: bool) -> None:
    lesson.title = clean_title(data.title)
    lesson.type = _check_choice(data.type, LessonType.values, "type")
    lesson.estimated_minutes = clean_minutes(data.estimated_minutes)
    lesson.required = bool(data.required)
    lesson.manual_completion = bool(data.manual_completion)
    lesson.body = sanitise_text(data.body) if lesson.type == LessonType.TEXT else ""

    if lesson.type == LessonType.VIDEO:
        _apply_video(lesson, data, creating=creating)
    elif lesson.type == LessonType.DOCUMENT:
        if data.file is not None:
            _store_file(lesson, data.file, uploads.check_document)
        elif creating or not lesson.file:
            raise CourseError("Upload a PDF document.", field="file")


def _apply_video(lesson: Lesson, data: LessonInput, *, creating: bool) -> None:
    url = (data.video_url or "").strip()
    if data.file is not None and url:
        raise CourseError("Upload a video or give a link, not both.", field="video_url")
    if data.file is not None:
        _store_file(lesson, data.file, uploads.check_video)
        lesson.video_url = ""
    elif url:
        lesson.video_url = uploads.check_video_url(url)
        lesson.file = None
        lesson.file_name = ""
    elif creating or not lesson.file:
        raise CourseError("Upload a video file or give a link to one.", field="file")


def _store_file(lesson: Lesson, upload: UploadedFile, check) -> None:
    extension = check(upload)
    lesson.file_name = uploads.display_name(upload.name)
    lesson.file.save(uploads.stored_name(extension), upload, save=False)


def delete_lesson(*, lesson: Lesson) -> None:
    name = lesson.file.name if lesson.file else ""
    storage = lesson.file.storage
    with transaction.atomic():
        _lock(lesson.course)
        lesson.delete()
        _renumber(lesson.module.lessons.all())
        if lesson.required:
            recompute_course(course=lesson.course)
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def reorder_lessons(*, module: Module, lesson_ids: Sequence[str]) -> list[Lesson]:
    """Order the lessons of `module` by `lesson_ids`; a lesson of another
    module of the same course is moved into this one; others are refused.
    """
    with transaction.atomic():
        _lock(module.course)
        wanted = list(
            Lesson.objects.filter(course_id=module.course_id, public_id__in=lesson_ids)
        )
        sources = {lesson.module_id for lesson in wanted} - {module.pk}
        for lesson in wanted:
            lesson.module = module
        current = {lesson.pk: lesson for lesson in module.lessons.all()}
        current.update({lesson.pk: lesson for lesson in wanted})
        ordered = _apply_order(list(current.values()), lesson_ids, field="lessons")
        _renumber(ordered, extra_fields=["module"])
        for source in Module.objects.filter(pk__in=sources):
            _renumber(source.lessons.all())
    return ordered


def move_lesson(*, lesson: Lesson, offset: int) -> bool:
    """Move a lesson up (-1) or down (+1) within its module (keyboard
    reorder). Return False when it is already at that end."""
    with transaction.atomic():
        _lock(lesson.course)
        # Read under the lock: another editor may have moved it meanwhile.
        current = Lesson.objects.select_related("module").filter(pk=lesson.pk).first()
        if current is None:
            return False
        ids = list(current.module.lessons.values_list("public_id", flat=True))
        if not _swap_and_apply(ids, current.public_id, offset):
            return False
        reorder_lessons(module=current.module, lesson_ids=ids)
    return True


def move_lesson_to_module(*, lesson: Lesson, module: Module) -> bool:
    """Move a lesson to the end of another module of its course (the
    keyboard's way of what dragging across modules does). Return False when
    it is already there."""
    if module.course_id != lesson.course_id:
        raise CourseError("Choose a module of this course.", field="module")
    with transaction.atomic():
        _lock(lesson.course)
        current = Lesson.objects.filter(pk=lesson.pk).first()
        if current is None or current.module_id == module.pk:
            return False
        ids = [*module.lessons.values_list("public_id", flat=True), current.public_id]
        reorder_lessons(module=module, lesson_ids=ids)
    return True


def move_module(*, module: Module, offset: int) -> bool:
    """Move a module up (-1) or down (+1) within its course. Return False
    when it is already at that end."""
    with transaction.atomic():
        _lock(module.course)
        ids = list(module.course.modules.values_list("public_id", flat=True))
        if module.public_id not in ids or not _swap_and_apply(
            ids, module.public_id, offset
        ):
            return False
        reorder_modules(course=module.course, module_ids=ids)
    return True


# --- Helpers ------------------------------------------------------------------


def _lock(course: Course) -> None:
    """Take the course's row lock: edits of its structure queue behind it."""
    Course.objects.select_for_update().filter(pk=course.pk).first()


def _apply_order(items: list, public_ids: Sequence[str], *, field: str) -> list:
    by_id = {item.public_id: item for item in items}
    unknown = [pid for pid in public_ids if pid not in by_id]
    if unknown:
        raise CourseError(f"Unknown {field} in the new order.", field=field)
    if len(set(public_ids)) != len(public_ids):
        raise CourseError(f"The new order names {field} twice.", field=field)

    listed = [by_id[pid] for pid in public_ids]
    rest = [item for item in items if item.public_id not in set(public_ids)]
    return listed + sorted(rest, key=lambda item: (item.position, item.pk))


def _renumber(items: Iterable, extra_fields: Sequence[str] = ()) -> None:
    items = list(items)
    for position, item in enumerate(items):
        item.position = position
    if items:
        type(items[0]).objects.bulk_update(items, ["position", *extra_fields])


def _swap_and_apply(ids: list[str], public_id: str, offset: int) -> bool:
    """Swap `public_id` with its neighbour at `offset` in place; False at an end."""
    index = ids.index(public_id)
    target = index + offset
    if not 0 <= target < len(ids):
        return False
    ids[index], ids[target] = ids[target], ids[index]
    return True
