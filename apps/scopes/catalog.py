"""The scope catalog: modules, the models they hold, the scopes that cover them, and the
webhook events and embedding locations derived from them.

Everything is defined here, once. A host adds modules, models, scopes and locations
through the ``MARKETPLACE_SCOPE_CATALOG`` setting (see ``apps/scopes/README.md``); the
catalog is rebuilt when that setting changes and checked at start-up by a system check.

Pure data and functions: no ORM, no request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from apps.accounts.models import ModuleCode


class Level(StrEnum):
    """Access levels of a scope. ``full`` includes ``read``."""

    READ = "read"
    FULL = "full"

    @property
    def rank(self) -> int:
        return 1 if self is Level.READ else 2


class EventAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True)
class Module:
    """A module of the host product, e.g. ``crm``, and the models it holds."""

    code: str
    label: str
    models: tuple[str, ...]


@dataclass(frozen=True)
class Scope:
    """A code an app declares to reach a set of models of one module.

    ``is_module`` scopes cover every model of their module; narrower scopes cover
    ``models``. ``self_only`` scopes (``user.me``) reach only the authorized user's own
    record of their models.
    """

    code: str
    module: str
    description: str
    models: tuple[str, ...]
    is_module: bool
    self_only: bool = False


@dataclass(frozen=True)
class Event:
    """A webhook event: a change to one model. Subscribing needs read on the model."""

    code: str
    model: str
    action: EventAction


@dataclass(frozen=True)
class Location:
    """A place in the product's pages where an app can be embedded.

    Locations tied to a ``model`` (record cards) pass the record's id in the launch
    context, so an app embedded there needs read access to that model to use it.
    """

    code: str
    label: str
    description: str
    model: str | None = None


@dataclass(frozen=True, eq=False)
class Catalog:
    modules: Mapping[str, Module]
    scopes: Mapping[str, Scope]
    locations: Mapping[str, Location]

    @cached_property
    def models(self) -> tuple[str, ...]:
        """Every model the catalog covers, in module order."""
        return tuple(model for module in self.modules.values() for model in module.models)

    def module_of_model(self, model: str) -> str | None:
        for module in self.modules.values():
            if model in module.models:
                return module.code
        return None

    def scope_models(self, code: str) -> tuple[str, ...]:
        scope = self.scopes[code]
        return self.modules[scope.module].models if scope.is_module else scope.models

    @cached_property
    def events(self) -> Mapping[str, Event]:
        """``<model>.created|updated|deleted`` for every model, in model order."""
        return {
            f"{model}.{action}": Event(code=f"{model}.{action}", model=model, action=action)
            for model in self.models
            for action in EventAction
        }

    def scopes_covering(self, model: str) -> tuple[Scope, ...]:
        """The scopes whose models include ``model``, module scope first."""
        found = [s for s in self.scopes.values() if model in self.scope_models(s.code)]
        return tuple(sorted(found, key=lambda s: (not s.is_module, s.self_only, s.code)))


_MODEL_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")

# The host product's modules, their models, and the narrower scopes the product offers.
# Model names are ``<module>.<model>`` as the product's API spells them.
BASE_MODULE_MODELS: dict[str, tuple[str, ...]] = {
    ModuleCode.USERS: ("users.user",),
    ModuleCode.CRM: (
        "crm.account",
        "crm.company",
        "crm.contact",
        "crm.phone",
        "crm.email",
        "crm.leads",
        "crm.leadsitems",
        "crm.pipeline",
        "crm.stage",
    ),
    ModuleCode.PRODUCTS: ("products.product", "products.category"),
    ModuleCode.FIN: (
        "fin.invoices",
        "fin.items",
        "fin.itemsrelation",
        "fin.transaction",
        "fin.bankaccount",
    ),
    ModuleCode.ST: ("st.project", "st.stage"),
    ModuleCode.TASK: ("task.task", "task.checklist", "task.comment"),
    ModuleCode.AGILE: ("agile.project", "agile.issue", "agile.sprint"),
    ModuleCode.CALENDAR: ("calendar.event",),
    ModuleCode.TIMETRACKER: ("timetracker.entry",),
    ModuleCode.KNOWLEDGEBASE: ("knowledgebase.article", "knowledgebase.category"),
    ModuleCode.WORKSPACE: ("workspace.document", "workspace.file"),
    ModuleCode.ORGCHART: ("orgchart.department", "orgchart.position"),
    ModuleCode.CUSTOMLISTS: ("customlists.list", "customlists.item"),
}

# What each scope lets an app reach, as a noun phrase for consent screens.
BASE_MODULE_DESCRIPTIONS: dict[str, str] = {
    ModuleCode.USERS: "the account's users and their profiles",
    ModuleCode.CRM: "everything in the CRM: accounts, contacts, deals and pipelines",
    ModuleCode.PRODUCTS: "products and product categories",
    ModuleCode.FIN: "everything in Finance: invoices, their items, transactions and bank accounts",
    ModuleCode.ST: "projects and their stages",
    ModuleCode.TASK: "tasks, their checklists and comments",
    ModuleCode.AGILE: "agile projects, issues and sprints",
    ModuleCode.CALENDAR: "calendar events",
    ModuleCode.TIMETRACKER: "time tracker entries",
    ModuleCode.KNOWLEDGEBASE: "knowledge base articles and categories",
    ModuleCode.WORKSPACE: "workspace documents and files",
    ModuleCode.ORGCHART: "the org chart: departments and positions",
    ModuleCode.CUSTOMLISTS: "custom lists and their items",
}

BASE_NARROW_SCOPES: tuple[Scope, ...] = (
    Scope(
        code="user.me",
        module=ModuleCode.USERS,
        description="your own user profile (only the user who authorized the app)",
        models=("users.user",),
        is_module=False,
        self_only=True,
    ),
    Scope(
        code="crm.accounts",
        module=ModuleCode.CRM,
        description="CRM accounts, companies and contacts, with their phones and e-mails",
        models=("crm.account", "crm.company", "crm.contact", "crm.phone", "crm.email"),
        is_module=False,
    ),
    Scope(
        code="crm.deals",
        module=ModuleCode.CRM,
        description="CRM deals and their items",
        models=("crm.leads", "crm.leadsitems"),
        is_module=False,
    ),
    Scope(
        code="fin.invoices",
        module=ModuleCode.FIN,
        description="invoices, their items and the links between them",
        models=("fin.invoices", "fin.items", "fin.itemsrelation"),
        is_module=False,
    ),
)

# Where apps can be embedded. Record cards name the model whose id the app receives.
BASE_LOCATIONS: tuple[Location, ...] = (
    Location("main_menu", "Main menu", "An item in the main menu that opens the app full page."),
    Location("dashboard.widget", "Dashboard widget", "A widget on the home dashboard."),
    Location(
        "settings.page",
        "Settings page",
        "A page under Settings > Apps, for account administrators.",
    ),
    Location(
        "users.profile.card", "User profile", "A panel on a user's profile page.", "users.user"
    ),
    Location("crm.account.card", "CRM account card", "A panel on a CRM account.", "crm.account"),
    Location("crm.contact.card", "CRM contact card", "A panel on a CRM contact.", "crm.contact"),
    Location("crm.deal.card", "CRM deal card", "A panel on a CRM deal.", "crm.leads"),
    Location("fin.invoice.card", "Invoice card", "A panel on an invoice.", "fin.invoices"),
    Location("products.product.card", "Product card", "A panel on a product.", "products.product"),
    Location("st.project.card", "Project card", "A panel on a project.", "st.project"),
    Location("task.card", "Task card", "A panel on a task.", "task.task"),
    Location("agile.issue.card", "Agile issue card", "A panel on an agile issue.", "agile.issue"),
    Location(
        "calendar.event.card", "Calendar event card", "A panel on an event.", "calendar.event"
    ),
    Location(
        "knowledgebase.article.card",
        "Knowledge base article",
        "A panel on a knowledge base article.",
        "knowledgebase.article",
    ),
)


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

    if problems:
        raise CatalogError(problems)
    return Catalog(modules=modules, scopes=scopes, locations=locations)


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
