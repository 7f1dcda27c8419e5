"""Install links: create, revoke and resolve the link a developer sends to install one
version."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from apps.accounts.actors import Actor
from apps.catalog.errors import CatalogError, LinkGone
from apps.catalog.models import (
    AppVersion,
    InstallLink,
)
from apps.catalog.policies import (
    version_install_blocker,
)
from apps.catalog.services.common import _require_not_deleting
from apps.core.crypto import keyed_digest
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.core.times import when

INSTALL_LINK_DEFAULT_DAYS = 7
INSTALL_LINK_MAX_DAYS = 90


@transaction.atomic
def install_link_create(
    *, version: AppVersion, label: str = "", expires_in_days: int | None = None, actor: Actor
) -> tuple[InstallLink, str]:
    """Create a link that lets an admin of another account install this exact version.

    Returns the link and its raw token (shown once; only a keyed hash is stored). Raises
    ``ValidationFailed`` naming ``expires_in_days`` or ``label``, or ``Conflict`` when the
    version is rejected or the app is not active.
    """
    app = version.app
    _require_not_deleting(app)
    blocker = version_install_blocker(app_status=app.status, version_status=version.status)
    if blocker is CatalogError.APP_INACTIVE:
        raise Conflict("Activate the app before sharing install links.", code=blocker)
    if blocker:
        raise Conflict(
            f"Version {version.number} is {version.get_status_display().lower()}; a rejected "
            "version cannot be installed.",
            code=blocker,
        )
    days = INSTALL_LINK_DEFAULT_DAYS if expires_in_days is None else expires_in_days
    if not isinstance(days, int) or not 1 <= days <= INSTALL_LINK_MAX_DAYS:
        raise ValidationFailed(
            "The expiry is out of range.",
            fields={"expires_in_days": [f"Choose from 1 to {INSTALL_LINK_MAX_DAYS} days."]},
        )
    label = (label or "").strip()
    if len(label) > 100:
        raise ValidationFailed(
            "The label is too long.", fields={"label": ["Use at most 100 characters."]}
        )
    token_id = secrets.token_hex(6)
    raw = f"{InstallLink.PREFIX}{token_id}_{secrets.token_urlsafe(24)}"
    link = InstallLink.objects.create(
        version=version,
        label=label,
        token_id=token_id,
        token_hash=keyed_digest(raw),
        expires_at=timezone.now() + timedelta(days=days),
        created_by=actor.user,
    )
    return link, raw


def install_link_revoke(*, link: InstallLink, actor: Actor) -> InstallLink:
    """Revoke a link: it stops working at once. Idempotent (conditional update)."""
    InstallLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor.user, updated_at=timezone.now()
    )
    link.refresh_from_db()
    return link


def install_link_resolve(*, raw_token: str) -> InstallLink:
    """The link for ``raw_token`` with its version and app, if it can still be used.

    Raises ``NotFound`` for an unknown token, and ``ApplicationError`` (410) saying what
    happened for a revoked or expired link, or an app that cannot be installed now.
    """
    raw_token = (raw_token or "").strip()
    if not raw_token.startswith(InstallLink.PREFIX):
        raise NotFound("This install link is not valid. Ask the developer for a new one.")
    token_id = raw_token[len(InstallLink.PREFIX) :].partition("_")[0]
    link = (
        InstallLink.objects.select_related("version__app__account")
        .filter(token_id=token_id)
        .first()
    )
    if link is None or not constant_time_compare(link.token_hash, keyed_digest(raw_token)):
        raise NotFound("This install link is not valid. Ask the developer for a new one.")
    if link.revoked_at is not None:
        raise LinkGone("The developer revoked this install link. Ask them for a new one.")
    if link.expires_at <= timezone.now():
        raise LinkGone(
            f"This install link expired on {when(link.expires_at)}. Ask the developer for "
            "a new one."
        )
    app = link.version.app
    blocker = version_install_blocker(app_status=app.status, version_status=link.version.status)
    if blocker is CatalogError.APP_INACTIVE:
        raise LinkGone(f"The app “{app.name}” cannot be installed at the moment.")
    if blocker:
        raise LinkGone(f"Version {link.version.number} of “{app.name}” can no longer be installed.")
    return link
