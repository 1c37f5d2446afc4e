"""The enrollments and bulk enrollment endpoints of the API (SPEC section 8).

Learners see and make their own enrollments; the staff of a course see and
change its enrollments and run bulk jobs for it; admins everything. Rules
live in services/enrollments.py and services/bulk.py; each view loads,
authorizes, validates, calls one service and answers.

Bulk jobs run in the background: POST answers 202 with the job while its
review runs, and the client polls GET /bulk-enrollments/{id} until the
status is ready (or done, for a dry run), reads the report, then confirms
and polls again until done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from karma.accounts.models import User
from karma.accounts.permissions import is_staff_member
from karma.accounts.selectors import get_user_by_public_id
from karma.api.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE, PagePagination
from karma.api.parsers import JSON_OR_MULTIPART
from karma.api.permissions import IsAuthenticatedAndPasswordCurrent
from karma.api.schema import KarmaAutoSchema
from karma.courses.api import course_for
from karma.courses.models import Course
from karma.courses.permissions import can_see_course
from karma.courses.serializers import DeletedSerializer
from karma.enrollments import selectors
from karma.enrollments.models import (
    BulkEnrollmentJob,
    BulkJobStatus,
    BulkSource,
    Enrollment,
    EnrollmentStatus,
)
from karma.enrollments.permissions import (
    can_change_enrollment,
    can_enroll_others,
    can_manage_bulk_job,
    can_remove_enrollment,
    can_see_enrollment,
)
from karma.enrollments.serializers import (
    BulkJobReportSerializer,
    BulkJobSerializer,
    BulkStartSerializer,
    EnrolledSerializer,
    EnrollmentCreateSerializer,
    EnrollmentListQuerySerializer,
    EnrollmentRemoveSerializer,
    EnrollmentSerializer,
    EnrollmentUpdateSerializer,
)
from karma.enrollments.services import bulk
from karma.enrollments.services import enrollments as services
from karma.enrollments.services.enrollments import EnrollmentError
from karma.lib.public_ids import has_prefix

SIGNED_IN = [IsAuthenticatedAndPasswordCurrent]
TAGS = ["enrollments"]
BULK_TAGS = ["bulk enrollments"]
NO_ENROLLMENT = "There is no enrollment with this id."
NO_JOB = "There is no bulk enrollment job with this id."
NO_COURSE = "There is no course with this id."
NOT_STAFF = "Only admins and this course's instructors can do this."
ENROLLMENT_ID = OpenApiParameter(
    "enrollment_id",
    str,
    OpenApiParameter.PATH,
    description="The enrollment's id (`enr_...`).",
)
JOB_ID = OpenApiParameter(
    "job_id", str, OpenApiParameter.PATH, description="The job's id (`blk_...`)."
)
COURSE_ID = OpenApiParameter(
    "course_id", str, OpenApiParameter.PATH, description="The course's id (`crs_...`)."
)
ROWS_PAGE = OpenApiParameter(
    "page", int, OpenApiParameter.QUERY, description="Page of the rows, from 1."
)
ROWS_PER_PAGE = OpenApiParameter(
    "per_page",
    int,
    OpenApiParameter.QUERY,
    description=f"Rows per page, from 1 to {MAX_PER_PAGE} (default "
    f"{DEFAULT_PER_PAGE}).",
)
# Statuses where a job's rows are its report: reviewed, or applied.
REPORTED = (BulkJobStatus.READY, BulkJobStatus.DONE)


@contextmanager
def enrollment_errors_as_422(fields: dict[str | None, str]) -> Iterator[None]:
    """Turn a refusal of the services into a 422; `fields` maps the
    service's field (None for the request as a whole) to the API's."""
    try:
        yield
    except EnrollmentError as error:
        field = fields.get(error.field, error.field)
        raise ValidationError(
            {field or api_settings.NON_FIELD_ERRORS_KEY: [error.message]}
        ) from error


def enrollment_for(
    user: User,
    public_id: str,
    may: Callable[[Any, Enrollment], bool] = can_see_enrollment,
    refusal: str = NOT_STAFF,
) -> Enrollment:
    """The enrollment `public_id` names: 404 unless `user` may see it, 403
    when they may see it but `may` says no."""
    enrollment = None
    if has_prefix(public_id, "enr"):
        enrollment = selectors.get_enrollment(public_id)
    if enrollment is None or not can_see_enrollment(user, enrollment):
        raise NotFound(NO_ENROLLMENT)
    if not may(user, enrollment):
        raise PermissionDenied(refusal)
    return enrollment


def job_for(user: User, public_id: str) -> BulkEnrollmentJob:
    """A bulk job, for the staff of its course; 403 for others who can see
    the course, 404 for the rest."""
    job = None
    if has_prefix(public_id, "blk"):
        job = selectors.get_bulk_job(public_id)
    if job is None:
        raise NotFound(NO_JOB)
    if can_manage_bulk_job(user, job):
        return job
    if can_see_course(user, job.course):
        raise PermissionDenied(NOT_STAFF)
    raise NotFound(NO_JOB)


# --- Enrollments --------------------------------------------------------------


class EnrollmentListView(GenericAPIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="List the enrollments you may see",
        description="Learners see their own; instructors those of the courses "
        "they teach (and their own); admins all. Newest first.",
        parameters=[EnrollmentListQuerySerializer],
        responses=EnrollmentSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = EnrollmentListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data

        enrollments = selectors.enrollments_for_list(
            request.user,
            learner_id=filters.get("user_id", ""),
            course_id=filters.get("course_id", ""),
            statuses=[filters["status"]] if "status" in filters else None,
        )
        page = self.paginate_queryset(enrollments)
        return self.get_paginated_response(EnrollmentSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Enroll yourself, or (staff) someone else",
        description="Enrolling yourself follows the self-enrollment rules "
        "(published, not archived, open, prerequisites met); a refusal is a "
        "422 giving the reason. The course's staff may enroll others: that "
        "skips the enrollment type and prerequisites and says so in "
        "`warnings`. 201 when an enrollment was made or reactivated, 200 "
        "when the person was already enrolled.",
        request=EnrollmentCreateSerializer,
        responses={200: EnrolledSerializer, 201: EnrolledSerializer},
    )
    def post(self, request: Request) -> Response:
        form = EnrollmentCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        course = _course_to_enroll_in(request.user, form.validated_data["course_id"])
        learner = _person_to_enroll(request.user, form.validated_data)

        with enrollment_errors_as_422({None: "course_id", "learner": "user_id"}):
            if learner.pk == request.user.pk:
                result = services.self_enroll(learner=learner, course=course)
            else:
                if not can_enroll_others(request.user, course):
                    raise PermissionDenied(_refusal_to_enroll(request.user))
                result = services.enroll_learner(
                    course=course, learner=learner, enrolled_by=request.user
                )

        body = EnrolledSerializer(
            result.enrollment, context={"warnings": result.warnings}
        ).data
        code = status.HTTP_201_CREATED if result.changed else status.HTTP_200_OK
        return Response(body, status=code)


def _course_to_enroll_in(user: User, public_id: str) -> Course:
    # A course the user may not know about is answered like one that does
    # not exist: the id came in the body, so it is the body that is wrong.
    course = None
    if has_prefix(public_id, "crs"):
        course = Course.objects.filter(public_id=public_id).first()
    if course is None or not can_see_course(user, course):
        raise ValidationError({"course_id": [NO_COURSE]})
    return course


def _person_to_enroll(user: User, data: dict[str, Any]) -> User:
    public_id = data.get("user_id") or user.public_id
    if public_id == user.public_id:
        return user
    person = get_user_by_public_id(public_id)
    if person is None:
        raise ValidationError({"user_id": ["There is no user with this id."]})
    return person


def _refusal_to_enroll(user: User) -> str:
    if is_staff_member(user):
        return "Only admins and this course's instructors enroll others in it."
    return "You may enroll only yourself."


class EnrollmentDetailView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Read an enrollment",
        parameters=[ENROLLMENT_ID],
        responses=EnrollmentSerializer,
    )
    def get(self, request: Request, enrollment_id: str) -> Response:
        enrollment = enrollment_for(request.user, enrollment_id)
        return Response(EnrollmentSerializer(enrollment).data)

    @extend_schema(
        tags=TAGS,
        summary="Drop or reactivate an enrollment (the course's staff)",
        description="dropped keeps the progress for a later return; active "
        "brings a dropped enrollment back. Asking for the status it already "
        "has changes nothing.",
        parameters=[ENROLLMENT_ID],
        request=EnrollmentUpdateSerializer,
        responses=EnrollmentSerializer,
    )
    def patch(self, request: Request, enrollment_id: str) -> Response:
        enrollment = enrollment_for(request.user, enrollment_id, can_change_enrollment)
        form = EnrollmentUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        wanted = form.validated_data["status"]
        reason = form.validated_data.get("reason", "")

        if wanted != enrollment.status:
            with enrollment_errors_as_422({None: "status"}):
                enrollment = _change_status(enrollment, wanted, request.user, reason)
        return Response(EnrollmentSerializer(enrollment).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete an enrollment made by mistake (admins)",
        description="The audit log keeps the fact. To end a learner's "
        "enrollment and keep their record, drop it instead.",
        parameters=[ENROLLMENT_ID],
        request=EnrollmentRemoveSerializer,
        responses=DeletedSerializer,
    )
    def delete(self, request: Request, enrollment_id: str) -> Response:
        enrollment = enrollment_for(
            request.user,
            enrollment_id,
            can_remove_enrollment,
            "Only admins can delete an enrollment; drop it instead.",
        )
        form = EnrollmentRemoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        services.remove_enrollment(
            enrollment=enrollment,
            removed_by=request.user,
            reason=form.validated_data.get("reason", ""),
        )
        return Response({"id": enrollment_id, "deleted": True})


def _change_status(
    enrollment: Enrollment, wanted: str, by: User, reason: str
) -> Enrollment:
    if wanted == EnrollmentStatus.DROPPED:
        return services.drop_enrollment(
            enrollment=enrollment, dropped_by=by, reason=reason
        )
    return services.reactivate_enrollment(
        enrollment=enrollment, reactivated_by=by, reason=reason
    )


# --- Bulk enrollment ----------------------------------------------------------


class BulkEnrollmentStartView(APIView):
    permission_classes = SIGNED_IN
    parser_classes = JSON_OR_MULTIPART

    @extend_schema(
        tags=BULK_TAGS,
        summary="Start a bulk enrollment into a course (the course's staff)",
        description="Send one of: a `file` (multipart/form-data), `emails` "
        "(a list, or pasted text), or `user_ids`. The input is read at once, "
        "so a file that cannot be read (empty, not text, too large, no email "
        "column) is a 422 on `file` and nothing is stored. Then the review "
        "runs in the background: poll GET /bulk-enrollments/{id} until the "
        "status is ready (or done, for a dry run), read the report, and "
        "confirm. Only admins may invite unknown addresses.",
        parameters=[COURSE_ID],
        request={
            "multipart/form-data": BulkStartSerializer,
            "application/json": BulkStartSerializer,
        },
        responses={202: BulkJobSerializer},
    )
    def post(self, request: Request, course_id: str) -> Response:
        course = course_for(request.user, course_id, can_enroll_others, NOT_STAFF)
        form = BulkStartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data, source = form.validated_data, form.input_source

        input_field = {
            BulkSource.FILE: "file",
            BulkSource.PASTE: "emails",
            BulkSource.USERS: "user_ids",
        }[source]
        with enrollment_errors_as_422({"file": input_field}):
            job = bulk.start_job(
                course=course,
                started_by=request.user,
                source=source,
                unknown_policy=data["unknown_emails"],
                dry_run=data["dry_run"],
                **_bulk_input(data),
            )
        return _job_response(job)


def _bulk_input(data: dict[str, Any]) -> dict[str, Any]:
    if "file" in data:
        upload = data["file"]
        return {"data": upload.read(), "file_name": upload.name or ""}
    if "emails" in data:
        return {"text": data["emails"]}
    return {"user_ids": data["user_ids"]}


def _job_response(job: BulkEnrollmentJob) -> Response:
    # Without a broker the review (or apply) may already have run at the
    # commit; read the job again so the answer says where it stands.
    job.refresh_from_db()
    return Response(BulkJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class RowsPageSchema(KarmaAutoSchema):
    """The job with one page of its rows: `meta` pages the rows, and is null
    while there is no report yet."""

    def _data_envelope(self, schema: dict[str, Any]) -> dict[str, Any]:
        envelope = PagePagination().get_paginated_response_schema(schema)
        envelope["properties"]["meta"]["nullable"] = True
        envelope["properties"]["meta"]["description"] = (
            "Pages the report's rows; null until the job is ready or done."
        )
        return envelope


class BulkEnrollmentJobView(GenericAPIView):
    permission_classes = SIGNED_IN
    schema = RowsPageSchema()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Clients poll this while a job runs: that is not the person being
        # active, and on SQLite the last-active write would wait behind the
        # job's long write transaction. Marked before authentication runs.
        request._request.counts_as_activity = False
        super().initial(request, *args, **kwargs)

    @extend_schema(
        tags=BULK_TAGS,
        summary="Read a bulk job and, once reviewed, its per-row report",
        description="`rows` holds one page of the report (page and per_page "
        "as for lists, counted in `meta`) once the status is ready or done; "
        "in a review or a dry run each outcome says what would happen.",
        parameters=[JOB_ID, ROWS_PAGE, ROWS_PER_PAGE],
        responses={
            200: BulkJobReportSerializer,
            422: OpenApiResponse(description="`page` or `per_page` is out of range."),
        },
    )
    def get(self, request: Request, job_id: str) -> Response:
        job = job_for(request.user, job_id)
        if job.status not in REPORTED:
            return Response(BulkJobReportSerializer(job, context={"rows": None}).data)

        rows = self.paginate_queryset(_report_rows(job))
        body = BulkJobReportSerializer(job, context={"rows": rows}).data
        return self.get_paginated_response(body)


def _report_rows(job: BulkEnrollmentJob) -> QuerySet:
    return job.rows.order_by("line", "id")


class BulkEnrollmentConfirmView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=BULK_TAGS,
        summary="Confirm a reviewed bulk job: enroll (and invite) its rows",
        description="Only a job that is ready and not a dry run; confirming "
        "twice changes nothing. The rows are worked out again against the "
        "database as it is now and applied all at once, in the background: "
        "poll GET /bulk-enrollments/{id} until the status is done.",
        parameters=[JOB_ID],
        request=None,
        responses={202: BulkJobSerializer},
    )
    def post(self, request: Request, job_id: str) -> Response:
        job = job_for(request.user, job_id)
        with enrollment_errors_as_422({}):
            job = bulk.confirm_job(job=job, confirmed_by=request.user)
        return _job_response(job)
