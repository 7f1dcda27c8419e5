"""The app's OAuth client: the one place in the catalog that writes it.

An app owns exactly one confidential client of the authorization server (django-oauth-
toolkit's application model, swapped into ``apps.oauth``); the catalog sits below that
context, so it reaches the model through ``get_application_model`` here and nowhere
else. Four operations: create it with a new secret, follow the app's name, suspend or
restore it (every token of a suspended client is refused from the next request), and
rotate its secret. The secret is returned once and stored only as a keyed hash.
"""

from __future__ import annotations

import secrets
from typing import Any

from oauth2_provider.models import get_application_model

from apps.catalog.models import App


def _new_secret() -> str:
    return secrets.token_urlsafe(48)


def oauth_client_create(*, name: str) -> tuple[Any, str]:
    """A new confidential authorization-code client named ``name``; returns it with its
    raw secret (shown once). Redirect URIs come from each version's manifest, not from
    the client."""
    raw_secret = _new_secret()
    client = get_application_model()(
        name=name,
        client_type="confidential",
        authorization_grant_type="authorization-code",
        client_secret=raw_secret,
        hash_client_secret=True,
        redirect_uris="",
        skip_authorization=False,
    )
    client.save()
    return client, raw_secret


def oauth_client_rename(*, app: App, name: str) -> None:
    """The client carries the app's name (shown by the authorization server's admin)."""
    app.oauth_application.name = name
    app.oauth_application.save(update_fields=["name", "updated"])


def oauth_client_suspend(*, app: App, suspended: bool) -> None:
    """Suspend (``True``) or restore the app's client; a suspended client's tokens are
    refused from the next request."""
    get_application_model().objects.filter(pk=app.oauth_application_id).update(
        is_suspended=suspended
    )
    app.oauth_application.is_suspended = suspended


def oauth_client_rotate_secret(*, app: App) -> str:
    """A new secret for the app's client, under a lock of its row; returns it (once). The
    old secret stops working at once; the client id stays."""
    client = get_application_model().objects.select_for_update().get(pk=app.oauth_application_id)
    raw = _new_secret()
    client.client_secret = raw
    client.save(update_fields=["client_secret", "updated"])
    return raw
