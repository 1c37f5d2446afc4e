"""Routes of /api/v1 (SPEC section 8). Paths have no trailing slash.

Each app's endpoints are listed here, above the catch-all that answers
every other address with a 404 in the envelope.
"""

from django.urls import path, re_path

from karma.accounts import api as accounts_api
from karma.api import views
from karma.assessments.api import attempts as assessments_api
from karma.assessments.api import authoring as builder_api
from karma.assessments.api import grading as grading_api
from karma.courses import api as courses_api
from karma.enrollments import api as enrollments_api
from karma.learning import api as learning_api
from karma.learning import api_certificates as certificates_api
from karma.privacy import api as privacy_api
from karma.reports import api as reports_api
from karma.web.middleware import csp_exempt

app_name = "api"

urlpatterns = [
    # Tokens.
    path("auth/login", views.LoginView.as_view(), name="auth_login"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth_refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth_logout"),
    path("auth/password", views.PasswordChangeView.as_view(), name="auth_password"),
    # Users (karma/accounts/api.py).
    path("users", accounts_api.UserListView.as_view(), name="user_list"),
    path("users/me", accounts_api.MeView.as_view(), name="user_me"),
    path(
        "users/<str:public_id>",
        accounts_api.UserDetailView.as_view(),
        name="user_detail",
    ),
    path(
        "users/<str:public_id>/deactivate",
        accounts_api.UserDeactivateView.as_view(),
        name="user_deactivate",
    ),
    path(
        "users/<str:public_id>/reactivate",
        accounts_api.UserReactivateView.as_view(),
        name="user_reactivate",
    ),
    # Data rights: export and erasure (karma/privacy/api.py).
    path(
        "users/<str:public_id>/data-export",
        privacy_api.DataExportView.as_view(),
        name="user_data_export",
    ),
    path(
        "users/<str:public_id>/erase",
        privacy_api.EraseUserView.as_view(),
        name="user_erase",
    ),
    # Courses, modules and lessons (karma/courses/api.py).
    path("courses", courses_api.CourseListView.as_view(), name="course_list"),
    path(
        "courses/<str:course_id>",
        courses_api.CourseDetailView.as_view(),
        name="course_detail",
    ),
    path(
        "courses/<str:course_id>/instructors",
        courses_api.CourseInstructorsView.as_view(),
        name="course_instructors",
    ),
    path(
        "courses/<str:course_id>/instructors/<str:user_id>",
        courses_api.CourseInstructorDetailView.as_view(),
        name="course_instructor_detail",
    ),
    path(
        "courses/<str:course_id>/modules",
        courses_api.ModuleListView.as_view(),
        name="module_list",
    ),
    path(
        "courses/<str:course_id>/modules/order",
        courses_api.ModuleOrderView.as_view(),
        name="module_order",
    ),
    path(
        "modules/<str:module_id>",
        courses_api.ModuleDetailView.as_view(),
        name="module_detail",
    ),
    path(
        "modules/<str:module_id>/lessons",
        courses_api.LessonListView.as_view(),
        name="lesson_list",
    ),
    path(
        "modules/<str:module_id>/lessons/order",
        courses_api.LessonOrderView.as_view(),
        name="lesson_order",
    ),
    path(
        "lessons/<str:lesson_id>",
        courses_api.LessonDetailView.as_view(),
        name="lesson_detail",
    ),
    # Enrollments and bulk enrollment (karma/enrollments/api.py).
    path(
        "enrollments",
        enrollments_api.EnrollmentListView.as_view(),
        name="enrollment_list",
    ),
    path(
        "enrollments/<str:enrollment_id>",
        enrollments_api.EnrollmentDetailView.as_view(),
        name="enrollment_detail",
    ),
    path(
        "courses/<str:course_id>/bulk-enrollments",
        enrollments_api.BulkEnrollmentStartView.as_view(),
        name="bulk_enrollment_start",
    ),
    path(
        "bulk-enrollments/<str:job_id>",
        enrollments_api.BulkEnrollmentJobView.as_view(),
        name="bulk_enrollment_detail",
    ),
    path(
        "bulk-enrollments/<str:job_id>/confirm",
        enrollments_api.BulkEnrollmentConfirmView.as_view(),
        name="bulk_enrollment_confirm",
    ),
    # Progress (karma/learning/api.py).
    path(
        "lessons/<str:lesson_id>/progress",
        learning_api.LessonProgressView.as_view(),
        name="lesson_progress",
    ),
    path(
        "enrollments/<str:enrollment_id>/progress",
        learning_api.EnrollmentProgressView.as_view(),
        name="enrollment_progress",
    ),
    path(
        "courses/<str:course_id>/progress",
        learning_api.CourseProgressView.as_view(),
        name="course_progress",
    ),
    # Certificates (karma/learning/api_certificates.py).
    path(
        "certificates",
        certificates_api.CertificateListView.as_view(),
        name="certificate_list",
    ),
    path(
        "certificates/verify/<str:code>",
        certificates_api.CertificateVerifyView.as_view(),
        name="certificate_verify",
    ),
    path(
        "certificates/<str:certificate_id>",
        certificates_api.CertificateDetailView.as_view(),
        name="certificate_detail",
    ),
    path(
        "certificates/<str:certificate_id>/pdf",
        certificates_api.CertificatePdfView.as_view(),
        name="certificate_pdf",
    ),
    # Quizzes and attempts (karma/assessments/api/attempts.py).
    path(
        "assessments/<str:assessment_id>",
        assessments_api.AssessmentDetailView.as_view(),
        name="assessment_detail",
    ),
    path(
        "assessments/<str:assessment_id>/attempts",
        assessments_api.AssessmentAttemptsView.as_view(),
        name="assessment_attempts",
    ),
    path(
        "attempts/<str:attempt_id>",
        assessments_api.AttemptDetailView.as_view(),
        name="attempt_detail",
    ),
    path(
        "attempts/<str:attempt_id>/answers",
        assessments_api.AttemptAnswersView.as_view(),
        name="attempt_answers",
    ),
    path(
        "attempts/<str:attempt_id>/submit",
        assessments_api.AttemptSubmitView.as_view(),
        name="attempt_submit",
    ),
    # Building quizzes (karma/assessments/api/authoring.py).
    path(
        "assessments/<str:assessment_id>/settings",
        builder_api.QuizSettingsView.as_view(),
        name="quiz_settings",
    ),
    path(
        "assessments/<str:assessment_id>/questions",
        builder_api.QuizQuestionsView.as_view(),
        name="quiz_questions",
    ),
    path(
        "assessments/<str:assessment_id>/questions/order",
        builder_api.QuizQuestionOrderView.as_view(),
        name="quiz_question_order",
    ),
    path(
        "questions/<str:question_id>",
        builder_api.QuestionDetailView.as_view(),
        name="question_detail",
    ),
    # Grading short answers (karma/assessments/api/grading.py).
    path(
        "courses/<str:course_id>/grading-queue",
        grading_api.CourseGradingQueueView.as_view(),
        name="course_grading_queue",
    ),
    path(
        "attempts/<str:attempt_id>/grades",
        grading_api.AttemptGradesView.as_view(),
        name="attempt_grades",
    ),
    # Reports, exports and the audit log (karma/reports/api.py).
    path(
        "reports/teaching",
        reports_api.TeachingReportView.as_view(),
        name="report_teaching",
    ),
    path(
        "reports/courses",
        reports_api.CourseReportListView.as_view(),
        name="report_courses",
    ),
    path(
        "reports/platform",
        reports_api.PlatformReportView.as_view(),
        name="report_platform",
    ),
    path(
        "courses/<str:course_id>/reports/summary",
        reports_api.CourseReportSummaryView.as_view(),
        name="course_report_summary",
    ),
    path(
        "courses/<str:course_id>/reports/matrix",
        reports_api.CourseReportMatrixView.as_view(),
        name="course_report_matrix",
    ),
    path(
        "courses/<str:course_id>/reports/learners/<str:enrollment_id>",
        reports_api.CourseReportLearnerView.as_view(),
        name="course_report_learner",
    ),
    path(
        "courses/<str:course_id>/exports/<str:kind>",
        reports_api.CourseExportView.as_view(),
        name="course_export",
    ),
    path(
        "courses/<str:course_id>/export-jobs",
        reports_api.CourseExportJobsView.as_view(),
        name="course_export_jobs",
    ),
    path(
        "export-jobs/<str:job_id>",
        reports_api.ExportJobView.as_view(),
        name="export_job",
    ),
    path(
        "export-jobs/<str:job_id>/download",
        reports_api.ExportJobDownloadView.as_view(),
        name="export_job_download",
    ),
    path(
        "audit-events",
        reports_api.AuditEventListView.as_view(),
        name="audit_event_list",
    ),
    # The schema and its docs page.
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", csp_exempt(views.DocsView.as_view()), name="docs"),
    # Keep last.
    re_path(r"", views.NotFoundView.as_view(), name="not_found"),
]
