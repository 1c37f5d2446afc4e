from django.urls import path

from karma.learning.views import certificates, my_learning, player

app_name = "learning"

# Each view module adds its own routes below; keep them grouped by module.
urlpatterns: list = [
    # The lesson player (views/player.py).
    path("learn/<str:course_id>/", player.resume, name="resume"),
    path(
        "learn/<str:course_id>/lessons/<str:lesson_id>/",
        player.lesson,
        name="lesson",
    ),
    path(
        "learn/<str:course_id>/lessons/<str:lesson_id>/events/",
        player.lesson_events,
        name="lesson_events",
    ),
    path(
        "learn/<str:course_id>/lessons/<str:lesson_id>/complete/",
        player.mark_complete,
        name="mark_complete",
    ),
    # My Learning (views/my_learning.py).
    path("learning/", my_learning.my_learning, name="my_learning"),
    # Certificates and their public verification (views/certificates.py).
    path(
        "certificates/<str:certificate_id>/pdf/",
        certificates.certificate_download,
        name="certificate_pdf",
    ),
    path("verify/", certificates.verify, name="verify"),
    path("verify/<str:code>/", certificates.verify_code, name="verify_code"),
]
