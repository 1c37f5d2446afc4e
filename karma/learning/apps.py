from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "karma.learning"
    label = "learning"
