"""Two demo apps of devstudio with connections to the example provider
(``examples/provider``), and the provider's configuration (``var/example-provider.json``).

- Notes Sync (public, listed, 1.0.0 published): an ``oauth2`` connection to the provider
  (a required ``workspace`` parameter sent with the authorization; the test reads
  ``/api/me`` with the access token). Its outside client is set, with the same id and
  secret the provider's file gives it.
- Weather Now (public, listed, 1.0.0 published): a ``generic`` connection (a sensitive
  API key and a city); its test sends the key to the provider's ``/api/ping``.

Their first redirect URI is the console's list of installed apps, where the admin lands
after Allow. Notes Sync also has a tiny backend (``examples/notes_backend``, at
``NOTES_BACKEND``): its callback is Notes Sync's second redirect URI, and its client id
and secret at the marketplace go to ``var/notes-sync.json`` (the secret rotated when the
file is missing). Idempotent: existing apps are left as they are; the provider's file is
written again (with a new outside secret) when it is missing.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from django.db import transaction

from apps.accounts.actors import Actor, actor_for_user
from apps.accounts.models import Membership, User
from apps.catalog.models import App, AppType
from apps.catalog.selectors import version_last_published, version_manifest
from apps.catalog.services import (
    app_create,
    app_credentials_rotate,
    app_list_in_catalog,
    app_listing_update,
    version_create,
    version_publish,
    version_submit,
)
from apps.connections.authorization import outside_client_set
from apps.connections.models import OutsideClient
from apps.core.example_app import example_provider_config_path, notes_backend_config_path
from apps.demo.credentials import credentials_write, credentials_written_for
from apps.demo.people import ACCOUNT, DemoCommand, demo_approve, demo_people

MARKETPLACE = "http://127.0.0.1:8000"
PROVIDER = "http://127.0.0.1:8002"
NOTES_BACKEND = "http://127.0.0.1:8003"
CLIENT_ID = "marketplace-demo"
API_KEY = "demo-api-key"
SCOPES = [{"code": "user.me", "level": "read", "reason": "Shows who connected the app."}]

NOTES = {
    "type": "oauth2",
    "parameters": [
        {
            "key": "workspace",
            "label": "Workspace",
            "help": "Your workspace at the Example Provider.",
            "required": True,
        }
    ],
    "oauth2": {
        "authorize_url": f"{PROVIDER}/authorize",
        "token_url": f"{PROVIDER}/token",
        "revoke_url": f"{PROVIDER}/revoke",
        "scopes": ["profile", "notes:read"],
        "authorize_params": {"workspace": "{{workspace}}"},
    },
    "test": {"url": f"{PROVIDER}/api/me", "headers": {"Authorization": "Bearer {{access_token}}"}},
}
WEATHER = {
    "type": "generic",
    "parameters": [
        {
            "key": "api_key",
            "label": "API key",
            "help": f"The Example Provider's demo key is {API_KEY}.",
            "required": True,
            "sensitive": True,
        },
        {"key": "city", "label": "City", "required": True},
    ],
    "test": {
        "url": f"{PROVIDER}/api/ping?city={{{{city}}}}",
        "headers": {"X-Api-Key": "{{api_key}}"},
    },
}
APPS: list[tuple[str, str, dict[str, Any]]] = [
    ("Notes Sync", "Syncs your notes from the Example Provider (an OAuth connection).", NOTES),
    ("Weather Now", "Weather for your city (a connection with an API key).", WEATHER),
]


def manifest(connection: dict[str, Any]) -> str:
    backend = [f"{NOTES_BACKEND}/oauth/callback"] if connection is NOTES else []
    return json.dumps(
        {
            "manifest_version": 1,
            "version": "1.0.0",
            "authorization": "account",
            "redirect_uris": [f"{MARKETPLACE}/apps/installed/", *backend],
            "scopes": SCOPES,
            "connection": connection,
        },
        indent=2,
    )


class Command(DemoCommand):
    help = "Register the demo apps with connections and write var/example-provider.json."

    @transaction.atomic
    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        account, developer, moderator = demo_people(force=force)
        membership = Membership.objects.select_related("account", "role").get(
            account=account, user=developer
        )
        dev = actor_for_user(user=developer, membership=membership)
        for name, summary, connection in APPS:
            if not App.objects.filter(account=account, name=name).exists():
                self._create(name, summary, connection, dev, moderator)
        path = example_provider_config_path()
        notes = App.objects.get(account=account, name="Notes Sync")
        if not path.exists() or not OutsideClient.objects.filter(app=notes).exists():
            secret = secrets.token_urlsafe(24)
            outside_client_set(app=notes, client_id=CLIENT_ID, client_secret=secret, actor=dev)
            transaction.on_commit(lambda: _write(path, secret))
        backend_path = notes_backend_config_path()
        client_id = notes.oauth_application.client_id
        if not credentials_written_for(backend_path, client_id):
            backend_secret = app_credentials_rotate(app=notes)
            transaction.on_commit(lambda: _write_backend(backend_path, client_id, backend_secret))
        self.stdout.write(f"Connection demo apps of {ACCOUNT}: Notes Sync (OAuth), Weather Now")
        self.stdout.write(f"  example provider configuration in {path}")
        self.stdout.write(f"  Notes Sync's backend credentials in {backend_path}")
        if not _knows_backend(notes):
            self.stdout.write(
                f"  Notes Sync was registered before its backend: its redirect URIs lack "
                f"{NOTES_BACKEND}/oauth/callback, so the backend cannot connect. Start from a "
                "fresh demo database (remove db.sqlite3, then make run) to try it."
            )

    def _create(
        self, name: str, summary: str, connection: dict[str, Any], dev: Actor, moderator: User
    ) -> None:
        app, _secret = app_create(account=dev.account, name=name, type=AppType.PUBLIC, actor=dev)
        app_listing_update(
            app=app,
            summary=summary,
            description=summary + " A demo of connections: see the README.",
            support_email="support@devstudio.test",
        )
        version = version_create(
            app=app, raw=manifest(connection), changelog="First release.", actor=dev
        )
        version_submit(version=version, actor=dev)
        demo_approve(version=version, moderator=moderator)
        version_publish(version=version, actor=dev)
        app_list_in_catalog(app=app)


def _write(path: Path, secret: str) -> None:
    data = {
        "host": "127.0.0.1",
        "port": 8002,
        "client_id": CLIENT_ID,
        "client_secret": secret,
        "api_key": API_KEY,
        # Shorter than the 5 minutes before expiry at which tokens are refreshed: every
        # use refreshes first, so a withdrawn grant shows at once in the walk-through.
        "access_seconds": 240,
        "redirect_uris": [
            f"{MARKETPLACE}/connections/callback/",
            "http://localhost:8000/connections/callback/",
        ],
    }
    credentials_write(path, data)


def _knows_backend(notes: App) -> bool:
    version = version_last_published(app=notes)
    return version is not None and f"{NOTES_BACKEND}/oauth/callback" in (
        version_manifest(version).redirect_uris
    )


def _write_backend(path: Path, client_id: str, secret: str) -> None:
    data = {
        "marketplace_url": MARKETPLACE,
        "client_id": client_id,
        "client_secret": secret,
        "host": "127.0.0.1",
        "port": 8003,
        "provider_url": PROVIDER,
    }
    credentials_write(path, data)
