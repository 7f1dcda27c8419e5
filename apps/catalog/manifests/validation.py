"""Manifest validation in two stages, every problem reported at once.

1. **Structure**: the JSON Schema of ``schema.py`` (types, required and unknown fields,
   choices, formats, sizes), each failure mapped to a stable code and a plain message.
2. **Meaning**: what a schema cannot say: duplicate ids and keys, URLs, webhook events and
   reference settings covered by the declared scopes, defaults that fit their setting,
   and the scope precedence warnings.

The stages are ``structure.py`` and ``meaning.py``; this module runs both, merges and
sorts their problems, and caps the list. Nothing here raises on any input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from apps.catalog.manifests.codes import ManifestError
from apps.catalog.manifests.meaning import ManifestMeaning
from apps.catalog.manifests.problems import Problem
from apps.catalog.manifests.reading import Format, manifest_read
from apps.catalog.manifests.schema import MAX_PROBLEMS
from apps.catalog.manifests.structure import structure_problems
from apps.catalog.manifests.types import Manifest, manifest_from_data
from apps.scopes.catalog import Catalog, get_catalog


@dataclass(frozen=True)
class ManifestCheck:
    """The outcome of validating one manifest."""

    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()
    effective_scopes: tuple[str, ...] = ()
    manifest: Manifest | None = field(default=None, compare=False)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """The body of ``POST /api/v1/manifests/validate`` and ``manage.py manifest``."""
        if self.valid:
            return {
                "valid": True,
                "effective_scopes": list(self.effective_scopes),
                "warnings": [w.as_dict() for w in self.warnings],
            }
        return {
            "valid": False,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def manifest_validate_text(
    raw: bytes | str, *, fmt: Format | None = None, catalog: Catalog | None = None
) -> ManifestCheck:
    """Read ``raw`` (JSON or YAML) and validate it. Never raises."""
    reading = manifest_read(raw, fmt=fmt)
    if not reading.ok:
        return ManifestCheck(errors=reading.problems)
    return manifest_validate(reading.data, catalog=catalog)


def manifest_validate(data: Any, *, catalog: Catalog | None = None) -> ManifestCheck:
    """Validate parsed manifest ``data`` against format v1 and ``catalog``. Never raises.

    Returns every error and warning, sorted by path. When valid, ``manifest`` holds the
    typed manifest and ``effective_scopes`` the canonical scopes after precedence.
    """
    catalog = catalog or get_catalog()
    errors = _unique(_first(structure_problems(data, catalog), MAX_PROBLEMS + 1))
    if not isinstance(data, Mapping):
        return ManifestCheck(errors=_capped(errors))
    meaning = ManifestMeaning(data, catalog)
    errors = _unique([*errors, *_first(meaning.errors(), MAX_PROBLEMS + 1)])
    warnings = _unique(_first(meaning.warnings(), MAX_PROBLEMS))
    effective = meaning.effective_scopes()
    if errors:
        return ManifestCheck(errors=_capped(errors), warnings=tuple(warnings))
    return ManifestCheck(
        errors=(),
        warnings=tuple(warnings),
        effective_scopes=effective,
        manifest=manifest_from_data(dict(data), effective_scopes=effective),
    )


def _first(problems: Iterator[Problem], limit: int) -> list[Problem]:
    """The first ``limit`` distinct problems; the rest are never computed."""
    seen: dict[Problem, None] = {}
    for problem in problems:
        seen.setdefault(problem)
        if len(seen) >= limit:
            break
    return list(seen)


def _capped(errors: list[Problem]) -> tuple[Problem, ...]:
    """At most ``MAX_PROBLEMS`` errors, then one saying the list stops there: a document
    full of mistakes is not worth an unbounded answer."""
    if len(errors) <= MAX_PROBLEMS:
        return tuple(errors)
    note = Problem(
        "$",
        ManifestError.TOO_MANY_PROBLEMS,
        f"Only the first {MAX_PROBLEMS} problems are listed; fix them and check again.",
    )
    return (*errors[:MAX_PROBLEMS], note)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    result = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            result.append(problem)
    return sorted(result, key=_path_key)


def _path_key(problem: Problem) -> tuple[tuple[tuple[int, int | str], ...], str]:
    parts: list[tuple[int, int | str]] = []
    for token in re.findall(
        r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]", problem.path
    ):
        name, index, quoted = token
        parts.append((0, int(index)) if index else (1, name or quoted))
    return tuple(parts), problem.code
