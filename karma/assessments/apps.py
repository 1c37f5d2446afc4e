from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "karma.assessments"
    label = "assessments"
