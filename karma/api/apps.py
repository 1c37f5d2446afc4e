from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "karma.api"
    label = "api"

    def ready(self) -> None:
        # Registers the OpenAPI description of KarmaJWTAuthentication.
        from karma.api import schema  # noqa: F401
