"""The scopes backend DOT asks on every request: a static catalogue from code.

``get_all_scopes`` is read on every authenticated request, so it never touches the
database. What a given installation may ask is decided by the validator against the
authorization context (``apps.oauth.context``), not here.
"""

from typing import Any

from oauth2_provider.scopes import BaseScopes

from apps.oauth.context import current_context
from apps.scopes.catalog import Level, get_catalog
from apps.scopes.policies import scope_phrase


def catalogue() -> dict[str, str]:
    """Every ``code:level`` scope of the catalog with its consent phrase."""
    catalog = get_catalog()
    return {
        f"{code}:{level}": scope_phrase(f"{code}:{level}", catalog=catalog)
        for code in catalog.scopes
        for level in Level
    }


class CatalogueScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return catalogue()

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return list(catalogue())

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        # No ``scope`` parameter: everything the installation (or the version being
        # installed) grants.
        context = current_context()
        return list(context.available_scopes) if context is not None else []
