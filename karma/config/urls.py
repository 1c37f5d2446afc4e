from django.urls import include, path

urlpatterns = [
    path("", include("karma.web.urls")),
    path("", include("karma.accounts.urls")),
    path("", include("karma.courses.urls")),
    path("", include("karma.enrollments.urls")),
    path("", include("karma.learning.urls")),
    path("", include("karma.assessments.urls")),
    path("", include("karma.privacy.urls")),
    path("", include("karma.reports.urls")),
    path("audit/", include("karma.audit.urls")),
    path("api/v1/", include("karma.api.urls")),
]

handler400 = "karma.web.views.bad_request"
handler403 = "karma.web.views.permission_denied"
handler404 = "karma.web.views.page_not_found"
handler500 = "karma.web.views.server_error"
