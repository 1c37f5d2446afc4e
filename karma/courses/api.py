"""The courses, modules and lessons endpoints of the API (SPEC section 8).

The same permissions as the pages: admins everything, instructors the
courses they own or were added to, learners what they may see. Every module
and lesson is authorized through its own course; someone who may not know
a course exists gets 404, someone who can see it but not act gets 403.
Each view loads, authorizes, validates, calls services.py and answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from karma.accounts.selectors import get_user_by_public_id
from karma.api.parsers import JSON_OR_MULTIPART
from karma.api.permissions import IsAuthenticatedAndPasswordCurrent
from karma.courses import selectors, services
from karma.courses.exceptions import CourseError
from karma.courses.models import Course, CourseStatus, Lesson, LessonType, Module
from karma.courses.permissions import (
    can_create_course,
    can_delete_course,
    can_manage_course,
    can_manage_instructors,
    can_open_lessons,
    can_see_course,
)
from karma.courses.serializers import (
    CourseCreateSerializer,
    CourseListQuerySerializer,
    CourseSerializer,
    CourseUpdateSerializer,
    DeletedSerializer,
    InstructorAddSerializer,
    LessonOrderSerializer,
    LessonSerializer,
    LessonWriteSerializer,
    ModuleOrderSerializer,
    ModuleSerializer,
    ModuleWriteSerializer,
)
from karma.lib.public_ids import has_prefix

SIGNED_IN = [IsAuthenticatedAndPasswordCurrent]
NO_COURSE = "There is no course with this id."
NO_MODULE = "There is no module with this id."
NO_LESSON = "There is no lesson with this id."
NOT_MANAGER = "Only admins and this course's instructors can change it."
NOT_OWNER = "Only admins and the course's owner can do this."
NOT_ENROLLED = "Enroll in this course to open its lessons."

# Service field names -> the API's names for the same input.
API_FIELDS = {
    "prerequisites": "prerequisite_ids",
    "instructor": "user_id",
    "modules": "module_ids",
    "lessons": "lesson_ids",
    "video_url": "content",
    "body": "content",
}


def _path_id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, str, OpenApiParameter.PATH, description=f"The {what}'s id."
    )


COURSE_ID = _path_id("course_id", "course (`crs_...`)")
MODULE_ID = _path_id("module_id", "module (`mod_...`)")
LESSON_ID = _path_id("lesson_id", "lesson (`les_...`)")
USER_ID = _path_id("user_id", "instructor (`usr_...`)")
BOTH_FORMATS = ["application/json", "multipart/form-data"]


def _bodies(serializer: type) -> dict[str, type]:
    return {media_type: serializer for media_type in BOTH_FORMATS}


@contextmanager
def course_errors_as_422() -> Iterator[None]:
    """Turn a refusal of services.py into a 422 naming the API's field."""
    try:
        yield
    except CourseError as error:
        field = API_FIELDS.get(error.field or "", error.field)
        raise ValidationError(
            {field or api_settings.NON_FIELD_ERRORS_KEY: [error.message]}
        ) from error


# --- Loading through the course ------------------------------------------------


Predicate = Callable[[Any, Course], bool]


def authorize(
    user: Any, course: Course, may: Predicate, refusal: str, missing: str
) -> None:
    """Let `user` through when `may` allows; 403 with `refusal` when they can
    see the course but not act, 404 with `missing` when they may not know it."""
    if may(user, course):
        return
    if can_see_course(user, course):
        raise PermissionDenied(refusal)
    raise NotFound(missing)


def course_for(
    user: Any,
    public_id: str,
    may: Predicate = can_see_course,
    refusal: str = NOT_MANAGER,
) -> Course:
    course = None
    if has_prefix(public_id, "crs"):
        course = (
            Course.objects.select_related("owner").filter(public_id=public_id).first()
        )
    if course is None:
        raise NotFound(NO_COURSE)
    authorize(user, course, may, refusal, NO_COURSE)
    return course


def module_for(user: Any, public_id: str, may: Predicate = can_see_course) -> Module:
    module = None
    if has_prefix(public_id, "mod"):
        module = (
            Module.objects.select_related("course__owner")
            .filter(public_id=public_id)
            .first()
        )
    if module is None:
        raise NotFound(NO_MODULE)
    authorize(user, module.course, may, NOT_MANAGER, NO_MODULE)
    return module


def lesson_for(
    user: Any,
    public_id: str,
    may: Predicate = can_see_course,
    refusal: str = NOT_MANAGER,
) -> Lesson:
    lesson = None
    if has_prefix(public_id, "les"):
        lesson = (
            Lesson.objects.select_related("course__owner", "module")
            .filter(public_id=public_id)
            .first()
        )
    if lesson is None:
        raise NotFound(NO_LESSON)
    authorize(user, lesson.course, may, refusal, NO_LESSON)
    return lesson


def _course_body(course: Course) -> dict[str, Any]:
    return CourseSerializer(selectors.course_with_facts(course)).data


# --- Courses ------------------------------------------------------------------

TAGS = ["courses"]


class CourseListView(GenericAPIView):
    permission_classes = SIGNED_IN
    parser_classes = JSON_OR_MULTIPART

    @extend_schema(
        tags=TAGS,
        summary="List the courses you may see",
        description="Learners get the catalog (published public courses) and "
        "the published courses they are enrolled in; instructors also the "
        "courses they teach, drafts included; admins every course.",
        parameters=[CourseListQuerySerializer],
        responses=CourseSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = CourseListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)

        courses = selectors.courses_for_api_list(request.user, **query.validated_data)
        page = self.paginate_queryset(courses)
        return self.get_paginated_response(CourseSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Create a draft course (instructors and admins)",
        description="Send JSON, or multipart/form-data to include a `cover`.",
        request=_bodies(CourseCreateSerializer),
        responses={201: CourseSerializer},
    )
    def post(self, request: Request) -> Response:
        if not can_create_course(request.user):
            raise PermissionDenied("Only instructors and admins create courses.")
        form = CourseCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        cover = data.pop("cover", None)

        with course_errors_as_422():
            course = services.create_course(
                owner=request.user, details=services.CourseDetails(**data), cover=cover
            )
        return Response(_course_body(course), status=status.HTTP_201_CREATED)


class CourseDetailView(APIView):
    permission_classes = SIGNED_IN
    parser_classes = JSON_OR_MULTIPART

    @extend_schema(
        tags=TAGS,
        summary="Read a course",
        parameters=[COURSE_ID],
        responses=CourseSerializer,
    )
    def get(self, request: Request, course_id: str) -> Response:
        course = course_for(request.user, course_id)
        return Response(_course_body(course))

    @extend_schema(
        tags=TAGS,
        summary="Change a course's details, settings or status",
        description="Send only what changes. The whole change lands or none "
        "of it does. A prerequisite cycle is refused on `prerequisite_ids`, "
        "naming the cycle.",
        parameters=[COURSE_ID],
        request=_bodies(CourseUpdateSerializer),
        responses=CourseSerializer,
    )
    def patch(self, request: Request, course_id: str) -> Response:
        course = course_for(request.user, course_id, can_manage_course)
        form = CourseUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)

        with course_errors_as_422(), transaction.atomic():
            _update_course(course, form.validated_data, by=request.user)
        return Response(_course_body(course))

    @extend_schema(
        tags=TAGS,
        summary="Delete a course (admins and the owner)",
        description="Refused with 422 once anyone has enrolled: archive it "
        "instead (PATCH visibility=archived).",
        parameters=[COURSE_ID],
        responses=DeletedSerializer,
    )
    def delete(self, request: Request, course_id: str) -> Response:
        course = course_for(request.user, course_id, can_delete_course, NOT_OWNER)
        with course_errors_as_422():
            services.delete_course(course=course)
        return Response({"id": course_id, "deleted": True})


def _update_course(course: Course, changes: dict[str, Any], *, by: Any) -> None:
    # Settings and status first, details last: the details step may store
    # a new cover and delete the old file, which a later refusal could not
    # undo.
    if SETTINGS_FIELDS & changes.keys():
        _update_settings(course, changes, by=by)
    wanted = changes.get("status")
    if wanted and wanted != course.status:
        if wanted == CourseStatus.PUBLISHED:
            services.publish_course(course=course)
        else:
            services.save_as_draft(course=course)
    if DETAIL_FIELDS & changes.keys():
        details = services.CourseDetails(
            **{name: changes.get(name, getattr(course, name)) for name in DETAILS}
        )
        services.update_course(
            course=course, details=details, cover=changes.get("cover")
        )


DETAILS = ("title", "description", "category", "estimated_minutes")
DETAIL_FIELDS = {*DETAILS, "cover"}
SETTINGS = (
    "enrollment_type",
    "visibility",
    "require_passing_quizzes",
    "certificate_enabled",
)
SETTINGS_FIELDS = {*SETTINGS, "prerequisite_ids"}


def _update_settings(course: Course, changes: dict[str, Any], *, by: Any) -> None:
    if "prerequisite_ids" in changes:
        prerequisites = _prerequisites(course, changes["prerequisite_ids"], by=by)
    else:
        prerequisites = list(course.prerequisites.all())
    services.update_settings(
        course=course,
        prerequisites=prerequisites,
        **{name: changes.get(name, getattr(course, name)) for name in SETTINGS},
    )


def _prerequisites(course: Course, public_ids: list[str], *, by: Any) -> list[Course]:
    """The courses `public_ids` name, among those `by` may choose; unknown
    ids and someone else's drafts are refused alike."""
    wanted = list(dict.fromkeys(public_ids))
    choices = selectors.prerequisite_choices(course, by).filter(public_id__in=wanted)
    found = {choice.public_id: choice for choice in choices}
    unknown = [public_id for public_id in wanted if public_id not in found]
    if course.public_id in unknown:
        raise CourseError(
            "A course cannot be its own prerequisite.", field="prerequisites"
        )
    if unknown:
        raise CourseError(
            f"There is no course you may choose with the id {unknown[0]}.",
            field="prerequisites",
        )
    return [found[public_id] for public_id in wanted]


class CourseInstructorsView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Add an instructor to a course (admins and the owner)",
        parameters=[COURSE_ID],
        request=InstructorAddSerializer,
        responses={201: CourseSerializer},
    )
    def post(self, request: Request, course_id: str) -> Response:
        course = course_for(request.user, course_id, can_manage_instructors, NOT_OWNER)
        form = InstructorAddSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        person = get_user_by_public_id(form.validated_data["user_id"])
        if person is None:
            raise ValidationError({"user_id": ["There is no user with this id."]})

        with course_errors_as_422():
            services.add_instructor(
                course=course, instructor=person, added_by=request.user
            )
        return Response(_course_body(course), status=status.HTTP_201_CREATED)


class CourseInstructorDetailView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Remove an added instructor (admins and the owner)",
        description="The owner cannot be removed; 404 for someone who is "
        "not an added instructor of the course.",
        parameters=[COURSE_ID, USER_ID],
        responses=CourseSerializer,
    )
    def delete(self, request: Request, course_id: str, user_id: str) -> Response:
        course = course_for(request.user, course_id, can_manage_instructors, NOT_OWNER)
        person = get_user_by_public_id(user_id)
        if (
            person is None
            or not course.instructor_links.filter(instructor=person).exists()
        ):
            raise NotFound("This person is not an added instructor of the course.")

        with course_errors_as_422():
            services.remove_instructor(course=course, instructor=person)
        return Response(_course_body(course))


# --- Modules ------------------------------------------------------------------

MODULE_TAGS = ["modules"]


class ModuleListView(GenericAPIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=MODULE_TAGS,
        summary="List a course's modules in order",
        parameters=[COURSE_ID],
        responses=ModuleSerializer(many=True),
    )
    def get(self, request: Request, course_id: str) -> Response:
        course = course_for(request.user, course_id)
        modules = course.modules.select_related("course").order_by("position", "id")
        page = self.paginate_queryset(modules)
        return self.get_paginated_response(ModuleSerializer(page, many=True).data)

    @extend_schema(
        tags=MODULE_TAGS,
        summary="Add a module at the end of a course",
        parameters=[COURSE_ID],
        request=ModuleWriteSerializer,
        responses={201: ModuleSerializer},
    )
    def post(self, request: Request, course_id: str) -> Response:
        course = course_for(request.user, course_id, can_manage_course)
        form = ModuleWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        with course_errors_as_422():
            module = services.add_module(course=course, **form.validated_data)
        return Response(ModuleSerializer(module).data, status=status.HTTP_201_CREATED)


class ModuleDetailView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=MODULE_TAGS,
        summary="Read a module",
        parameters=[MODULE_ID],
        responses=ModuleSerializer,
    )
    def get(self, request: Request, module_id: str) -> Response:
        module = module_for(request.user, module_id)
        return Response(ModuleSerializer(module).data)

    @extend_schema(
        tags=MODULE_TAGS,
        summary="Rename or describe a module",
        parameters=[MODULE_ID],
        request=ModuleWriteSerializer(partial=True),
        responses=ModuleSerializer,
    )
    def patch(self, request: Request, module_id: str) -> Response:
        module = module_for(request.user, module_id, can_manage_course)
        form = ModuleWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        changes = form.validated_data

        with course_errors_as_422():
            services.update_module(
                module=module,
                name=changes.get("name", module.name),
                description=changes.get("description", module.description),
            )
        return Response(ModuleSerializer(module).data)

    @extend_schema(
        tags=MODULE_TAGS,
        summary="Delete a module and its lessons",
        parameters=[MODULE_ID],
        responses=DeletedSerializer,
    )
    def delete(self, request: Request, module_id: str) -> Response:
        module = module_for(request.user, module_id, can_manage_course)
        services.delete_module(module=module)
        return Response({"id": module_id, "deleted": True})


class ModuleOrderView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=MODULE_TAGS,
        summary="Reorder a course's modules",
        description="404, and nothing changes, when an id is not a module "
        "of this course.",
        parameters=[COURSE_ID],
        request=ModuleOrderSerializer,
        responses=ModuleSerializer(many=True),
    )
    def post(self, request: Request, course_id: str) -> Response:
        course = course_for(request.user, course_id, can_manage_course)
        form = ModuleOrderSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        module_ids = form.validated_data["module_ids"]
        _all_in(course.modules.all(), module_ids, NO_MODULE)

        with course_errors_as_422():
            modules = services.reorder_modules(course=course, module_ids=module_ids)
        return Response(ModuleSerializer(modules, many=True).data)


def _all_in(items: Any, public_ids: list[str], missing: str) -> None:
    """404 unless every id names one of `items`: an id of another course is
    answered like one that names nothing."""
    found = set(
        items.filter(public_id__in=public_ids).values_list("public_id", flat=True)
    )
    for public_id in public_ids:
        if public_id not in found:
            raise NotFound(f"{missing.removesuffix('.')} in this course: {public_id}.")


# --- Lessons ------------------------------------------------------------------

LESSON_TAGS = ["lessons"]


class LessonListView(GenericAPIView):
    permission_classes = SIGNED_IN
    parser_classes = JSON_OR_MULTIPART

    @extend_schema(
        tags=LESSON_TAGS,
        summary="List a module's lessons in order",
        description="The outline, as on the course page: anyone who may see "
        "the course gets the lessons' titles and settings, but `content` and "
        "`file` only the course's staff and its enrolled learners.",
        parameters=[MODULE_ID],
        responses=LessonSerializer(many=True),
    )
    def get(self, request: Request, module_id: str) -> Response:
        module = module_for(request.user, module_id)
        lessons = module.lessons.select_related("course", "module").order_by(
            "position", "id"
        )
        page = self.paginate_queryset(lessons)
        context = {"opens_lessons": can_open_lessons(request.user, module.course)}
        return self.get_paginated_response(
            LessonSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        tags=LESSON_TAGS,
        summary="Add a lesson at the end of a module",
        description="Text lessons take HTML in `content`; videos a link in "
        "`content` or an uploaded `file`; documents an uploaded PDF `file` "
        "(multipart/form-data); quizzes only a title.",
        parameters=[MODULE_ID],
        request=_bodies(LessonWriteSerializer),
        responses={201: LessonSerializer},
    )
    def post(self, request: Request, module_id: str) -> Response:
        module = module_for(request.user, module_id, can_manage_course)
        form = LessonWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        with course_errors_as_422():
            lesson = services.add_lesson(
                module=module, data=_lesson_input(form.validated_data)
            )
        return Response(LessonSerializer(lesson).data, status=status.HTTP_201_CREATED)


class LessonDetailView(APIView):
    permission_classes = SIGNED_IN
    parser_classes = JSON_OR_MULTIPART

    @extend_schema(
        tags=LESSON_TAGS,
        summary="Read a lesson (its staff and enrolled learners)",
        description="Someone who may see the course but is not enrolled gets "
        "403; its outline is in the module's list of lessons.",
        parameters=[LESSON_ID],
        responses=LessonSerializer,
    )
    def get(self, request: Request, lesson_id: str) -> Response:
        lesson = lesson_for(request.user, lesson_id, can_open_lessons, NOT_ENROLLED)
        return Response(LessonSerializer(lesson).data)

    @extend_schema(
        tags=LESSON_TAGS,
        summary="Change a lesson",
        description="Send only what changes; the type cannot change.",
        parameters=[LESSON_ID],
        request=_bodies(LessonWriteSerializer),
        responses=LessonSerializer,
    )
    def patch(self, request: Request, lesson_id: str) -> Response:
        lesson = lesson_for(request.user, lesson_id, can_manage_course)
        form = LessonWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)

        with course_errors_as_422():
            services.update_lesson(
                lesson=lesson, data=_lesson_input(form.validated_data, lesson)
            )
        return Response(LessonSerializer(lesson).data)

    @extend_schema(
        tags=LESSON_TAGS,
        summary="Delete a lesson",
        parameters=[LESSON_ID],
        responses=DeletedSerializer,
    )
    def delete(self, request: Request, lesson_id: str) -> Response:
        lesson = lesson_for(request.user, lesson_id, can_manage_course)
        services.delete_lesson(lesson=lesson)
        return Response({"id": lesson_id, "deleted": True})


class LessonOrderView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=LESSON_TAGS,
        summary="Reorder a module's lessons",
        description="A lesson of another module of the same course moves "
        "into this one; 404, and nothing changes, for an id of another "
        "course.",
        parameters=[MODULE_ID],
        request=LessonOrderSerializer,
        responses=LessonSerializer(many=True),
    )
    def post(self, request: Request, module_id: str) -> Response:
        module = module_for(request.user, module_id, can_manage_course)
        form = LessonOrderSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        lesson_ids = form.validated_data["lesson_ids"]
        _all_in(module.course.lessons.all(), lesson_ids, NO_LESSON)

        with course_errors_as_422():
            services.reorder_lessons(module=module, lesson_ids=lesson_ids)
        lessons = module.lessons.select_related("course", "module").order_by(
            "position", "id"
        )
        return Response(LessonSerializer(lessons, many=True).data)


def _lesson_input(
    changes: dict[str, Any], lesson: Lesson | None = None
) -> services.LessonInput:
    """The service's input: `changes` over what `lesson` holds now (for
    PATCH), or `changes` alone (for a new lesson)."""

    def current(name: str, attribute: str, default: Any) -> Any:
        if name in changes:
            return changes[name]
        return getattr(lesson, attribute) if lesson is not None else default

    kind = current("type", "type", "")
    body = current("content", "body", "") if kind == LessonType.TEXT else ""
    link = ""
    if kind == LessonType.VIDEO:
        # A new upload replaces the link unless the request also sends one.
        keep = lesson.video_url if lesson is not None and "file" not in changes else ""
        link = changes.get("content", keep)
    return services.LessonInput(
        title=current("title", "title", ""),
        type=kind,
        body=body,
        video_url=link,
        file=changes.get("file"),
        estimated_minutes=current("estimated_minutes", "estimated_minutes", None),
        required=current("required", "required", True),
        manual_completion=current("manual_completion", "manual_completion", False),
    )
