"""The installations' error codes.

Installing and updating also refuse with the catalog's ``app_inactive``,
``version_not_installable`` and ``app_deleting`` (``apps.catalog.errors.CatalogError``):
those are the catalog's rules about an app and its versions, answered with the same code
wherever they stop an installation.
"""

from enum import StrEnum


class InstallationError(StrEnum):
    """Codes of the error body (``{"error": {"code": ...}}``) of installation services."""

    NOT_ACTIVE = "not_active"
    ALREADY_INSTALLED = "already_installed"
    ALREADY_ON_VERSION = "already_on_version"
    CONSENT_REQUIRED = "consent_required"
    PRIVATE_APP = "private_app"
    VERSION_NOT_PUBLISHED = "version_not_published"
