"""Bulk Enroll pages, under the course they enroll into (views/bulk.py)."""

from django.urls import path

from karma.enrollments.views import bulk

app_name = "enrollments"

JOB = "manage/courses/<str:public_id>/bulk/<str:job_id>/"

urlpatterns = [
    path("manage/courses/<str:public_id>/bulk/", bulk.bulk_start, name="bulk_start"),
    path(
        "manage/courses/<str:public_id>/bulk/people/",
        bulk.bulk_user_search,
        name="bulk_user_search",
    ),
    path(JOB, bulk.bulk_job, name="bulk_job"),
    path(JOB + "status/", bulk.bulk_job_status, name="bulk_job_status"),
    path(JOB + "confirm/", bulk.bulk_confirm, name="bulk_confirm"),
    path(JOB + "cancel/", bulk.bulk_cancel, name="bulk_cancel"),
    path(JOB + "policy/", bulk.bulk_policy, name="bulk_policy"),
    path(JOB + "rows.csv", bulk.bulk_rows_csv, name="bulk_rows_csv"),
]
