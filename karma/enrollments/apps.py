from django.apps import AppConfig


class EnrollmentsConfig(AppConfig):
    name = "karma.enrollments"
    label = "enrollments"
