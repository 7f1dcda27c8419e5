"""Helpers of the installations API tests: URLs, persona clients and a snapshot of every
row a denied call could touch."""

import io
from typing import Any

from oauth2_provider.models import get_access_token_model

from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from apps.jobs.models import Job
from tests.apps.api.helpers import API, api_client


def url(installation: Installation | int, suffix: str = "") -> str:
    pk = installation if isinstance(installation, int) else installation.pk
    return f"{API}/installations/{pk}{suffix}"


def persona_client(request: Any, name: str):
    """An API client for ``anonymous``, ``api_key``, ``other_api_key`` or a user fixture."""
    if name == "anonymous":
        return api_client()
    if name == "api_key":
        return api_client(key=request.getfixturevalue("account_key"))
    if name == "other_api_key":
        return api_client(key=request.getfixturevalue("other_key"))
    return api_client(request.getfixturevalue(name))


def snapshot() -> dict[str, Any]:
    """Every installation row a denied call could have touched."""
    return {
        "installations": list(
            Installation.objects.order_by("pk").values_list(
                "pk",
                "status",
                "version_id",
                "granted_scopes",
                "scopes_revision",
                "uninstall_requested_at",
                "pinned_at",
                "pending_version_id",
                "updated_at",
            )
        ),
        "access": list(
            InstallationAccess.objects.order_by("pk").values_list(
                "pk", "installation_id", "role_id", "group_id"
            )
        ),
        "settings": list(
            SettingValue.objects.order_by("pk").values_list(
                "pk", "installation_id", "key", "user_id", "value", "secret", "file", "updated_at"
            )
        ),
        "webhooks": list(
            WebhookSubscription.objects.order_by("pk").values_list(
                "pk", "installation_id", "webhook_id", "event", "url"
            )
        ),
        "events": list(InstallationEvent.objects.order_by("pk").values_list("pk", "kind")),
        "authorizations": list(
            UserAuthorization.objects.order_by("pk").values_list("pk", "scopes")
        ),
        "tokens": list(get_access_token_model().objects.order_by("pk").values_list("pk")),
        "jobs": list(Job.objects.order_by("pk").values_list("pk", "state")),
    }


def upload(name: str = "letterhead.pdf", content: bytes = b"%PDF-1.4 letterhead") -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle
