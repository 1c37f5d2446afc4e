"""The progress endpoints of the API (SPEC sections 6 and 8).

Learners report what they do in a lesson, through the same services as
the lesson player; they read their own enrollment's progress. A course's
staff (and admins) read the progress of any enrollment in the course and
the course-wide list. Staff report nothing: their preview records nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from karma.api.permissions import IsAuthenticatedAndPasswordCurrent
from karma.courses.api import course_for, lesson_for
from karma.courses.models import Course
from karma.courses.permissions import can_manage_course
from karma.enrollments.api import enrollment_for
from karma.enrollments.models import Enrollment
from karma.learning import selectors
from karma.learning.serializers import (
    CourseProgressQuerySerializer,
    CourseProgressRowSerializer,
    EnrollmentProgressSerializer,
    LessonProgressSerializer,
    ProgressEventSerializer,
)
from karma.learning.services import lessons as services
from karma.learning.services.lessons import LessonEvent, LessonEventError

SIGNED_IN = [IsAuthenticatedAndPasswordCurrent]
TAGS = ["progress"]
STAFF_RECORD_NOTHING = (
    "Progress is recorded for learners only; the course's staff preview it."
)
ENROLL_FIRST = "Enroll in this course to record progress in it."
NOT_STAFF = "Only admins and this course's instructors can see its progress."


def _path_id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, str, OpenApiParameter.PATH, description=f"The {what}'s id."
    )


LESSON_ID = _path_id("lesson_id", "lesson (`les_...`)")
ENROLLMENT_ID = _path_id("enrollment_id", "enrollment (`enr_...`)")
COURSE_ID = _path_id("course_id", "course (`crs_...`)")


@contextmanager
def lesson_errors_as_422() -> Iterator[None]:
    """Turn a refusal of the lesson services into a 422 naming the field."""
    try:
        yield
    except LessonEventError as error:
        field = error.field or api_settings.NON_FIELD_ERRORS_KEY
        raise ValidationError({field: [error.message]}) from error


def _learner_enrollment(user: Any, course: Course) -> Enrollment:
    """The enrollment through which `user` takes `course`, or 403."""
    if can_manage_course(user, course):
        raise PermissionDenied(STAFF_RECORD_NOTHING)
    enrollment = services.learning_enrollment(learner=user, course=course)
    if enrollment is None:
        raise PermissionDenied(ENROLL_FIRST)
    return enrollment


class LessonProgressView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Report progress in a lesson (learners)",
        description="The same events as the lesson player. The server "
        "decides completion: a video at 90% of its duration played (never "
        "more than the time since the lesson was first opened allows, at "
        "double speed), a text or document at `reached_end`, a lesson set "
        "to manual completion (or a linked video) at `mark_complete`. An "
        "event that does not apply to the lesson is a 422. The course's "
        "staff get 403: nothing is recorded for them.",
        parameters=[LESSON_ID],
        request=ProgressEventSerializer,
        responses=LessonProgressSerializer,
    )
    def post(self, request: Request, lesson_id: str) -> Response:
        lesson = lesson_for(request.user, lesson_id)
        enrollment = _learner_enrollment(request.user, lesson.course)
        form = ProgressEventSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data

        with lesson_errors_as_422():
            ranges, duration = [], 0.0
            if data["event"] == LessonEvent.VIDEO:
                ranges, duration = services.clean_video_report(
                    data.get("ranges", []), data.get("duration")
                )
            state = services.record_lesson_event(
                enrollment=enrollment,
                lesson=lesson,
                event=data["event"],
                ranges=ranges,
                duration=duration,
            )
        return Response(LessonProgressSerializer(state).data)


class EnrollmentProgressView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Read an enrollment's progress, lesson by lesson",
        description="For the learner themselves, the course's instructors "
        "and admins. Lessons come in course order; a lesson never opened "
        "has no completion and no time.",
        parameters=[ENROLLMENT_ID],
        responses=EnrollmentProgressSerializer,
    )
    def get(self, request: Request, enrollment_id: str) -> Response:
        enrollment = enrollment_for(request.user, enrollment_id)
        rows = selectors.enrollment_progress_rows(enrollment)

        enrollment.lessons = rows
        enrollment.time_spent_seconds = sum(
            row.progress.time_spent_seconds for row in rows if row.progress
        )
        return Response(EnrollmentProgressSerializer(enrollment).data)


class CourseProgressView(GenericAPIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="List the progress of every enrollment in a course (staff)",
        description="For the course's instructors and admins, oldest "
        "enrollment first. Figures are stored as learners progress, so a "
        "page costs the same for ten learners or ten thousand.",
        parameters=[COURSE_ID, CourseProgressQuerySerializer],
        responses=CourseProgressRowSerializer(many=True),
    )
    def get(self, request: Request, course_id: str) -> Response:
        course = course_for(request.user, course_id, can_manage_course, NOT_STAFF)
        query = CourseProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)

        enrollments = selectors.course_progress_enrollments(course)
        if "status" in query.validated_data:
            enrollments = enrollments.filter(status=query.validated_data["status"])
        page = self.paginate_queryset(enrollments)
        return self.get_paginated_response(
            CourseProgressRowSerializer(page, many=True).data
        )
