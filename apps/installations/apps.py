from django.apps import AppConfig


class InstallationsConfig(AppConfig):
    name = "apps.installations"
    label = "installations"
    verbose_name = "Installations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.accounts.usage import usage_source_register
        from apps.installations.services.access import AccessUsage

        usage_source_register(AccessUsage())
