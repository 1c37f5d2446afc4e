from django.urls import path

from karma.web import views

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dev/mail/", views.dev_mail, name="dev_mail"),
    path("dev/mail/<str:name>/", views.dev_mail_message, name="dev_mail_message"),
    path("healthz", views.health, name="health"),
]
