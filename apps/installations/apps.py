from django.apps import AppConfig


class InstallationsConfig(AppConfig):
    name = "apps.installations"
    label = "installations"
    verbose_name = "Installations"
    default_auto_field = "django.db.models.BigAutoField"
