from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "karma.web"
    label = "web"
