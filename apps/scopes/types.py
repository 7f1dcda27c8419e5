"""The shapes of the scope catalog: access levels, modules, scopes, webhook events,
embedding locations, and the ``Catalog`` that holds them. Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property


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


class AppEvent(StrEnum):
    """Events about an app's own installation on an account, sent only to that
    installation's subscriptions. They reach no module data, so subscribing needs no
    scope."""

    INSTALLED = "app.installed"
    UPDATED = "app.updated"
    UNINSTALLED = "app.uninstalled"

    @property
    def description(self) -> str:
        return _APP_EVENT_DESCRIPTIONS[self]


_APP_EVENT_DESCRIPTIONS = {
    AppEvent.INSTALLED: "The app was installed on the account (the admin consented).",
    AppEvent.UPDATED: "The installation moved to another version (by an admin or the rollout).",
    AppEvent.UNINSTALLED: "The app is being uninstalled from the account; sent before its "
    "data goes.",
}


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
