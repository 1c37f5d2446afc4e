"""Forms of the course authoring pages.

They check the shape of the input (lengths, numbers, known choices); the
course rules (a title after trimming, no prerequisite cycle, what an upload
really is) stay in services, and the views put a service's CourseError
back on the field it names.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet

from karma.courses.exceptions import CourseError
from karma.courses.models import (
    Course,
    CourseStatus,
    EnrollmentType,
    Lesson,
    LessonType,
    Visibility,
)
from karma.courses.services import (
    CATEGORY_MAX_LENGTH,
    MAX_MINUTES,
    TITLE_MAX_LENGTH,
    CourseDetails,
    LessonInput,
)

COVER_TYPES = "image/jpeg,image/png,image/gif,image/webp"
VIDEO_TYPES = "video/mp4,video/webm,video/ogg"
SEARCH_MAX_LENGTH = 200


class CourseForm(forms.Form):
    """A form of these pages: Bootstrap classes, errors tied to their input.

    An invalid input names its error text in aria-describedby, so a screen
    reader reads the error along with the label.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", _css_class(field.widget))

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self._errors:
            if name not in self.fields:
                continue
            bound = self[name]
            attrs = self.fields[name].widget.attrs
            if "is-invalid" not in attrs["class"]:
                attrs["class"] += " is-invalid"
            described_by = [f"{bound.auto_id}_error"]
            if bound.help_text:
                described_by.append(f"{bound.auto_id}_helptext")
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = " ".join(described_by)

    def add_course_error(self, error: CourseError) -> None:
        """Put a service's refusal on the field it names, or on the form."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


def _css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


def _minutes_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=MAX_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


# --- The Courses list --------------------------------------------------------


class CourseListFilterForm(forms.Form):
    """The query string of the Courses list; bad values fall back to none."""

    q = forms.CharField(
        label="Search courses", required=False, max_length=SEARCH_MAX_LENGTH
    )
    category = forms.ChoiceField(label="Category", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *CourseStatus.choices],
    )

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any category")] + [
            (category, category) for category in categories
        ]
        self.fields["q"].widget.attrs.update(
            {"type": "search", "class": "form-control", "autocomplete": "off"}
        )
        for name in ("category", "status"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def filters(self) -> dict[str, str]:
        """Return the selector's keyword arguments; invalid parts are ignored."""
        self.is_valid()
        return {
            "search": self.cleaned_data.get("q") or "",
            "category": self.cleaned_data.get("category") or "",
            "status": self.cleaned_data.get("status") or "",
        }


# --- Course details and settings ---------------------------------------------


class CourseDetailsForm(CourseForm):
    """Create Course and the Details tab."""

    title = forms.CharField(label="Title", max_length=TITLE_MAX_LENGTH)
    description = forms.CharField(
        label="Description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Shown on the course's card in the catalog.",
    )
    category = forms.CharField(
        label="Category",
        required=False,
        max_length=CATEGORY_MAX_LENGTH,
        help_text="Courses with the same category are grouped in the catalog.",
    )
    estimated_minutes = _minutes_field("Estimated duration (minutes)")
    cover = forms.FileField(
        label="Cover image",
        required=False,
        widget=forms.FileInput(attrs={"accept": COVER_TYPES}),
    )

    def __init__(
        self, *args: Any, categories: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories or []
        if self.categories:
            self.fields["category"].widget.attrs["list"] = "category-suggestions"
        self.fields["cover"].help_text = (
            f"JPEG, PNG, GIF or WebP, up to {settings.KARMA_COVER_MAX_MB} MB."
            " It is resized to fit 1280 × 720."
        )

    def details(self) -> CourseDetails:
        data = self.cleaned_data
        return CourseDetails(
            title=data["title"],
            description=data["description"],
            category=data["category"],
            estimated_minutes=data["estimated_minutes"],
        )

    @classmethod
    def initial_for(cls, course: Course) -> dict[str, Any]:
        return {
            "title": course.title,
            "description": course.description,
            "category": course.category,
            "estimated_minutes": course.estimated_minutes,
        }


class CourseSettingsForm(CourseForm):
    enrollment_type = forms.ChoiceField(
        label="Enrollment",
        choices=EnrollmentType.choices,
        help_text="Open: learners enroll themselves. Invite only: staff enroll them.",
    )
    visibility = forms.ChoiceField(
        label="Visibility",
        choices=Visibility.choices,
        help_text=(
            "Public courses are listed in the catalog; hidden ones open only by"
            " their link; archived ones take no new enrollments."
        ),
    )
    prerequisites = forms.ModelMultipleChoiceField(
        label="Prerequisites",
        required=False,
        queryset=Course.objects.none(),
        to_field_name="public_id",
        error_messages={"invalid_choice": "Choose courses from the list."},
        help_text=(
            "Courses a learner must complete first. Hold Ctrl (⌘ on a Mac) to"
            " choose several."
        ),
    )
    require_passing_quizzes = forms.BooleanField(
        label="Quizzes count only once passed",
        required=False,
        help_text="With this on, a learner completes the course only by passing"
        " its quizzes.",
    )
    certificate_enabled = forms.BooleanField(
        label="Issue a certificate on completion", required=False
    )

    def __init__(self, *args: Any, choices: QuerySet[Course], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        prerequisites = self.fields["prerequisites"]
        prerequisites.queryset = choices
        prerequisites.widget.attrs["size"] = min(max(choices.count(), 3), 10)

    @classmethod
    def initial_for(cls, course: Course) -> dict[str, Any]:
        return {
            "enrollment_type": course.enrollment_type,
            "visibility": course.visibility,
            "prerequisites": list(course.prerequisites.all()),
            "require_passing_quizzes": course.require_passing_quizzes,
            "certificate_enabled": course.certificate_enabled,
        }


# --- Instructors -------------------------------------------------------------


class InstructorSearchForm(forms.Form):
    q = forms.CharField(
        label="Find an instructor or admin by name or email",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"type": "search", "class": "form-control", "autocomplete": "off"}
        )

    def search(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("q") or ""


class InstructorActionForm(forms.Form):
    """Add or remove the person named by public id."""

    ADD = "add"
    REMOVE = "remove"

    action = forms.ChoiceField(choices=[(ADD, "Add"), (REMOVE, "Remove")])
    instructor = forms.CharField(max_length=32)


# --- Modules and lessons -----------------------------------------------------


class ModuleForm(CourseForm):
    name = forms.CharField(label="Module name", max_length=TITLE_MAX_LENGTH)
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Several module forms share the editor page; a prefix keeps each
        # input's id unique while the field names stay plain.
        if self.prefix:
            self.auto_id = f"id_{self.prefix}_%s"
            self.prefix = None


class NewModuleForm(ModuleForm):
    """The editor's "Add a module" form, labelled apart from the rename forms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="new_module", **kwargs)
        self.fields["name"].label = "Name of the new module"


class LessonForm(CourseForm):
    """Add or edit a lesson.

    A new lesson's type is chosen on the same page, so the page carries the
    inputs of every type (the editor script shows the chosen type's only);
    editing keeps the type, so the form keeps only that type's inputs.
    """

    # The service names an upload problem "file"; each type has its input.
    FILE_FIELDS = {LessonType.VIDEO: "video_file", LessonType.DOCUMENT: "document_file"}
    TYPE_FIELDS = {
        LessonType.VIDEO: {"video_file", "video_url"},
        LessonType.TEXT: {"body"},
        LessonType.DOCUMENT: {"document_file"},
        LessonType.QUIZ: set(),
    }

    title = forms.CharField(label="Title", max_length=TITLE_MAX_LENGTH)
    type = forms.ChoiceField(label="Type", choices=LessonType.choices)
    estimated_minutes = _minutes_field("Estimated duration (minutes)")
    required = forms.BooleanField(
        label="Required to complete the course", required=False, initial=True
    )
    manual_completion = forms.BooleanField(
        label="Learners mark it complete themselves",
        required=False,
        help_text="Instead of the type's own rule (watching, reading, passing).",
    )
    video_file = forms.FileField(
        label="Video file", required=False, widget=forms.FileInput
    )
    video_url = forms.CharField(
        label="Or a link to the video",
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text="A web address starting with http:// or https://.",
    )
    body = forms.CharField(
        label="Lesson text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "data-rich-text": ""}),
        help_text=(
            "Format with the toolbar (or write HTML where scripts are off)."
            " Paragraphs, headings, lists, links, images and tables are kept;"
            " scripts, styles and event handlers are removed."
        ),
    )
    document_file = forms.FileField(
        label="PDF document", required=False, widget=forms.FileInput
    )

    def __init__(
        self, *args: Any, lesson_type: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lesson_type = lesson_type
        self._describe_uploads()
        if lesson_type is None:
            return
        del self.fields["type"]
        others = set().union(*self.TYPE_FIELDS.values()) - self.TYPE_FIELDS[lesson_type]
        for name in others:
            del self.fields[name]

    def _describe_uploads(self) -> None:
        # Limits are read per form, not at import, so settings can change.
        video = self.fields["video_file"]
        video.widget.attrs["accept"] = VIDEO_TYPES
        video.help_text = f"MP4, WebM or Ogg, up to {settings.KARMA_VIDEO_MAX_MB} MB."
        document = self.fields["document_file"]
        document.widget.attrs["accept"] = "application/pdf"
        document.help_text = f"Up to {settings.KARMA_DOCUMENT_MAX_MB} MB."

    def chosen_type(self) -> str:
        if self.lesson_type is not None:
            return self.lesson_type
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get("type") or self.data.get("type", "")

    def lesson_input(self) -> LessonInput:
        data = self.cleaned_data
        lesson_type = self.chosen_type()
        file_field = self.FILE_FIELDS.get(lesson_type)
        return LessonInput(
            title=data["title"],
            type=lesson_type,
            body=data.get("body", ""),
            video_url=data.get("video_url", ""),
            file=data.get(file_field) if file_field else None,
            estimated_minutes=data["estimated_minutes"],
            required=data["required"],
            manual_completion=data["manual_completion"],
        )

    def add_course_error(self, error: CourseError) -> None:
        if error.field == "file":
            field = self.FILE_FIELDS.get(self.chosen_type())
            self.add_error(field if field in self.fields else None, error.message)
            return
        super().add_course_error(error)

    @classmethod
    def initial_for(cls, lesson: Lesson) -> dict[str, Any]:
        return {
            "title": lesson.title,
            "estimated_minutes": lesson.estimated_minutes,
            "required": lesson.required,
            "manual_completion": lesson.manual_completion,
            "body": lesson.body,
            "video_url": lesson.video_url,
        }


class MoveForm(forms.Form):
    """One step up or down: the keyboard alternative to dragging."""

    offset = forms.TypedChoiceField(
        choices=[("-1", "Up"), ("1", "Down")], coerce=int, empty_value=None
    )


class OrderForm(forms.Form):
    """A new order, as the public ids in order (repeated `ids` parameters)."""

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.ids = [str(value) for value in data.getlist("ids") if value]

    def clean(self) -> dict[str, Any]:
        if not self.ids:
            raise forms.ValidationError("Send the new order.")
        if len(self.ids) > 1000:
            raise forms.ValidationError("That order is too long.")
        return super().clean()
