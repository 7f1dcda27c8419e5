from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from apps.core.crypto import forget_keyed_digest

        setting_changed.connect(
            forget_keyed_digest, weak=False, dispatch_uid="core.forget_keyed_digest"
        )
