from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "karma.audit"
    label = "audit"
