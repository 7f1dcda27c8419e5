"""Writes of the catalog, by entity: apps (``app``), their listing files (``listing``),
versions and their state machine (``versions``), install links (``links``); ``common``
holds who acts and the app lock every change takes first.

Every status change of a version goes through ``version_transition``: a transition table
(``policies.TRANSITIONS``) and a compare-and-set update, so two people acting at once can
never both win; the loser gets ``Conflict``. App state changes are conditional updates
too. A service either does all it says or raises ``ApplicationError`` having written
nothing. Callers import from this package; the modules are its inside.
"""

from apps.catalog.errors import LinkGone, ManifestInvalid
from apps.catalog.policies import LISTING_FIELDS
from apps.catalog.services.app import (
    app_activate,
    app_create,
    app_credentials_rotate,
    app_deactivate,
    app_delete,
    app_list_in_catalog,
    app_listing_update,
    app_rename,
    app_unlist,
)
from apps.catalog.services.links import (
    INSTALL_LINK_DEFAULT_DAYS,
    INSTALL_LINK_MAX_DAYS,
    install_link_create,
    install_link_resolve,
    install_link_revoke,
)
from apps.catalog.services.listing import (
    app_banner_add,
    app_banner_remove,
    app_logo_remove,
    app_logo_set,
)
from apps.catalog.services.versions import (
    version_create,
    version_hide,
    version_publish,
    version_submit,
    version_transition,
    version_update,
    version_withdraw,
)

__all__ = [
    "INSTALL_LINK_DEFAULT_DAYS",
    "INSTALL_LINK_MAX_DAYS",
    "LISTING_FIELDS",
    "LinkGone",
    "ManifestInvalid",
    "app_activate",
    "app_banner_add",
    "app_banner_remove",
    "app_create",
    "app_credentials_rotate",
    "app_deactivate",
    "app_delete",
    "app_list_in_catalog",
    "app_listing_update",
    "app_logo_remove",
    "app_logo_set",
    "app_rename",
    "app_unlist",
    "install_link_create",
    "install_link_resolve",
    "install_link_revoke",
    "version_create",
    "version_hide",
    "version_publish",
    "version_submit",
    "version_transition",
    "version_update",
    "version_withdraw",
]
