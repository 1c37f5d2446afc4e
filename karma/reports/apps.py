from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "karma.reports"
    label = "reports"
    verbose_name = "Reports"
