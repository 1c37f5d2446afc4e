"""Courses, their modules and lessons, and who teaches them."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from karma.lib.public_ids import new_public_id


class CourseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    HIDDEN = "hidden", "Hidden"
    ARCHIVED = "archived", "Archived"


class EnrollmentType(models.TextChoices):
    OPEN = "open", "Open"
    INVITE_ONLY = "invite_only", "Invite only"


class CourseQuerySet(models.QuerySet):
    def published(self) -> CourseQuerySet:
        return self.filter(status=CourseStatus.PUBLISHED)

    def in_catalog(self) -> CourseQuerySet:
        return self.published().filter(visibility=Visibility.PUBLIC)

    def taught_by(self, user: object) -> CourseQuerySet:
        """Courses `user` owns or was added to as an instructor."""
        return self.filter(
            models.Q(owner=user) | models.Q(instructor_links__instructor=user)
        ).distinct()


class Course(models.Model):
    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "crs"),
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # Free text; the catalog matches it case-insensitively.
    category = models.CharField(max_length=100, blank=True, default="")
    cover = models.ImageField(upload_to="courses/covers/", blank=True)
    estimated_minutes = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=CourseStatus.choices, default=CourseStatus.DRAFT
    )
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    enrollment_type = models.CharField(
        max_length=20, choices=EnrollmentType.choices, default=EnrollmentType.OPEN
    )
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="required_by"
    )
    # Completion rule: with this on, a quiz counts only once passed.
    require_passing_quizzes = models.BooleanField(default=False)
    certificate_enabled = models.BooleanField(default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_courses"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["status", "visibility"], name="courses_catalog_idx"),
            models.Index(Lower("category"), name="courses_category_ci_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED

    @property
    def is_archived(self) -> bool:
        return self.visibility == Visibility.ARCHIVED


class CourseInstructor(models.Model):
    """An instructor added to a course besides its owner."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="instructor_links"
    )
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_links"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "instructor"], name="courses_instructor_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instructor_id} teaches {self.course_id}"


class Module(models.Model):
    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "mod"),
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["course", "position"], name="courses_module_pos")
        ]

    def __str__(self) -> str:
        return self.name


class LessonType(models.TextChoices):
    VIDEO = "video", "Video"
    TEXT = "text", "Text"
    DOCUMENT = "document", "Document"
    QUIZ = "quiz", "Quiz"


class Lesson(models.Model):
    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "les"),
    )
    # Kept beside the module so every lookup can be scoped to the course in
    # one indexed query; services keep the two in step.
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=LessonType.choices)
    # Sanitised HTML for text lessons; empty for the other types.
    body = models.TextField(blank=True, default="")
    # A linked video; uploaded videos and documents use `file`.
    video_url = models.URLField(max_length=500, blank=True, default="")
    file = models.FileField(upload_to="courses/lessons/", blank=True)
    file_name = models.CharField(max_length=255, blank=True, default="")
    estimated_minutes = models.PositiveIntegerField(null=True, blank=True)
    required = models.BooleanField(default=True)
    # The learner clicks "Mark complete" instead of the type's own rule.
    manual_completion = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["module", "position"], name="courses_lesson_pos")
        ]

    def __str__(self) -> str:
        return self.title
