from django.urls import path

from karma.assessments.views import attempts, builder, grading

app_name = "assessments"

# The quiz builder's pages hang under the quiz lesson in the course editor.
QUIZ = "manage/courses/<str:course_id>/lessons/<str:lesson_id>/quiz/"

# Each view module adds its own routes below; keep them grouped by module.
urlpatterns: list = [
    # Taking a quiz (views/attempts.py).
    path(
        "learn/<str:course_id>/quiz/<str:lesson_id>/start/",
        attempts.start_attempt_view,
        name="start_attempt",
    ),
    path("learn/attempts/<str:attempt_id>/", attempts.attempt_page, name="attempt"),
    path(
        "learn/attempts/<str:attempt_id>/save/",
        attempts.save_attempt_view,
        name="attempt_save",
    ),
    path(
        "learn/attempts/<str:attempt_id>/submit/",
        attempts.submit_attempt_view,
        name="attempt_submit",
    ),
    # Building a quiz in the course editor (views/builder.py).
    path(QUIZ, builder.quiz_builder, name="quiz_builder"),
    path(
        f"{QUIZ}questions/new/",
        builder.question_create,
        name="question_create",
    ),
    path(
        f"{QUIZ}questions/<str:question_id>/",
        builder.question_edit,
        name="question_edit",
    ),
    path(
        f"{QUIZ}questions/<str:question_id>/delete/",
        builder.question_delete,
        name="question_delete",
    ),
    path(
        f"{QUIZ}questions/<str:question_id>/move/",
        builder.question_move,
        name="question_move",
    ),
    # The grading queue (views/grading.py).
    path("manage/grading/", grading.grading_queue, name="grading_queue"),
    path(
        "manage/courses/<str:course_id>/grading/",
        grading.course_grading_queue,
        name="course_grading_queue",
    ),
    path(
        "manage/attempts/<str:attempt_id>/grade/",
        grading.attempt_grade,
        name="attempt_grade",
    ),
]
