"""No table can be forgotten when an installation or an app goes: every model with a
foreign key (or one-to-one) to an installation, an app, the OAuth client, or any row a
deletion plan deletes, has an entry in a plan for that relation. A new table (webhook
deliveries, connection tokens) fails here until its context declares how its rows go."""

from __future__ import annotations

from django.apps import apps as django_apps
from django.conf import settings
from django.db import models
from django.test.utils import isolate_apps

from apps.catalog.models import App
from apps.core.deletion import Children, Rows, Step, StepRows
from apps.installations.models import Installation, WebhookSubscription
from apps.lifecycle.services.plans import declarations, plan_for


def _entries() -> tuple[list[Rows], list[Children]]:
    rows: list[Rows] = []
    children: list[Children] = []
    for _context, item in declarations():
        if isinstance(item, Step | StepRows):
            rows.extend(item.rows)
        elif isinstance(item, Children):
            children.append(item)
    return rows, children


def _deleted_models() -> set[type[models.Model]]:
    rows, children = _entries()
    client = django_apps.get_model(settings.OAUTH2_PROVIDER_APPLICATION_MODEL)
    return {Installation, App, client, *(r.model for r in rows), *(c.model for c in children)}


def _covered(model: type[models.Model], field: models.Field) -> bool:
    """Whether a plan deletes ``model``'s rows through ``field``, clears ``field`` before
    the rows it points at go, deletes ``model``'s rows whole as an owner's children, or
    ``model`` is an owner whose plan deletes its own row (by id: the plan's order then
    puts it before the row it points at, or the plan could not be assembled)."""
    rows, children = _entries()
    names = {field.name, field.attname}
    through = any(r.model is model and r.lookup.split("__")[0] in names for r in rows)
    cleared = any(p.model is model and p.column in names for r in rows for p in r.pointers)
    owner = model in (Installation, App) and any(
        r.model is model and r.lookup == "id" for r in rows
    )
    return through or cleared or owner or any(c.model is model for c in children)


def _hint(model: type[models.Model], field: models.Field, target: type[models.Model]) -> str:
    owner = "Installation" if target is Installation else "App"
    return (
        f"{model._meta.label}.{field.name} points at {target._meta.label}, which a deletion "
        f"plan deletes, but no plan deletes {model.__name__} rows through {field.name!r}. "
        f"Add Rows({model.__name__}, {field.attname!r}, ...) to a Step (or StepRows) of the "
        f"{owner} plan in apps/{model._meta.app_label}/deletion.py, ordered before the "
        f"step that deletes {target.__name__}; or, for a nullable column, a "
        f'Pointer({model.__name__}, "{field.name}") on the Rows of {target.__name__}. '
        'See apps/lifecycle/README.md, "Deletion plans".'
    )


def _missing(candidates: list[type[models.Model]]) -> list[str]:
    deleted = _deleted_models()
    return [
        _hint(model, field, field.related_model)
        for model in candidates
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model in deleted
        and field.related_model is not model
        and not _covered(model, field)
    ]


def test_every_relation_to_a_deleted_row_has_a_plan_entry():
    missing = _missing(django_apps.get_models(include_auto_created=True))

    assert missing == [], "\n".join(missing)


def test_the_owners_plans_are_assembled():
    # Assembling checks the order is total and no row goes before rows pointing at it.
    assert [s.name for s in plan_for(Installation).steps][-1] == "installation"
    assert [s.name for s in plan_for(App).steps][-1] == "client"
    assert [c.model for c in plan_for(App).children] == [Installation]


@isolate_apps("apps.lifecycle")
def test_a_model_left_out_of_the_plans_is_named_with_what_to_add():
    class Delivery(models.Model):
        subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE)
        installation = models.ForeignKey(Installation, on_delete=models.CASCADE)

        class Meta:
            app_label = "lifecycle"

        def __str__(self) -> str:
            return str(self.pk)

    assert _missing([Delivery]) == [
        _hint(Delivery, Delivery._meta.get_field(name), target)
        for name, target in (("subscription", WebhookSubscription), ("installation", Installation))
    ]
    hint = _missing([Delivery])[1]
    assert hint.startswith("lifecycle.Delivery.installation points at installations.Installation")
    assert "Add Rows(Delivery, 'installation_id', ...) to a Step (or StepRows) of the " in hint
    assert "Installation plan in apps/lifecycle/deletion.py" in hint
