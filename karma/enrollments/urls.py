from django.urls import include, path

from karma.enrollments import urls_bulk
from karma.enrollments.views import enroll, learners

app_name = "enrollments"

urlpatterns = [
    # The Enroll button of the catalog and the course page (views/enroll.py).
    path(
        "courses/<str:public_id>/enroll/",
        enroll.course_self_enroll,
        name="self_enroll",
    ),
    # Enroll in Course, from a person's profile (views/enroll.py).
    path("users/<str:public_id>/enroll/", enroll.learner_enroll, name="learner_enroll"),
    # The course's Learners tab (views/learners.py, views/enroll.py).
    path(
        "manage/courses/<str:public_id>/learners/",
        learners.course_learners,
        name="course_learners",
    ),
    path(
        "manage/courses/<str:public_id>/learners/export.csv",
        learners.learners_export,
        {"file_format": "csv"},
        name="learners_export_csv",
    ),
    path(
        "manage/courses/<str:public_id>/learners/export.xlsx",
        learners.learners_export,
        {"file_format": "xlsx"},
        name="learners_export_xlsx",
    ),
    path(
        "manage/courses/<str:public_id>/learners/enroll/",
        enroll.course_enroll,
        name="course_enroll",
    ),
    path(
        "manage/courses/<str:public_id>/learners/<str:enrollment_id>/drop/",
        learners.enrollment_drop,
        name="enrollment_drop",
    ),
    path(
        "manage/courses/<str:public_id>/learners/<str:enrollment_id>/reactivate/",
        learners.enrollment_reactivate,
        name="enrollment_reactivate",
    ),
    path(
        "manage/courses/<str:public_id>/learners/<str:enrollment_id>/remove/",
        learners.enrollment_remove,
        name="enrollment_remove",
    ),
    # Bulk Enroll (views/bulk.py), all named enrollments:bulk_*. The list,
    # not the module: the module's app_name would nest a second namespace.
    path("", include(urls_bulk.urlpatterns)),
]
