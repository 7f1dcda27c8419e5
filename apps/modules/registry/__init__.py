"""The registry of module models: one ``Registration`` per catalog model code, naming the
Django model, the API serializer, the django-filter ``FilterSet`` and the search and
ordering fields. The App API, OpenAPI schema, access matrix and change events are all
built from it. See ``apps/modules/README.md`` for how a host adds or replaces a model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django_filters import rest_framework as filters
from rest_framework import serializers

from apps.modules.registry.filtersets import record_filterset
from apps.modules.registry.serializers import record_serializer

# Catalog models the product serves with endpoints of their own, not through the registry:
# the users module (``/api/v1/users``, ``/api/v1/users/me``) reads memberships.
SERVED_ELSEWHERE = frozenset({"users.user"})

# Fields every record can be ordered by, on top of those a registration names.
BASE_ORDERING = ("id", "created_at", "updated_at")


@dataclass(frozen=True)
class Registration:
    """How the product serves one catalog model (``code``, e.g. ``crm.account``)."""

    code: str
    model: type[models.Model]
    serializer: type[serializers.ModelSerializer[Any]]
    filterset: type[filters.FilterSet]
    search_fields: tuple[str, ...]
    ordering_fields: tuple[str, ...]
    example: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""

    @property
    def module(self) -> str:
        return self.code.split(".", 1)[0]

    @property
    def path(self) -> str:
        """The URL path under ``/api/v1/``: the code with the dot as a slash."""
        return self.code.replace(".", "/")

    @property
    def url_name(self) -> str:
        return self.code.replace(".", "-")


_REGISTRY: dict[str, Registration] = {}


class RegistrationError(ValueError):
    """A registration that would silently replace another, or names unknown fields."""


def register(
    code: str,
    *,
    model: type[models.Model],
    fields: Sequence[str],
    filters: Sequence[str] = (),
    search: Sequence[str] = (),
    ordering: Sequence[str] = (),
    read_only: Sequence[str] = (),
    serializer: type[serializers.ModelSerializer[Any]] | None = None,
    filterset: type[filters.FilterSet] | None = None,
    validate: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None,
    example: Mapping[str, Any] | None = None,
    replace: bool = False,
) -> Registration:
    """Serve ``model`` as the catalog model ``code``.

    ``fields`` are the writable and readable fields besides ``id``, ``owner`` and the
    timestamps; ``filters`` the fields that can be filtered on exactly (relations by id;
    ``owner`` and ``updated_since`` are always there); ``search`` the fields ``?search=``
    looks in; ``ordering`` the fields ``?ordering=`` accepts besides id and timestamps.
    ``serializer`` and ``filterset`` replace the generated ones; ``validate(attrs,
    instance)`` checks a write across fields and returns the attributes (raising DRF's
    ``ValidationError`` keyed by field). ``replace=True`` replaces an earlier
    registration of ``code``; without it a second registration is an error.
    """
    if code in _REGISTRY and not replace:
        raise RegistrationError(f"{code} is already registered; pass replace=True to replace it.")
    registration = Registration(
        code=code,
        model=model,
        serializer=serializer or record_serializer(model, fields, read_only, validate),
        filterset=filterset or record_filterset(model, filters),
        search_fields=tuple(search),
        ordering_fields=tuple(dict.fromkeys((*BASE_ORDERING, *ordering))),
        example=dict(example or {}),
        label=str(model._meta.verbose_name),
    )
    _REGISTRY[code] = registration
    return registration


Spec = tuple[str, dict[str, Any]]


def spec(code: str, **options: Any) -> Spec:
    """A registration written down as data, for ``register(code, **options)`` later."""
    return code, options


def unregister(code: str) -> None:
    """Forget ``code``'s registration (tests, or a host that serves it elsewhere)."""
    _REGISTRY.pop(code, None)


def registration_for(code: str) -> Registration | None:
    return _REGISTRY.get(code)


def registration_for_model(model: type[models.Model]) -> Registration | None:
    return next((r for r in _REGISTRY.values() if r.model is model), None)


def registrations() -> tuple[Registration, ...]:
    """Every registration, in the catalog's order of models (unknown codes last)."""
    from apps.scopes.catalog import get_catalog

    order = {m: i for i, m in enumerate(get_catalog().models)}
    return tuple(sorted(_REGISTRY.values(), key=lambda r: (order.get(r.code, len(order)), r.code)))
