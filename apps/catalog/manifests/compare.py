"""Comparing two manifests sent together as ``{"old": ..., "new": ...}`` (the diff API)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from apps.catalog.manifests.codes import ManifestError
from apps.catalog.manifests.diff import ManifestDiff, manifest_diff
from apps.catalog.manifests.problems import Problem
from apps.catalog.manifests.reading import Format, manifest_read
from apps.catalog.manifests.schema import MAX_BYTES
from apps.catalog.manifests.validation import ManifestCheck, manifest_validate
from apps.scopes.catalog import Catalog

# Two manifests at their limit, with room for the wrapper.
MAX_PAIR_BYTES = 2 * MAX_BYTES + 1024
SIDES = ("old", "new")


@dataclass(frozen=True)
class Comparison:
    """The diff, or the problems of either side with paths under ``$.old`` / ``$.new``."""

    diff: ManifestDiff | None
    problems: ManifestCheck


def side_problems(side: str, check: ManifestCheck) -> list[Problem]:
    """The errors of one side's check, their paths under ``$.old`` or ``$.new``."""
    return [Problem(f"$.{side}{p.path[1:]}", p.code, p.message) for p in check.errors]


def manifest_compare_text(
    raw: bytes | str, *, fmt: Format | None = None, catalog: Catalog | None = None
) -> Comparison:
    """Read ``{"old": manifest, "new": manifest}`` and diff the two. Never raises.

    Each side is validated on its own, with its own 256 KB limit; the diff is computed
    only when both are valid.
    """
    reading = manifest_read(raw, fmt=fmt, max_bytes=MAX_PAIR_BYTES)
    if not reading.ok:
        return Comparison(None, ManifestCheck(errors=reading.problems))
    data = reading.data
    if not isinstance(data, dict):
        problem = Problem(
            "$", ManifestError.WRONG_TYPE, 'Send an object: {"old": <manifest>, "new": <manifest>}.'
        )
        return Comparison(None, ManifestCheck(errors=(problem,)))
    errors: list[Problem] = [
        Problem(
            f"$.{key}" if key.isidentifier() else "$",
            ManifestError.UNKNOWN_FIELD,
            f'Unknown field {key!r}: send {{"old": <manifest>, "new": <manifest>}}.',
        )
        for key in data
        if key not in SIDES
    ]
    checks: dict[str, ManifestCheck] = {}
    for side in SIDES:
        if side not in data:
            errors.append(
                Problem(
                    f"$.{side}", ManifestError.MISSING_FIELD, f"The field {side!r} is required."
                )
            )
            continue
        size = len(json.dumps(data[side], ensure_ascii=False).encode())
        if size > MAX_BYTES:
            errors.append(
                Problem(
                    f"$.{side}",
                    ManifestError.TOO_LARGE,
                    f"This manifest is {size:,} bytes as JSON; the limit is {MAX_BYTES:,} bytes "
                    "(256 KB).",
                )
            )
            continue
        checks[side] = check = manifest_validate(data[side], catalog=catalog)
        errors.extend(side_problems(side, check))
    old, new = checks.get("old"), checks.get("new")
    if errors or old is None or new is None or old.manifest is None or new.manifest is None:
        return Comparison(None, ManifestCheck(errors=tuple(errors)))
    return Comparison(manifest_diff(old.manifest, new.manifest, catalog=catalog), new)
