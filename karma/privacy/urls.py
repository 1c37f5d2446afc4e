from django.urls import path

from karma.privacy import views

app_name = "privacy"

urlpatterns = [
    path("me/data/", views.my_data_download, name="my_data_download"),
    path(
        "users/<str:public_id>/data/",
        views.learner_data_download,
        name="learner_data_download",
    ),
    path("users/<str:public_id>/erase/", views.learner_erase, name="learner_erase"),
]
