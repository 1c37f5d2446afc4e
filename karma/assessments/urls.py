from django.urls import path

from karma.assessments.views import attempts

app_name = "assessments"

# Each view module adds its own routes below; keep them grouped by module.
urlpatterns: list = [
    # Taking a quiz (views/attempts.py).
    path(
        "learn/<str:course_id>/quiz/<str:lesson_id>/start/",
        attempts.start_attempt_view,
        name="start_attempt",
    ),
    path("learn/attempts/<str:attempt_id>/", attempts.attempt_page, name="attempt"),
    # Building a quiz in the course editor (views/builder.py).
    # The grading queue (views/grading.py).
]
