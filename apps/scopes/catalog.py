"""The scope catalog: modules, the models they hold, the scopes that cover them, and the
webhook events and embedding locations derived from them.

The shapes are in ``types.py`` and the product's default catalog in ``base.py``; this
module builds the catalog in force from them. A host adds modules, models, scopes and
locations through the ``MARKETPLACE_SCOPE_CATALOG`` setting (see
``apps/scopes/README.md``); the catalog is rebuilt when that setting changes and checked
at start-up by a system check.

Pure data and functions: no ORM, no request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from apps.accounts.models import ModuleCode
from apps.scopes.base import (
    BASE_LOCATIONS,
    BASE_MODULE_DESCRIPTIONS,
    BASE_MODULE_MODELS,
    BASE_NARROW_SCOPES,
)
from apps.scopes.types import AppEvent, Catalog, Event, EventAction, Level, Location, Module, Scope

__all__ = [
    "BASE_LOCATIONS",
    "BASE_MODULE_DESCRIPTIONS",
    "BASE_MODULE_MODELS",
    "BASE_NARROW_SCOPES",
    "AppEvent",
    "Catalog",
    "CatalogError",
    "Event",
    "EventAction",
    "Level",
    "Location",
    "Module",
    "Scope",
    "build_catalog",
    "get_catalog",
    "reset_catalog",
]

_MODEL_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


class CatalogError(ValueError):
    """The catalog extension in settings is inconsistent; ``problems`` says where."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _labels() -> dict[str, str]:
    return {str(code): str(label) for code, label in ModuleCode.choices}


def build_catalog(extension: Mapping[str, Any] | None = None) -> Catalog:
    """The base catalog with a host's ``extension`` applied.

    ``extension`` may hold ``modules`` (code -> {label, description, models}; an existing
    module code adds models to it), ``scopes`` (code -> {module, description, models}) and
    ``locations`` (code -> {label, description, model}). Raises ``CatalogError`` listing
    every problem when the result would be inconsistent.
    """
    extension = extension or {}
    if not isinstance(extension, Mapping):
        raise CatalogError(["must be a mapping of 'modules', 'scopes' and 'locations'."])
    problems: list[str] = [
        f"{key!r}: unknown section; use 'modules', 'scopes' and 'locations'."
        for key in extension
        if key not in ("modules", "scopes", "locations")
    ]
    modules, descriptions = _modules(extension, problems)
    scopes = _scopes(extension, modules, descriptions, problems)
    locations = _locations(extension, modules, problems)
    if problems:
        raise CatalogError(problems)
    return Catalog(modules=modules, scopes=scopes, locations=locations)


def _modules(
    extension: Mapping[str, Any], problems: list[str]
) -> tuple[dict[str, Module], dict[str, str]]:
    """The base modules with the extension's new modules and added models, and every
    module's description."""
    labels = _labels()
    module_models: dict[str, list[str]] = {k: list(v) for k, v in BASE_MODULE_MODELS.items()}
    descriptions = dict(BASE_MODULE_DESCRIPTIONS)
    for code, spec in _entries(extension, "modules", problems):
        if not _CODE_RE.match(code) or "." in code:
            problems.append(f"modules: {code!r} must be lowercase letters, digits and '_'.")
            continue
        models = _str_list(spec.get("models", []), f"modules.{code}.models", problems)
        if code not in module_models:
            if not _text(spec.get("label")) or not _text(spec.get("description")):
                problems.append(f"modules.{code}: a new module needs a label and a description.")
                continue
            if not models:
                problems.append(f"modules.{code}: a new module needs at least one model.")
                continue
            module_models[code] = []
        if _text(spec.get("label")):
            labels[code] = spec["label"]
        if _text(spec.get("description")):
            descriptions[code] = spec["description"]
        for model in models:
            if not _MODEL_RE.match(model) or model.split(".")[0] != code:
                problems.append(f"modules.{code}.models: {model!r} must be '{code}.<name>'.")
            elif model not in module_models[code]:
                module_models[code].append(model)
    modules = {
        code: Module(code=code, label=labels.get(code, code), models=tuple(models))
        for code, models in module_models.items()
    }
    return modules, descriptions


def _scopes(
    extension: Mapping[str, Any],
    modules: Mapping[str, Module],
    descriptions: Mapping[str, str],
    problems: list[str],
) -> dict[str, Scope]:
    """A module scope per module, the base narrower scopes and the extension's."""
    scopes: dict[str, Scope] = {
        code: Scope(
            code=code,
            module=code,
            description=descriptions[code],
            models=modules[code].models,
            is_module=True,
        )
        for code in modules
    }
    for scope in BASE_NARROW_SCOPES:
        scopes[scope.code] = scope
    for code, spec in _entries(extension, "scopes", problems):
        module = spec.get("module")
        if code in scopes:
            problems.append(f"scopes.{code}: the scope already exists.")
        elif not _CODE_RE.match(code) or "." not in code:
            problems.append(f"scopes.{code}: a narrower scope is spelled '<module>.<name>'.")
        elif not isinstance(module, str) or module not in modules or code.split(".")[0] != module:
            problems.append(f"scopes.{code}: 'module' must be the module its code starts with.")
        elif not _text(spec.get("description")):
            problems.append(f"scopes.{code}: a description is required.")
        else:
            models = _str_list(spec.get("models"), f"scopes.{code}.models", problems)
            outside = [m for m in models if m not in modules[module].models]
            if not models or outside:
                problems.append(
                    f"scopes.{code}.models: list one or more models of module {module!r}"
                    + (f"; not in it: {', '.join(outside)}." if outside else ".")
                )
                continue
            scopes[code] = Scope(
                code=code,
                module=module,
                description=spec["description"],
                models=tuple(models),
                is_module=False,
            )
    return scopes


def _locations(
    extension: Mapping[str, Any], modules: Mapping[str, Module], problems: list[str]
) -> dict[str, Location]:
    """The base locations and the extension's."""
    locations = {location.code: location for location in BASE_LOCATIONS}
    all_models = {m for module in modules.values() for m in module.models}
    for code, spec in _entries(extension, "locations", problems):
        location_model = spec.get("model")
        if code in locations:
            problems.append(f"locations.{code}: the location already exists.")
        elif not _CODE_RE.match(code):
            problems.append(f"locations.{code}: use lowercase letters, digits, '_' and '.'.")
        elif not _text(spec.get("label")) or not _text(spec.get("description")):
            problems.append(f"locations.{code}: a label and a description are required.")
        elif location_model is not None and (
            not isinstance(location_model, str) or location_model not in all_models
        ):
            problems.append(f"locations.{code}.model: unknown model {location_model!r}.")
        else:
            locations[code] = Location(code, spec["label"], spec["description"], location_model)
    return locations


def _entries(
    extension: Mapping[str, Any], key: str, problems: list[str]
) -> Iterable[tuple[str, Mapping[str, Any]]]:
    section = extension.get(key, {})
    if not isinstance(section, Mapping):
        problems.append(f"{key}: must be a mapping of codes to definitions.")
        return []
    entries = []
    for code, spec in section.items():
        if not isinstance(code, str) or not isinstance(spec, Mapping):
            problems.append(f"{key}.{code}: must map a code to a definition.")
        else:
            entries.append((code, spec))
    return entries


def _text(value: object) -> bool:
    """Non-blank text: labels and descriptions end up on consent screens."""
    return isinstance(value, str) and bool(value.strip())


def _str_list(value: object, where: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: must be a list of strings.")
        return []
    return list(value)


_current: Catalog | None = None


def get_catalog() -> Catalog:
    """The catalog in force: the base one with ``settings.MARKETPLACE_SCOPE_CATALOG``."""
    global _current
    if _current is None:
        from django.conf import settings

        _current = build_catalog(getattr(settings, "MARKETPLACE_SCOPE_CATALOG", None))
    return _current


def reset_catalog() -> None:
    """Forget the built catalog; the next ``get_catalog()`` reads the settings again."""
    global _current
    _current = None
