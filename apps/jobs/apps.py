from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class JobsConfig(AppConfig):
    name = "apps.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.jobs import kinds  # noqa: F401  (registers the job kinds)

        # The filesystem broker needs its folders; creating them here serves the web
        # process, the worker and beat alike.
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
