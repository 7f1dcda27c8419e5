"""The Django admin: every model of ours registered, usable, and for platform staff only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

OUR_APPS = {"accounts", "jobs", "oauth", "catalog", "moderation"}


def _our_models():
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]


def test_every_model_of_ours_is_registered():
    missing = [m._meta.label for m in _our_models() if m not in admin.site._registry]
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", _our_models(), ids=lambda m: m._meta.label)
def test_staff_can_open_every_changelist_and_add_form(client_for, staff, model):
    client = client_for(staff)
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(url).status_code == 200
    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    # API keys, apps, versions and reviews are created in the console or the API only.
    assert add.status_code in (200, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [None, "member", "admin"])
def test_the_admin_is_not_for_account_users(request, client_for, persona):
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get("/admin/accounts/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
