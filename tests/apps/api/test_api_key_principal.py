"""An API-key request: DRF's ``request.user`` is a principal with nothing a rule could
read; who acts is the ``Actor`` built from the key in ``request.auth``."""

import dataclasses

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.accounts.api.context import request_actor
from apps.accounts.principals import ApiKeyPrincipal
from apps.api.authentication import ApiKeyAuthentication
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db


def authenticated(raw: str) -> Request:
    request = Request(
        APIRequestFactory().get("/api/v1/account", HTTP_AUTHORIZATION=f"Bearer {raw}"),
        authenticators=[ApiKeyAuthentication()],
    )
    request.user  # noqa: B018 - authenticates
    return request


def test_the_principal_carries_no_key_account_or_right(account):
    key, raw = ApiKeyFactory(account=account)
    request = authenticated(raw)
    principal = request.user

    assert isinstance(principal, ApiKeyPrincipal)
    assert request.auth == key
    assert [f.name for f in dataclasses.fields(principal)] == ["label"]
    assert not hasattr(principal, "api_key")
    assert not hasattr(principal, "account")
    assert str(principal) == f"API key {key.display_prefix}"
    assert (principal.is_authenticated, principal.is_anonymous) == (True, False)
    assert (principal.is_staff, principal.is_superuser, principal.pk) == (False, False, None)
    assert not principal.has_perm("accounts.moderate_apps")
    assert not principal.has_module_perms("accounts")


def test_the_actor_comes_from_the_key_in_request_auth(account):
    key, raw = ApiKeyFactory(account=account)

    actor = request_actor(authenticated(raw))

    assert (actor.api_key, actor.account, actor.user) == (key, account, None)
    assert actor.label == f"API key {key.display_prefix}"
