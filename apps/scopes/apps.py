from django.apps import AppConfig


class ScopesConfig(AppConfig):
    name = "apps.scopes"
    label = "scopes"
    verbose_name = "Scopes"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from apps.scopes import checks  # noqa: F401  (registers the system check)
        from apps.scopes.catalog import reset_catalog

        def _reset(*, setting: str, **kwargs: object) -> None:
            if setting == "MARKETPLACE_SCOPE_CATALOG":
                reset_catalog()

        setting_changed.connect(_reset, weak=False, dispatch_uid="scopes.reset_catalog")
