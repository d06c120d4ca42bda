from django.apps import AppConfig


class GouvConnectConfig(AppConfig):
    name = "gouvconnect.django"
    label = "gouvconnect"
    verbose_name = "ProConnect / Pro Santé Connect"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
