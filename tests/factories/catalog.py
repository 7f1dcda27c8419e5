"""Catalog factories: apps, versions from a manifest, install links, listing images."""

import io
import json
from typing import Any

from PIL import Image

from apps.accounts.actors import Actor, actor_for_user, actor_system
from apps.accounts.models import Account, User
from apps.catalog.models import App, AppVersion, VersionStatus
from apps.catalog.policies import Party
from apps.catalog.services import (
    app_create,
    install_link_create,
    version_create,
    version_transition,
)


def manifest_data(version: str = "1.0.0", **overrides: Any) -> dict[str, Any]:
    """A small valid manifest: two scopes, a webhook, an embedding and an app setting."""
    data: dict[str, Any] = {
        "manifest_version": 1,
        "version": version,
        "authorization": "account",
        "redirect_uris": ["https://invoicer.example.com/oauth/callback"],
        "scopes": [
            {"code": "crm.accounts", "level": "read", "reason": "Shows the customer on invoices."},
            {"code": "fin.invoices", "level": "full", "reason": "Creates invoices from deals."},
        ],
        "webhooks": [
            {
                "id": "invoice-updated",
                "event": "fin.invoices.updated",
                "url": "https://invoicer.example.com/hooks/invoices",
            }
        ],
        "embeddings": [
            {
                "id": "menu",
                "location": "main_menu",
                "code": "app.home",
                "url": "https://invoicer.example.com/embed/home",
                "title": "Invoicer",
            }
        ],
        "settings": [
            {"key": "company_name", "level": "app", "type": "string", "label": "Company name"}
        ],
    }
    data.update(overrides)
    return data


def manifest_text(version: str = "1.0.0", **overrides: Any) -> str:
    return json.dumps(manifest_data(version, **overrides), indent=2)


def by(user: User | None = None) -> Actor:
    return actor_for_user(user=user) if user is not None else actor_system(label="test")


def make_app(
    *, account: Account, name: str = "Invoicer", type: str = "public", user: User | None = None
) -> App:
    app, _secret = app_create(account=account, name=name, type=type, actor=by(user))
    return app


def make_app_with_secret(
    *, account: Account, name: str = "Invoicer", type: str = "public", user: User | None = None
) -> tuple[App, str]:
    return app_create(account=account, name=name, type=type, actor=by(user))


# The developer's and moderator's moves that reach each status from draft.
_PATHS = {
    "public": {
        VersionStatus.DRAFT: [],
        VersionStatus.SUBMITTED: [(VersionStatus.SUBMITTED, Party.DEVELOPER)],
        VersionStatus.IN_REVIEW: [
            (VersionStatus.SUBMITTED, Party.DEVELOPER),
            (VersionStatus.IN_REVIEW, Party.MODERATOR),
        ],
        VersionStatus.APPROVED: [
            (VersionStatus.SUBMITTED, Party.DEVELOPER),
            (VersionStatus.IN_REVIEW, Party.MODERATOR),
            (VersionStatus.APPROVED, Party.MODERATOR),
        ],
        VersionStatus.REJECTED: [
            (VersionStatus.SUBMITTED, Party.DEVELOPER),
            (VersionStatus.IN_REVIEW, Party.MODERATOR),
            (VersionStatus.REJECTED, Party.MODERATOR),
        ],
        VersionStatus.PUBLISHED: [
            (VersionStatus.SUBMITTED, Party.DEVELOPER),
            (VersionStatus.IN_REVIEW, Party.MODERATOR),
            (VersionStatus.APPROVED, Party.MODERATOR),
            (VersionStatus.PUBLISHED, Party.DEVELOPER),
        ],
        VersionStatus.HIDDEN: [
            (VersionStatus.SUBMITTED, Party.DEVELOPER),
            (VersionStatus.IN_REVIEW, Party.MODERATOR),
            (VersionStatus.APPROVED, Party.MODERATOR),
            (VersionStatus.PUBLISHED, Party.DEVELOPER),
            (VersionStatus.HIDDEN, Party.DEVELOPER),
        ],
    },
    "private": {
        VersionStatus.DRAFT: [],
        VersionStatus.PUBLISHED: [(VersionStatus.PUBLISHED, Party.DEVELOPER)],
        VersionStatus.HIDDEN: [
            (VersionStatus.PUBLISHED, Party.DEVELOPER),
            (VersionStatus.HIDDEN, Party.DEVELOPER),
        ],
    },
}


def make_version(
    *,
    app: App,
    number: str = "1.0.0",
    status: str = VersionStatus.DRAFT,
    changelog: str = "First release.",
    **manifest_overrides: Any,
) -> AppVersion:
    """A version created through the services and moved to ``status`` through the state
    machine (so its history is real). Rejections carry the reason "Needs work."."""
    version = version_create(
        app=app, raw=manifest_text(number, **manifest_overrides), changelog=changelog, actor=by()
    )
    for target, actor in _PATHS[app.type][VersionStatus(status)]:
        reason = "Needs work." if target == VersionStatus.REJECTED else ""
        version_transition(version=version, target=target, party=actor, actor=by(), reason=reason)
    version.refresh_from_db()
    return version


def make_install_link(*, version: AppVersion, days: int = 7, label: str = "Beta tester"):
    """``(link, raw_token)``."""
    return install_link_create(version=version, label=label, expires_in_days=days, actor=by())


def image_file(width: int, height: int, fmt: str = "PNG", name: str | None = None) -> io.BytesIO:
    """An in-memory image of the given size and format, with a ``name`` like an upload."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buffer, format=fmt)
    buffer.seek(0)
    buffer.name = name or f"image.{fmt.lower()}"
    buffer.size = len(buffer.getvalue())  # type: ignore[attr-defined]
    return buffer


def logo_file(fmt: str = "PNG") -> io.BytesIO:
    return image_file(256, 256, fmt)


def banner_file(fmt: str = "PNG") -> io.BytesIO:
    return image_file(1600, 800, fmt)
