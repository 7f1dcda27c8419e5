"""The registry: every catalog model is served, a host replaces or adds a model by
registering it, and the system check names what is missing."""

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from apps.modules.checks import check_module_registry
from apps.modules.models import CrmAccount
from apps.modules.registry import (
    SERVED_ELSEWHERE,
    RegistrationError,
    register,
    registration_for,
    registrations,
    unregister,
)
from apps.scopes.catalog import get_catalog, reset_catalog


@pytest.fixture
def restore_registry():
    saved = {r.code: r for r in registrations()}
    yield
    for r in registrations():
        unregister(r.code)
    from apps.modules.registry import _REGISTRY

    _REGISTRY.update(saved)
    reset_catalog()


def test_every_catalog_model_but_users_has_a_registration():
    registered = {r.code for r in registrations()}

    assert registered == set(get_catalog().models) - SERVED_ELSEWHERE
    assert len(registered) == 34


def test_every_registration_is_a_distinct_model_owned_by_an_account():
    models = [r.model for r in registrations()]

    assert len(set(models)) == len(models)
    for model in models:
        assert model._meta.get_field("account").related_model.__name__ == "Account"


def test_the_check_passes_for_the_product():
    assert check_module_registry() == []
    assert [m for m in run_checks() if m.id and m.id.startswith("modules.")] == []


def test_a_catalog_model_without_registration_fails_the_check(restore_registry):
    unregister("crm.phone")

    errors = check_module_registry()

    assert [(e.id, e.msg) for e in errors] == [
        ("modules.E001", "The catalog model 'crm.phone' has no registration: apps cannot reach it.")
    ]
    assert "apps/modules/README.md" in errors[0].hint


def test_a_model_the_host_adds_to_the_catalog_must_be_registered(restore_registry):
    extension = {"modules": {"crm": {"models": ["crm.territory"]}}}
    with override_settings(MARKETPLACE_SCOPE_CATALOG=extension):
        reset_catalog()
        assert [e.id for e in check_module_registry()] == ["modules.E001"]

        register("crm.territory", model=CrmAccount, fields=("name",))

        assert check_module_registry() == []
    reset_catalog()


def test_a_registration_outside_the_catalog_fails_the_check(restore_registry):
    register("crm.territory", model=CrmAccount, fields=("name",))

    assert [e.id for e in check_module_registry()] == ["modules.E002"]


def test_registering_twice_needs_replace(restore_registry):
    with pytest.raises(RegistrationError):
        register("crm.account", model=CrmAccount, fields=("name",))

    replaced = register("crm.account", model=CrmAccount, fields=("name",), replace=True)

    assert registration_for("crm.account") is replaced
    assert set(replaced.serializer().fields) == {"id", "owner", "name", "created_at", "updated_at"}


def test_registrations_follow_the_catalog_order():
    codes = [r.code for r in registrations()]

    assert codes[:3] == ["crm.account", "crm.company", "crm.contact"]
    assert codes[-1] == "customlists.item"
