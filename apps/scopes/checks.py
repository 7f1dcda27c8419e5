"""A system check: the host's catalog extension in settings must build."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from apps.scopes.catalog import CatalogError, build_catalog


@register()
def check_scope_catalog(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        build_catalog(getattr(settings, "MARKETPLACE_SCOPE_CATALOG", None))
    except CatalogError as exc:
        return [
            Error(
                f"MARKETPLACE_SCOPE_CATALOG: {problem}",
                hint="See apps/scopes/README.md for the extension format.",
                id="scopes.E001",
            )
            for problem in exc.problems
        ]
    return []
