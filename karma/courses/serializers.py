"""The shapes of courses, modules and lessons in the API. Rules stay in
services.py: these only say which fields exist and what type they have."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from karma.courses.models import (
    Course,
    CourseStatus,
    EnrollmentType,
    Lesson,
    LessonType,
    Module,
    Visibility,
)
from karma.courses.services import CATEGORY_MAX_LENGTH, MAX_MINUTES, TITLE_MAX_LENGTH
from karma.web.mail import site_url

PUBLIC_ID_MAX_LENGTH = 32
SEARCH_MAX_LENGTH = 200

_NAMED_CHOICE_FIELDS: dict[str, type[serializers.ChoiceField]] = {}


def named_choices(name: str, choices: Any, **kwargs: Any) -> serializers.ChoiceField:
    """A ChoiceField whose values the schema names `name`.

    Several resources have a `status` (or `source`) with values of their
    own; named, each set keeps one clear name in the schema instead of one
    made from a hash.
    """
    field_class = _NAMED_CHOICE_FIELDS.get(name)
    if field_class is None:
        schema = {"type": "string", "enum": [value for value, _ in choices]}
        field_class = extend_schema_field(schema, component_name=name)(
            type(f"{name}Field", (serializers.ChoiceField,), {})
        )
        _NAMED_CHOICE_FIELDS[name] = field_class
    return field_class(choices=choices, **kwargs)


def _minutes(**kwargs: object) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_MINUTES,
        allow_null=True,
        help_text=f"Whole minutes from 1 to {MAX_MINUTES}, or null for none.",
        **kwargs,
    )


def _public_ids(help_text: str, **kwargs: object) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=PUBLIC_ID_MAX_LENGTH),
        help_text=help_text,
        **kwargs,
    )


# --- Courses ------------------------------------------------------------------


class CourseSerializer(serializers.ModelSerializer):
    """A course as read. The view reads it through selectors.with_course_facts,
    which brings the instructors, prerequisites and enrollment count along."""

    id = serializers.CharField(source="public_id")
    status = named_choices("CourseStatus", CourseStatus.choices)
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    enrollment_type = serializers.ChoiceField(choices=EnrollmentType.choices)
    instructor_id = serializers.CharField(
        source="owner.public_id", help_text="The owner's user id."
    )
    instructor_ids = serializers.SerializerMethodField(
        help_text="The owner first, then the added instructors."
    )
    prerequisite_ids = serializers.SerializerMethodField()
    enrollment_count = serializers.IntegerField(help_text="Active enrollments.")
    cover_url = serializers.SerializerMethodField(
        help_text="The cover image, served after a permission check; null "
        "when the course has none."
    )

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "description",
            "category",
            "status",
            "visibility",
            "enrollment_type",
            "instructor_id",
            "instructor_ids",
            "prerequisite_ids",
            "estimated_minutes",
            "enrollment_count",
            "require_passing_quizzes",
            "certificate_enabled",
            "created_at",
            "updated_at",
            "published_at",
            "cover_url",
        ]
        read_only_fields = fields

    def get_instructor_ids(self, course: Course) -> list[str]:
        added = [link.instructor.public_id for link in course.instructor_links.all()]
        return [course.owner.public_id, *added]

    def get_prerequisite_ids(self, course: Course) -> list[str]:
        return [required.public_id for required in course.prerequisites.all()]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_cover_url(self, course: Course) -> str | None:
        if not course.cover:
            return None
        return site_url(reverse("courses:course_cover", args=[course.public_id]))


class CourseListQuerySerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SEARCH_MAX_LENGTH,
        help_text="Part of the title, description or category.",
    )
    category = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=CATEGORY_MAX_LENGTH,
        help_text="The whole category, in any case.",
    )
    status = named_choices("CourseStatus", CourseStatus.choices, required=False)


class CourseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )
    category = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=CATEGORY_MAX_LENGTH,
        help_text="Free text, matched case-insensitively.",
    )
    estimated_minutes = _minutes(required=False)
    cover = serializers.FileField(
        required=False,
        allow_empty_file=True,
        help_text="Multipart only: a JPEG, PNG, GIF or WebP image, resized "
        "to fit 1280×720.",
    )


class CourseUpdateSerializer(CourseCreateSerializer):
    """Any subset of the details, the settings and the status."""

    title = serializers.CharField(max_length=TITLE_MAX_LENGTH, required=False)
    status = named_choices(
        "CourseStatus",
        CourseStatus.choices,
        required=False,
        help_text="published publishes (the course needs a module with a "
        "lesson); draft hides it from learners again.",
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    enrollment_type = serializers.ChoiceField(
        choices=EnrollmentType.choices, required=False
    )
    prerequisite_ids = _public_ids(
        "The whole new list of prerequisite course ids; a cycle is refused.",
        required=False,
        allow_empty=True,
    )
    require_passing_quizzes = serializers.BooleanField(required=False)
    certificate_enabled = serializers.BooleanField(required=False)


class InstructorAddSerializer(serializers.Serializer):
    user_id = serializers.CharField(
        max_length=PUBLIC_ID_MAX_LENGTH,
        help_text="An active instructor or admin (`usr_...`).",
    )


class DeletedSerializer(serializers.Serializer):
    id = serializers.CharField()
    deleted = serializers.BooleanField()


# --- Modules ------------------------------------------------------------------


class ModuleSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    course_id = serializers.CharField(source="course.public_id")

    class Meta:
        model = Module
        fields = ["id", "course_id", "name", "description", "position"]
        read_only_fields = fields


class ModuleWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )


class ModuleOrderSerializer(serializers.Serializer):
    module_ids = _public_ids(
        "Module ids of this course in their new order; modules left out "
        "keep their relative order after the ones listed.",
        allow_empty=False,
    )


# --- Lessons ------------------------------------------------------------------


class LessonSerializer(serializers.ModelSerializer):
    """A lesson as read; the view loads lessons with their course and module."""

    id = serializers.CharField(source="public_id")
    course_id = serializers.CharField(source="course.public_id")
    module_id = serializers.CharField(source="module.public_id")
    type = serializers.ChoiceField(choices=LessonType.choices)
    content = serializers.SerializerMethodField(
        help_text="Sanitised HTML for a text lesson, the link of a linked "
        "video, null otherwise, and null in a module's list for someone who "
        "may see the course but not open its lessons (not enrolled)."
    )
    file = serializers.SerializerMethodField(
        help_text="Where to download an uploaded video or document (the "
        "download checks the viewer may open the course's lessons); null "
        "otherwise, as for `content`."
    )

    class Meta:
        model = Lesson
        fields = [
            "id",
            "course_id",
            "module_id",
            "title",
            "type",
            "content",
            "file",
            "file_name",
            "required",
            "manual_completion",
            "position",
            "estimated_minutes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _opens_lessons(self) -> bool:
        # A course's outline is shown to anyone who may see the course; what
        # its lessons hold only to its staff and enrolled learners. The view
        # that lists an outline says which one the viewer is.
        return self.context.get("opens_lessons", True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_content(self, lesson: Lesson) -> str | None:
        if not self._opens_lessons():
            return None
        if lesson.type == LessonType.TEXT:
            return lesson.body
        if lesson.type == LessonType.VIDEO and lesson.video_url:
            return lesson.video_url
        return None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file(self, lesson: Lesson) -> str | None:
        if not lesson.file or not self._opens_lessons():
            return None
        path = reverse(
            "courses:lesson_file", args=[lesson.course.public_id, lesson.public_id]
        )
        return site_url(path)


class LessonWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    type = serializers.ChoiceField(
        choices=LessonType.choices, help_text="Fixed once the lesson exists."
    )
    content = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Text lessons: HTML, sanitised when stored (scripts, styles "
        "and event handlers are removed). Videos: a link to the video, "
        "instead of uploading a file.",
    )
    file = serializers.FileField(
        required=False,
        allow_empty_file=True,
        help_text="Multipart only: a PDF for a document, an MP4, WebM or Ogg "
        "file for a video. Checked on its content, not its name.",
    )
    estimated_minutes = _minutes(required=False)
    required = serializers.BooleanField(
        default=True, help_text="Counts toward completion (default true)."
    )
    manual_completion = serializers.BooleanField(
        default=False,
        help_text="The learner marks it complete instead of the type's rule.",
    )


class LessonOrderSerializer(serializers.Serializer):
    lesson_ids = _public_ids(
        "Lesson ids in their new order. A lesson of another module of the "
        "same course moves into this module.",
        allow_empty=False,
    )
