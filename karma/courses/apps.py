from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "karma.courses"
    label = "courses"
