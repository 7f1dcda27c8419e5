"""The Django admin: every model of ours registered, usable, and for platform staff only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

OUR_APPS = {"accounts", "jobs", "oauth", "catalog", "moderation"}

# Created in the console, the API or the authorization flow only (where secrets are shown
# once and the state machines run), never through the admin's add form.
NO_ADD_FORM = {
    "accounts.AccountEvent",
    "accounts.ApiKey",
    "accounts.Invitation",
    "catalog.App",
    "catalog.AppBanner",
    "catalog.AppVersion",
    "catalog.VersionEvent",
    "catalog.InstallLink",
    "moderation.Review",
    "oauth.Grant",
    "oauth.AccessToken",
    "oauth.RefreshToken",
    "oauth.IDToken",
}


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
    assert add.status_code == (403 if opts.label in NO_ADD_FORM else 200)


def test_every_model_without_an_add_form_is_one_of_ours():
    assert NO_ADD_FORM - {m._meta.label for m in _our_models()} == set()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [None, "member", "admin"])
def test_the_admin_is_not_for_account_users(request, client_for, persona):
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get("/admin/accounts/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
