from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "karma.api"
    label = "api"
