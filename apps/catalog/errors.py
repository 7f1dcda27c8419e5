"""The catalog's error codes, and the exceptions that carry the ones needing more than a
code (a status of their own, or the manifest's problems).

The codes of manifest problems (``ManifestError``, ``ManifestWarning``) stay in the pure
``apps.catalog.manifests`` package, which imports nothing of the catalog; they are
re-exported here so that this module names every code the catalog answers with.
"""

from __future__ import annotations

from enum import StrEnum

from apps.catalog.manifests import ManifestCheck
from apps.catalog.manifests.codes import ManifestError, ManifestWarning
from apps.core.errors import ApplicationError, ValidationFailed

__all__ = [
    "CatalogError",
    "CatalogProblem",
    "LinkGone",
    "ManifestError",
    "ManifestInvalid",
    "ManifestWarning",
]


class CatalogError(StrEnum):
    """Codes of the error body (``{"error": {"code": ...}}``) the catalog answers with."""

    INVALID_MANIFEST = "invalid_manifest"
    ILLEGAL_TRANSITION = "illegal_transition"
    VERSION_NOT_EDITABLE = "version_not_editable"
    APP_DELETING = "app_deleting"
    APP_INACTIVE = "app_inactive"
    VERSION_NOT_INSTALLABLE = "version_not_installable"
    LINK_UNUSABLE = "link_unusable"


class CatalogProblem(StrEnum):
    """Codes of problems listed beside the manifest's own (``errors[].code``) that are
    catalog rules rather than rules of the manifest format."""

    VERSION_NUMBER = "version_number"


class ManifestInvalid(ValidationFailed):
    """The manifest has problems; ``extra["errors"]``/``["warnings"]`` list them by path."""

    def __init__(self, check: ManifestCheck) -> None:
        fields: dict[str, list[str]] = {}
        for problem in check.errors:
            fields.setdefault(problem.path, []).append(problem.message)
        count = len(check.errors)
        super().__init__(
            f"The manifest has {count} problem{'s' if count != 1 else ''}; see errors.",
            code=CatalogError.INVALID_MANIFEST,
            fields=fields,
            extra={
                "errors": [p.as_dict() for p in check.errors],
                "warnings": [p.as_dict() for p in check.warnings],
            },
        )
        self.check = check


class LinkGone(ApplicationError):
    """An install link that existed but cannot be used any more (revoked or expired)."""

    status_code = 410
    default_code = CatalogError.LINK_UNUSABLE
