"""System checks: every model of the scope catalog is served, and every registration
names a model of the catalog."""

from typing import Any

from django.core.checks import CheckMessage, Error, register

from apps.modules.registry import SERVED_ELSEWHERE, registrations


@register()
def check_module_registry(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from apps.scopes.catalog import CatalogError, get_catalog

    try:
        catalog_models = set(get_catalog().models)
    except CatalogError:
        return []  # scopes.E001 reports it
    registered = {r.code for r in registrations()}
    errors: list[CheckMessage] = [
        Error(
            f"The catalog model {code!r} has no registration: apps cannot reach it.",
            hint=(
                "Register a Django model for it with apps.modules.registry.register() in "
                "your app's AppConfig.ready(); see apps/modules/README.md."
            ),
            id="modules.E001",
        )
        for code in sorted(catalog_models - registered - SERVED_ELSEWHERE)
    ]
    errors += [
        Error(
            f"The registration {code!r} names no model of the scope catalog.",
            hint="Add the model to MARKETPLACE_SCOPE_CATALOG first (apps/scopes/README.md).",
            id="modules.E002",
        )
        for code in sorted(registered - catalog_models)
    ]
    return errors
