"""Personas and helpers for the catalog and moderation API tests (the fixtures are
imported by the conftest of each API test package).

Besides the shared personas (tests/conftest.py): ``other_developer`` (a developer of
``other_account``), and API keys of ``account`` and of ``other_account``.
"""

import json
from typing import Any

import pytest
from oauth2_provider.models import get_application_model

from apps.catalog.models import App, AppBanner, AppVersion, InstallLink, VersionEvent
from apps.moderation.models import Review
from tests.apps.api.helpers import API, api_client
from tests.factories import ApiKeyFactory, MembershipFactory, UserFactory


@pytest.fixture
def other_developer(other_account):
    return MembershipFactory(
        account=other_account, user=UserFactory(email="dev@globex.test"), is_developer=True
    ).user


@pytest.fixture
def account_key(account) -> str:
    _, raw = ApiKeyFactory(account=account, name="CI")
    return raw


@pytest.fixture
def other_key(other_account) -> str:
    _, raw = ApiKeyFactory(account=other_account, name="Globex CI")
    return raw


PERSONAS = [
    "anonymous",
    "outsider",
    "other_developer",
    "member",
    "moderator",
    "staff",
    "developer",
    "api_key",
    "other_api_key",
]


def persona_client(request, name: str):
    """An API client for a persona named in ``PERSONAS``."""
    if name == "anonymous":
        return api_client()
    if name == "api_key":
        return api_client(key=request.getfixturevalue("account_key"))
    if name == "other_api_key":
        return api_client(key=request.getfixturevalue("other_key"))
    return api_client(request.getfixturevalue(name))


def catalog_snapshot() -> dict[str, Any]:
    """Every catalog and moderation row a denied call could have touched."""
    return {
        "apps": list(
            App.objects.order_by("pk").values_list(
                "pk",
                "name",
                "status",
                "is_listed",
                "summary",
                "description",
                "support_email",
                "support_url",
                "logo",
                "credentials_rotated_at",
                "updated_at",
            )
        ),
        "oauth": list(
            get_application_model()
            .objects.order_by("pk")
            .values_list("pk", "name", "client_secret", "is_suspended")
        ),
        "banners": list(AppBanner.objects.order_by("pk").values_list("pk", "app_id", "image")),
        "versions": list(
            AppVersion.objects.order_by("pk").values_list(
                "pk",
                "number",
                "status",
                "manifest_source",
                "changelog",
                "rejection_reason",
                "updated_at",
            )
        ),
        "events": list(VersionEvent.objects.order_by("pk").values_list("pk", "to_status")),
        "links": list(InstallLink.objects.order_by("pk").values_list("pk", "label", "revoked_at")),
        "reviews": list(
            Review.objects.order_by("pk").values_list(
                "pk", "released_at", "decided_at", "decision", "reason"
            )
        ),
    }


def app_url(app, suffix: str = "") -> str:
    return f"{API}/apps/{app.code}{suffix}"


def version_url(version, suffix: str = "") -> str:
    return f"{API}/apps/{version.app.code}/versions/{version.number}{suffix}"


def post_manifest(client, url: str, text: str, *, content_type="application/json", **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(f"{url}?{query}" if query else url, data=text, content_type=content_type)


def post_json(client, url: str, data: Any):
    return client.post(url, data=json.dumps(data), content_type="application/json")
