from django.urls import path

from karma.courses.views import authoring, catalog, files

app_name = "courses"

urlpatterns = [
    # Learners (views/catalog.py).
    path("catalog/", catalog.catalog, name="catalog"),
    path("courses/<str:public_id>/", catalog.course_detail, name="course_detail"),
    # Files, always through a permission check (views/files.py).
    path("courses/<str:public_id>/cover/", files.course_cover, name="course_cover"),
    path(
        "courses/<str:public_id>/lessons/<str:lesson_id>/file/",
        files.lesson_file,
        name="lesson_file",
    ),
    # Authoring, for the course's staff (views/authoring.py).
    path("manage/courses/", authoring.course_list, name="course_list"),
    path("manage/courses/new/", authoring.course_create, name="course_create"),
    path("manage/courses/<str:public_id>/", authoring.course_editor, name="editor"),
    path(
        "manage/courses/<str:public_id>/details/",
        authoring.course_details,
        name="details",
    ),
    path(
        "manage/courses/<str:public_id>/settings/",
        authoring.course_settings,
        name="settings",
    ),
    path(
        "manage/courses/<str:public_id>/instructors/",
        authoring.course_instructors,
        name="instructors",
    ),
    path(
        "manage/courses/<str:public_id>/publish/",
        authoring.course_publish,
        name="publish",
    ),
    path(
        "manage/courses/<str:public_id>/draft/",
        authoring.course_draft,
        name="draft",
    ),
    path(
        "manage/courses/<str:public_id>/delete/",
        authoring.course_delete,
        name="delete",
    ),
    path(
        "manage/courses/<str:public_id>/modules/",
        authoring.module_create,
        name="module_create",
    ),
    path(
        "manage/courses/<str:public_id>/modules/order/",
        authoring.module_reorder,
        name="module_reorder",
    ),
    path(
        "manage/courses/<str:public_id>/modules/<str:module_id>/",
        authoring.module_edit,
        name="module_edit",
    ),
    path(
        "manage/courses/<str:public_id>/modules/<str:module_id>/delete/",
        authoring.module_delete,
        name="module_delete",
    ),
    path(
        "manage/courses/<str:public_id>/modules/<str:module_id>/move/",
        authoring.module_move,
        name="module_move",
    ),
    path(
        "manage/courses/<str:public_id>/modules/<str:module_id>/lessons/",
        authoring.lesson_create,
        name="lesson_create",
    ),
    path(
        "manage/courses/<str:public_id>/modules/<str:module_id>/lessons/order/",
        authoring.lesson_reorder,
        name="lesson_reorder",
    ),
    path(
        "manage/courses/<str:public_id>/lessons/<str:lesson_id>/",
        authoring.lesson_edit,
        name="lesson_edit",
    ),
    path(
        "manage/courses/<str:public_id>/lessons/<str:lesson_id>/delete/",
        authoring.lesson_delete,
        name="lesson_delete",
    ),
    path(
        "manage/courses/<str:public_id>/lessons/<str:lesson_id>/move/",
        authoring.lesson_move,
        name="lesson_move",
    ),
]
