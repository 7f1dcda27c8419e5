"""Register the Example Connector (``examples/connector``) as a demo app of devstudio and
write its OAuth credentials where the connector reads them (``var/example-app.json``).

- Example Connector (public, listed): 1.0.0 reviewed, approved and published, so Acme's
  admin can install it from the catalog or from the connector's own "Connect" button; it
  lists the account's users and CRM accounts and creates follow-up tasks;
  1.1.0, which adds ``calendar:read``, approved but not published: the developer publishes
  it when the walkthrough reaches the update, and installed accounts then update with a
  re-consent that shows the new scope apart.

Its manifest subscribes the connector to ``users.user.updated`` and
``crm.account.updated``; the credentials file carries the app's webhook signing secret
(``webhook_secret``), with which the connector verifies every delivery.

Idempotent: an existing app is left as it is. The raw client secret exists only when it
is made, so when the credentials file is missing (or names another client) the secret is
rotated and the file written again. ``demo`` runs this after ``demo_catalog``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from apps.accounts.actors import Actor, actor_for_user
from apps.accounts.models import Account, User
from apps.catalog.models import App, AppType
from apps.catalog.services import (
    app_create,
    app_credentials_rotate,
    app_list_in_catalog,
    app_listing_update,
    version_create,
    version_publish,
    version_submit,
)
from apps.core.example_app import example_config_path
from apps.demo.credentials import credentials_write, credentials_written_for
from apps.demo.people import ACCOUNT, DemoCommand, demo_approve, demo_people
from apps.webhooks.services import signing_secret_current

NAME = "Example Connector"
MARKETPLACE_URL = "http://127.0.0.1:8000"
# The connector runs on this host name: the redirect URI must match the manifest exactly.
CONNECTOR_URL = "http://localhost:8001"

SCOPES = [
    {
        "code": "users",
        "level": "read",
        "reason": "Shows who is connected and lists your colleagues, to match them with "
        "people in the connected service.",
    },
    {
        "code": "crm.accounts",
        "level": "read",
        "reason": "Lists your customers, to link each to its record in the connected service.",
    },
    {
        "code": "task",
        "level": "full",
        "reason": "Creates a follow-up task for a customer when you ask it to.",
    },
]
# What 1.1.0 asks for on top of 1.0.0's scopes.
UPDATE_SCOPE = {
    "code": "calendar",
    "level": "read",
    "reason": "Shows each customer's meetings next to its record in the connected service.",
}


SETTINGS: list[dict[str, Any]] = [
    {
        "key": "workspace",
        "level": "app",
        "type": "string",
        "label": "Workspace name",
        "help": "The workspace of the connected service this account syncs with.",
        "required": True,
    },
    {
        "key": "api_token",
        "level": "app",
        "type": "secret",
        "label": "Connected service API token",
        "help": "Stored encrypted; shown masked.",
    },
    {
        "key": "sync_interval",
        "level": "app",
        "type": "select",
        "label": "Sync every",
        "default": "hour",
        "options": [
            {"value": "15min", "label": "15 minutes"},
            {"value": "hour", "label": "Hour"},
            {"value": "day", "label": "Day"},
        ],
    },
    {
        "key": "letterhead",
        "level": "app",
        "type": "file",
        "label": "Letterhead (PDF or image)",
        "help": "Printed at the top of exported reports.",
    },
    {
        "key": "notify_me",
        "level": "user",
        "type": "boolean",
        "label": "E-mail me when a sync fails",
        "default": False,
    },
]


def manifest(number: str, scopes: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "manifest_version": 1,
        "version": number,
        "authorization": "account",
        "redirect_uris": [f"{CONNECTOR_URL}/oauth/callback"],
        # Installs started on the marketplace go through the connector, which starts the
        # authorization with its own state and PKCE (docs/oauth.md).
        "install_start_url": f"{CONNECTOR_URL}/oauth/install",
        "scopes": scopes,
        "webhooks": [
            {
                "id": "user-updated",
                "event": "users.user.updated",
                "url": f"{CONNECTOR_URL}/hooks/users",
            },
            {
                "id": "customer-updated",
                "event": "crm.account.updated",
                "url": f"{CONNECTOR_URL}/hooks/crm",
            },
            # About its own installation: no scope needed (docs/webhooks.md).
            {"id": "app-installed", "event": "app.installed", "url": f"{CONNECTOR_URL}/hooks/app"},
            {
                "id": "app-uninstalled",
                "event": "app.uninstalled",
                "url": f"{CONNECTOR_URL}/hooks/app",
            },
        ],
        "embeddings": [
            {
                "id": "menu",
                "location": "main_menu",
                "code": "connector.home",
                "url": f"{CONNECTOR_URL}/embed",
                "title": "Example Connector",
            },
            {
                "id": "account-card",
                "location": "crm.account.card",
                "code": "connector.account",
                "url": f"{CONNECTOR_URL}/embed/account",
                "title": "Contacts in the Example Connector",
            },
        ],
        "settings": SETTINGS,
    }


class Command(DemoCommand):
    help = "Register the Example Connector demo app and write var/example-app.json (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        account, developer, moderator = demo_people(force=force)
        path = example_config_path()
        app = App.objects.filter(account=account, name=NAME).first()
        if app is None:
            app, secret = self._create(account, actor_for_user(user=developer), moderator)
            what = (
                "public, listed: 1.0.0 published, 1.1.0 (adds calendar:read) approved, unpublished"
            )
        elif credentials_written_for(path, app.oauth_application.client_id):
            if _webhook_secret_added(path, signing_secret_current(app_id=app.pk)):
                self._report(app, "exists; its signing secret was added to the file", path)
            else:
                self._report(app, "exists, left as it is", path)
            return
        else:
            secret = app_credentials_rotate(app=app)
            what = "exists; its client secret was rotated because the credentials file was missing"
        client_id = app.oauth_application.client_id
        signing = signing_secret_current(app_id=app.pk)
        # Written once the data is committed: a rolled-back run leaves no orphan secret.
        transaction.on_commit(lambda: _write(path, client_id, secret, signing))
        self._report(app, what, path)

    def _create(self, account: Account, dev: Actor, moderator: User) -> tuple[App, str]:
        app, secret = app_create(account=account, name=NAME, type=AppType.PUBLIC, actor=dev)
        app_listing_update(
            app=app,
            summary="The example third-party app: installs through OAuth and calls the API.",
            description=(
                "Example Connector is the small app in examples/connector of the marketplace "
                "repository. It starts the OAuth authorization itself (or accepts an install "
                "from the catalog), exchanges the code, calls the users API, lists the "
                "account's customers and creates follow-up tasks, refreshes and revokes its "
                "tokens. Read it next to docs/oauth.md."
            ),
            support_email="support@devstudio.test",
            support_url="https://devstudio.example.com/connector/help",
        )
        first = version_create(
            app=app,
            raw=json.dumps(manifest("1.0.0", SCOPES), indent=2),
            changelog="First release: connects, shows the user, the account's users and "
            "customers, and creates follow-up tasks.",
            actor=dev,
        )
        version_submit(version=first, actor=dev)
        demo_approve(version=first, moderator=moderator)
        version_publish(version=first, actor=dev)
        app_list_in_catalog(app=app)
        second = version_create(
            app=app,
            raw=json.dumps(manifest("1.1.0", [*SCOPES, UPDATE_SCOPE]), indent=2),
            changelog="Shows each customer's meetings (asks to view calendar events).",
            actor=dev,
        )
        version_submit(version=second, actor=dev)
        demo_approve(version=second, moderator=moderator)
        return app, secret

    def _report(self, app: App, what: str, path: Path) -> None:
        self.stdout.write(f"Example app of {ACCOUNT}:")
        self.stdout.write(f"  {app.name:<17} {what}")
        self.stdout.write(f"  credentials in {path} (client {app.oauth_application.client_id})")


def _write(path: Path, client_id: str, secret: str, signing: str) -> None:
    credentials_write(
        path,
        {
            "marketplace_url": MARKETPLACE_URL,
            "client_id": client_id,
            "client_secret": secret,
            "public_url": CONNECTOR_URL,
            # The app's webhook signing secret, with which the connector verifies deliveries.
            "webhook_secret": signing,
        },
    )


def _webhook_secret_added(path: Path, signing: str) -> bool:
    """Put the signing secret in a credentials file written before it carried one."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("webhook_secret") == signing:
        return False
    credentials_write(path, {**data, "webhook_secret": signing})
    return True
