"""The reports, exports and audit log endpoints of the API (SPEC 6, 8, 9).

The same permissions and selectors as the pages: a course's reports and
exports for its staff and admins (an outsider gets 404, a learner who can
see the course 403); the teaching reports for instructors and admins; the
platform reports and the audit log for admins. Downloads answer with the
file itself, not the JSON envelope; errors are envelopes as everywhere.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from karma.accounts.permissions import can_read_audit_log
from karma.api.envelope import EnvelopeRenderer
from karma.api.permissions import IsAuthenticatedAndPasswordCurrent, allowing
from karma.audit.selectors import audit_events_for_log
from karma.courses.api import course_for
from karma.courses.models import Course
from karma.enrollments.models import Enrollment
from karma.learning.api_certificates import FileSchema
from karma.lib.public_ids import has_prefix
from karma.reports import services
from karma.reports.exports import export_table, record_export
from karma.reports.models import ExportJob, ExportKind, ExportStatus
from karma.reports.permissions import (
    can_download_export,
    can_view_course_reports,
    can_view_platform_reports,
    can_view_teaching_dashboard,
)
from karma.reports.selectors.assessments import quiz_results
from karma.reports.selectors.course import (
    course_summary,
    get_enrollment_for_report,
    learner_detail,
    matrix_rows,
    module_columns,
    progress_enrollments,
)
from karma.reports.selectors.dashboard import (
    at_risk_by_course,
    courses_reported_to,
    courses_with_counts,
    teaching_dashboard,
    with_course_figures,
)
from karma.reports.selectors.platform import platform_report
from karma.reports.serializers import (
    AuditEventQuerySerializer,
    AuditEventSerializer,
    ExportFormatQuerySerializer,
    ExportJobCreateSerializer,
    ExportJobSerializer,
    ReportCourseReportSerializer,
    ReportCourseRowSerializer,
    ReportLearnerDetailSerializer,
    ReportMatrixQuerySerializer,
    ReportMatrixRowSerializer,
    ReportPlatformSerializer,
    ReportTeachingSerializer,
)
from karma.reports.views.course import export_response

SIGNED_IN = [IsAuthenticatedAndPasswordCurrent]
TAGS = ["reports"]
NOT_STAFF = "Only admins and this course's instructors can see its reports."
NO_ENROLLMENT = "There is no enrollment with this id in this course."
NO_JOB = "There is no export job with this id."


def _path_id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, str, OpenApiParameter.PATH, description=f"The {what}'s id."
    )


COURSE_ID = _path_id("course_id", "course (`crs_...`)")
ENROLLMENT_ID = _path_id("enrollment_id", "enrollment (`enr_...`)")
JOB_ID = _path_id("job_id", "export job (`exp_...`)")
KIND = OpenApiParameter(
    "kind",
    str,
    OpenApiParameter.PATH,
    enum=ExportKind.values,
    description="learners (the Learners tab's list), progress (the learner × "
    "module matrix) or assessments (every submitted attempt).",
)


def _reports_course(request: Request, course_id: str) -> Course:
    return course_for(request.user, course_id, can_view_course_reports, NOT_STAFF)


class SpreadsheetRenderer(BaseRenderer):
    """Lets a client ask for CSV or XLSX. The view answers with the file
    itself and every error in the JSON envelope, so this renders nothing."""

    media_type = "*/*"
    format = "file"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None):
        return data


class _DownloadView(APIView):
    """A file answer: errors in the envelope whatever the client accepts."""

    permission_classes = SIGNED_IN
    renderer_classes = [EnvelopeRenderer, SpreadsheetRenderer]
    schema = FileSchema()

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # `?format=csv` names the export's format, not a renderer.
        return super().perform_content_negotiation(request, force=True)

    def handle_exception(self, exc: Exception) -> Response:
        self.request.accepted_renderer = EnvelopeRenderer()
        self.request.accepted_media_type = EnvelopeRenderer.media_type
        return super().handle_exception(exc)


FILE_RESPONSES = {
    (200, "text/csv"): OpenApiResponse(
        OpenApiTypes.BINARY, description="UTF-8 with a byte order mark, CRLF."
    ),
    (
        200,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ): OpenApiResponse(OpenApiTypes.BINARY, description="An Excel workbook."),
}


# --- One course --------------------------------------------------------------------


class CourseReportSummaryView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="A course's progress figures and quiz results (its staff)",
        description="The figures on top of the Progress tab: counts by state, "
        "completion rate (completed ÷ active and completed), average progress, "
        "learners active in the last 7 days and at risk; and per quiz the "
        "learners with a final attempt, pass rate, average best score and "
        "the distribution of best scores in bands of ten points.",
        parameters=[COURSE_ID],
        responses=ReportCourseReportSerializer,
    )
    def get(self, request: Request, course_id: str) -> Response:
        course = _reports_course(request, course_id)
        summary = course_summary(course, timezone.now())
        body = {
            "summary": {
                **vars(summary),
                "in_progress": summary.in_progress,
                "completion_rate": summary.completion_rate,
            },
            "quizzes": quiz_results(Course.objects.filter(pk=course.pk)),
        }
        return Response(ReportCourseReportSerializer(body).data)


class CourseReportMatrixView(GenericAPIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="The learner × module matrix of a course, a page at a time",
        description="One row per enrollment: its stored progress, time spent, "
        "at-risk reasons, and for each module (in course order) the required "
        "lessons done. A fixed number of queries per page, whatever the class "
        "size.",
        parameters=[COURSE_ID, ReportMatrixQuerySerializer],
        responses=ReportMatrixRowSerializer(many=True),
    )
    def get(self, request: Request, course_id: str) -> Response:
        course = _reports_course(request, course_id)
        query = ReportMatrixQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        now = timezone.now()

        enrollments = progress_enrollments(
            course,
            now,
            search=filters.get("search", ""),
            status=filters.get("status", ""),
            sort=filters["sort"],
        )
        page = self.paginate_queryset(enrollments)
        rows = matrix_rows(course, page, module_columns(course), now)
        return self.get_paginated_response(
            ReportMatrixRowSerializer(rows, many=True).data
        )


class CourseReportLearnerView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="One learner's detail in a course (its staff)",
        description="Every lesson with its completion date and time spent, and "
        "every attempt, newest first. Each read is written to the audit log.",
        parameters=[COURSE_ID, ENROLLMENT_ID],
        responses=ReportLearnerDetailSerializer,
    )
    def get(self, request: Request, course_id: str, enrollment_id: str) -> Response:
        course = _reports_course(request, course_id)
        now = timezone.now()
        enrollment = None
        if has_prefix(enrollment_id, "enr"):
            enrollment = get_enrollment_for_report(course, enrollment_id, now)
        if enrollment is None:
            raise NotFound(NO_ENROLLMENT)

        detail = learner_detail(enrollment, now)
        services.record_learner_view(viewer=request.user, enrollment=enrollment)
        return Response(ReportLearnerDetailSerializer(detail).data)


# --- Exports -----------------------------------------------------------------------


class CourseExportView(_DownloadView):
    @extend_schema(
        tags=TAGS,
        summary="Download a course export as CSV or XLSX (its staff)",
        description="CSV streams, whatever its size; a workbook is written to "
        "disk as it goes. Every text cell that a spreadsheet would run as a "
        "formula (starting with =, +, -, @, tab or carriage return) gets a "
        "leading apostrophe. Each download is written to the audit log. For a "
        "very large workbook, prefer an export job.",
        parameters=[COURSE_ID, KIND, ExportFormatQuerySerializer],
        responses=FILE_RESPONSES,
    )
    def get(self, request: Request, course_id: str, kind: str) -> HttpResponse:
        course = _reports_course(request, course_id)
        if kind not in ExportKind.values:
            raise NotFound(
                "There is no such export: use learners, progress or assessments."
            )
        query = ExportFormatQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        file_format = query.validated_data["format"]

        table = export_table(course, kind)
        record_export(
            course=course,
            exported_by=request.user,
            kind=kind,
            file_format=file_format,
            rows=table.count(),
        )
        return export_response(course, table, file_format)


class CourseExportJobsView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Prepare an export in the background (its staff)",
        description="Answers 202 with the job. Poll GET /export-jobs/{id} "
        "until the status is done, then GET its `download_url`. The file is "
        "deleted after the retention period; the job stays.",
        parameters=[COURSE_ID],
        request=ExportJobCreateSerializer,
        responses={202: ExportJobSerializer},
    )
    def post(self, request: Request, course_id: str) -> Response:
        course = _reports_course(request, course_id)
        form = ExportJobCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        try:
            job = services.request_export(
                course=course,
                requested_by=request.user,
                kind=form.validated_data["kind"],
                file_format=form.validated_data["format"],
            )
        except services.ExportError as error:
            field = error.field or api_settings.NON_FIELD_ERRORS_KEY
            raise ValidationError({field: [error.message]}) from error
        # Without a broker the job may already have run at the commit.
        job.refresh_from_db()
        return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


def _job_for(request: Request, job_id: str) -> ExportJob:
    """The job if the caller asked for it; anyone else's is a 404."""
    job = None
    if has_prefix(job_id, "exp"):
        job = (
            ExportJob.objects.select_related("course").filter(public_id=job_id).first()
        )
    if job is None or not can_download_export(request.user, job):
        raise NotFound(NO_JOB)
    return job


class ExportJobView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Read an export job (the person who asked for it)",
        parameters=[JOB_ID],
        responses=ExportJobSerializer,
    )
    def get(self, request: Request, job_id: str) -> Response:
        return Response(ExportJobSerializer(_job_for(request, job_id)).data)


class ExportJobDownloadView(_DownloadView):
    @extend_schema(
        tags=TAGS,
        summary="Download the file of a finished export job",
        description="403 while the job is not done; 404 once the retention "
        "period has deleted the file. Each download is written to the audit "
        "log.",
        parameters=[JOB_ID],
        responses=FILE_RESPONSES,
    )
    def get(self, request: Request, job_id: str) -> HttpResponse:
        job = _job_for(request, job_id)
        if job.status != ExportStatus.DONE:
            raise PermissionDenied("This export is not ready; poll the job.")
        if not job.file or not job.file.storage.exists(job.file.name):
            raise NotFound("This export has expired; ask for a new one.")

        services.record_download(job=job, downloaded_by=request.user)
        response = FileResponse(
            job.file.open("rb"), as_attachment=True, filename=job.file_name
        )
        response["Cache-Control"] = "no-store"
        return response


# --- Teaching and platform -----------------------------------------------------------


class TeachingReportView(APIView):
    permission_classes = [
        *SIGNED_IN,
        allowing(can_view_teaching_dashboard, "Only instructors and admins."),
    ]

    @extend_schema(
        tags=TAGS,
        summary="The teaching dashboard over the courses you run",
        description="Instructors: the courses they own or were added to; "
        "admins: every course. Totals, learners at risk with the reasons, "
        "recent enrollments, completions and submissions, answers waiting "
        "for grading, and quiz results. Per-course figures: GET "
        "/reports/courses.",
        responses=ReportTeachingSerializer,
    )
    def get(self, request: Request) -> Response:
        board = teaching_dashboard(request.user, timezone.now())
        totals = {**vars(board.totals), "completion_rate": board.totals.completion_rate}
        body = {**vars(board), "totals": totals}
        return Response(ReportTeachingSerializer(body).data)


class CourseReportListView(GenericAPIView):
    permission_classes = [
        *SIGNED_IN,
        allowing(can_view_teaching_dashboard, "Only instructors and admins."),
    ]

    @extend_schema(
        tags=TAGS,
        summary="Each course you run with its figures",
        description="Admins: every course. Most learners first.",
        responses=ReportCourseRowSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        courses = courses_with_counts(courses_reported_to(request.user), now)
        page = self.paginate_queryset(courses)
        ids = [course.pk for course in page]
        enrollments = Enrollment.objects.filter(course_id__in=ids)
        with_course_figures(page, at_risk_by_course(enrollments, now, courses=ids))
        return self.get_paginated_response(
            ReportCourseRowSerializer(page, many=True).data
        )


class PlatformReportView(APIView):
    permission_classes = [
        *SIGNED_IN,
        allowing(can_view_platform_reports, "Only admins can see platform reports."),
    ]

    @extend_schema(
        tags=TAGS,
        summary="Platform-wide figures and the last 12 weeks (admins)",
        description="Weeks start on Monday in the server's time zone; the last "
        "is the week under way. Per-course figures: GET /reports/courses.",
        responses=ReportPlatformSerializer,
    )
    def get(self, request: Request) -> Response:
        report = platform_report(timezone.now())
        totals = {
            **vars(report.totals),
            "completion_rate": report.totals.completion_rate,
        }
        return Response(
            ReportPlatformSerializer({**vars(report), "totals": totals}).data
        )


# --- The audit log -------------------------------------------------------------------


class AuditEventListView(GenericAPIView):
    permission_classes = [
        *SIGNED_IN,
        allowing(can_read_audit_log, "Only admins can read the audit log."),
    ]

    @extend_schema(
        tags=["audit"],
        summary="Read the audit log, newest first (admins)",
        description="Profile views by staff, exports, role changes, "
        "enrollment changes, bulk runs, grading and data requests, each with "
        "who, whom, what, when and the reason given.",
        parameters=[AuditEventQuerySerializer],
        responses=AuditEventSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = AuditEventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = {
            name: value
            for name, value in query.validated_data.items()
            if value not in ("", None)
        }

        events = audit_events_for_log(**filters)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)
