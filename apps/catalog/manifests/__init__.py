"""Manifest format v1: reading, validation, diff. Pure: no ORM, no request.

See docs/manifest.md for the format and every problem code.
"""

from apps.catalog.manifests.codes import ManifestError, ManifestWarning
from apps.catalog.manifests.diff import ManifestDiff, manifest_diff
from apps.catalog.manifests.problems import Problem
from apps.catalog.manifests.reading import Format, format_for, manifest_read
from apps.catalog.manifests.schema import MAX_BYTES, MAX_DEPTH, manifest_schema
from apps.catalog.manifests.types import Manifest
from apps.catalog.manifests.validation import (
    ManifestCheck,
    manifest_validate,
    manifest_validate_text,
)

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "Format",
    "Manifest",
    "ManifestCheck",
    "ManifestDiff",
    "ManifestError",
    "ManifestWarning",
    "Problem",
    "format_for",
    "manifest_diff",
    "manifest_read",
    "manifest_schema",
    "manifest_validate",
    "manifest_validate_text",
]
