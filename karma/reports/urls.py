from django.urls import path

from karma.reports.views import course, exports, platform, teaching

app_name = "reports"

COURSE = "manage/courses/<str:public_id>/progress/"

urlpatterns = [
    path("reports/", teaching.dashboard, name="teaching"),
    path("reports/platform/", platform.platform, name="platform"),
    path(COURSE, course.course_progress, name="course_progress"),
    path(
        f"{COURSE}export/<str:kind>.<str:file_format>",
        course.course_export,
        name="course_export",
    ),
    path(f"{COURSE}exports/", exports.export_job_start, name="export_job_start"),
    path(
        f"{COURSE}<str:enrollment_id>/",
        course.learner_progress,
        name="learner_progress",
    ),
    path("reports/exports/<str:job_id>/", exports.export_job, name="export_job"),
    path(
        "reports/exports/<str:job_id>/status/",
        exports.export_job_status,
        name="export_job_status",
    ),
    path(
        "reports/exports/<str:job_id>/download/",
        exports.export_job_download,
        name="export_job_download",
    ),
]
