"""The deletion plans of every context, collected and put in order.

Each context declares its own in ``<context>/deletion.py`` (``apps/core/deletion.py``
says how). Here they are gathered per owner (``Installation``, ``App``) into one
``Plan``: its steps in a total order, the rows other contexts add to a step put ahead of
that step's own, and the owner's fields the plan reads. A declaration that leaves the
order open, names a step nobody declares, or deletes rows before rows that still point
at them is refused with ``ImproperlyConfigured`` when the plan is first assembled.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import module_has_submodule

from apps.core.deletion import Children, Declaration, Owner, Rows, Step, StepRows


@dataclass(frozen=True)
class PlanStep:
    """A step as the plan runs it: the rows other contexts add to it first."""

    name: str
    label: str
    rows: tuple[Rows, ...]
    storage: Callable[[Owner], int] | None
    with_owner: bool
    context: str


@dataclass(frozen=True)
class Plan:
    """Everything that goes with one kind of owner, in order."""

    owner: type[models.Model]
    steps: tuple[PlanStep, ...]
    children: tuple[Children, ...]
    needs: tuple[str, ...]

    @property
    def closing(self) -> int:
        """The index of the first step that goes with the owner's row (the last ones)."""
        return next((i for i, step in enumerate(self.steps) if step.with_owner), len(self.steps))

    def load(self, owner_id: int) -> Owner | None:
        """The owner's id and the fields the plan reads; ``None`` once it is gone."""
        values: dict[str, Any] | None = (
            self.owner._base_manager.filter(pk=owner_id).values(*self.needs).first()
        )
        return values

    def rows(self) -> Iterator[tuple[PlanStep, Rows]]:
        for step in self.steps:
            for rows in step.rows:
                yield step, rows


def declarations() -> list[tuple[str, Declaration]]:
    """Every context's ``DELETION`` declarations (``apps/<context>/deletion.py``), with
    the context's label, in the order of ``INSTALLED_APPS``."""
    found: list[tuple[str, Declaration]] = []
    for config in django_apps.get_app_configs():
        if config.name.startswith("apps.") and module_has_submodule(config.module, "deletion"):
            module = import_module(f"{config.name}.deletion")
            found.extend((config.label, item) for item in getattr(module, "DELETION", ()))
    return found


def _ordered(owner: type[models.Model], steps: list[tuple[str, Step]]) -> list[tuple[str, Step]]:
    """The steps in the one order their declarations allow (each context's in the order
    it lists them, then ``before``/``after``); refuses an order left open."""
    label = owner._meta.label
    by_name: dict[str, tuple[str, Step]] = {}
    for context, step in steps:
        if step.name in by_name:
            raise ImproperlyConfigured(f"Two steps named {step.name!r} in the plan of {label}.")
        by_name[step.name] = (context, step)
    edges: set[tuple[str, str]] = set()
    last: dict[str, str] = {}
    for context, step in steps:
        if context in last:
            edges.add((last[context], step.name))
        last[context] = step.name
        edges.update((step.name, other) for other in step.before)
        edges.update((other, step.name) for other in step.after)
    for first, then in edges:
        for name in (first, then):
            if name not in by_name:
                raise ImproperlyConfigured(f"No step {name!r} in the plan of {label}.")
    order: list[tuple[str, Step]] = []
    left = set(by_name)
    while left:
        ready = sorted(n for n in left if not any(a in left and b == n for a, b in edges))
        if len(ready) != 1:
            raise ImproperlyConfigured(
                f"The plan of {label} has no single order: "
                + (f"{ready} could each go next; " if ready else "a cycle; ")
                + "declare before= or after= on one of them."
            )
        order.append(by_name[ready[0]])
        left.remove(ready[0])
    return order


def _pointers_checked(owner: type[models.Model], steps: tuple[PlanStep, ...]) -> None:
    """Every row goes before the rows it points at, unless the pointer is cleared first
    (a nullable column named in a ``Pointer`` of the rows it points at)."""
    cleared = {(p.model, p.column) for step in steps for r in step.rows for p in r.pointers}
    position: dict[type[models.Model], int] = {}
    flat = [r for step in steps for r in step.rows]
    for index, rows in enumerate(flat):
        position.setdefault(rows.model, index)
    for index, rows in enumerate(flat):
        for field in rows.model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if not isinstance(target, type) or target is rows.model or target not in position:
                continue
            if position[target] < index and (rows.model, field.name) not in cleared:
                raise ImproperlyConfigured(
                    f"In the plan of {owner._meta.label}, {target._meta.label} goes before "
                    f"{rows.model._meta.label}, whose {field.name!r} points at it."
                )


@functools.cache
def plan_for(owner: type[models.Model]) -> Plan:
    """The assembled plan of ``owner`` (cached: declarations are module constants)."""
    found = declarations()
    steps = [(c, d) for c, d in found if isinstance(d, Step) and d.owner is owner]
    added: dict[str, list[Rows]] = {}
    for _context, item in found:
        if isinstance(item, StepRows) and item.owner is owner:
            added.setdefault(item.step, []).extend(item.rows)
    ordered = _ordered(owner, steps)
    unknown = set(added) - {step.name for _c, step in ordered}
    if unknown:
        raise ImproperlyConfigured(f"No step {sorted(unknown)} in the plan of {owner}.")
    plan_steps = tuple(
        PlanStep(
            name=step.name,
            label=step.label,
            rows=(*added.get(step.name, ()), *step.rows),
            storage=step.storage,
            with_owner=step.with_owner,
            context=context,
        )
        for context, step in ordered
    )
    closing = next((i for i, s in enumerate(plan_steps) if s.with_owner), len(plan_steps))
    if not all(step.with_owner for step in plan_steps[closing:]):
        raise ImproperlyConfigured(f"The with_owner steps of {owner} must come last.")
    _pointers_checked(owner, plan_steps)
    needs = {"id"}
    for _context, step in ordered:
        needs.update(step.needs)
        needs.update(rows.key for rows in step.rows)
    children = tuple(d for _c, d in found if isinstance(d, Children) and d.owner is owner)
    return Plan(owner=owner, steps=plan_steps, children=children, needs=tuple(sorted(needs)))
