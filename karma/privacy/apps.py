from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "karma.privacy"
    label = "privacy"
