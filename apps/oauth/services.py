"""The authorize step between a person and an app: whether consent is needed, and what
an "Allow" writes.

``apps.oauth.authorization.authorization_resolve`` turns an authorize request into an
``AuthorizationContext`` or a ``Refusal`` the page explains. ``authorization_allow``
installs, updates or records the user's consent before the code is issued, in the
caller's transaction.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from apps.accounts.actors import actor_for_user
from apps.accounts.models import User
from apps.catalog.models import AppVersion
from apps.catalog.services import install_link_resolve
from apps.core.errors import ApplicationError
from apps.installations.models import Installation
from apps.installations.policies import consent_split, scopes_within
from apps.installations.services import (
    installation_install,
    installation_update,
    user_authorization_record,
)
from apps.oauth.authorization import client_app
from apps.oauth.context import AuthorizationContext, Mode


def consent_needed(context: AuthorizationContext, requested: list[str]) -> bool:
    """Whether the person must see the consent screen for ``requested`` scopes.

    Installs and updates always ask the admin. An installed account-level app never asks
    (the admin consented for everyone allowed). A user-level app asks each user once per
    installation, and again when ``requested`` goes beyond what they approved.
    """
    if context.mode is not Mode.AUTHORIZE:
        return True
    if context.authorization == "account":
        return False
    if context.approved_scopes is None:
        return True
    return not scopes_within(requested, context.approved_scopes)


def consent_lines(context: AuthorizationContext, requested: list[str]) -> dict[str, Any]:
    """The scopes the consent screen lists, split into already approved and new.

    An install or an update grants the installation everything the version asks, whatever
    this request's ``scope`` says, so the admin is shown all of it; an authorization of an
    installed app shows what ``requested`` asks.
    """
    shown = list(requested) if context.mode is Mode.AUTHORIZE else list(context.available_scopes)
    split = consent_split(requested=shown, approved=context.approved_scopes)
    return {"already_approved": split.already_approved, "new": split.new}


def authorization_allow(
    *, context: AuthorizationContext, user: User, requested: list[str]
) -> AuthorizationContext:
    """What "Allow" writes before the code is issued: the installation (install), the
    new version (update), and for user-level apps the user's consent. Returns the context
    bound to the installation. Call inside a transaction that also issues the code."""
    actor = actor_for_user(user=user, membership=context.membership)
    installation: Installation
    if context.mode is Mode.INSTALL:
        installation = installation_install(
            account=context.account,
            version=context.version,
            actor=actor,
            install_link=context.install_link,
        )
    elif context.mode is Mode.UPDATE:
        assert context.installation is not None
        installation = installation_update(
            installation=context.installation,
            version=context.version,
            actor=actor,
            consent=True,
            install_link=context.install_link,
        )
    else:
        assert context.installation is not None
        installation = context.installation
    if context.authorization == "user" and consent_needed(context, requested):
        user_authorization_record(
            installation=installation, user=user, scopes=requested, actor=actor
        )
    return context.with_installation(installation)


def install_start_url(
    *,
    start_url: str,
    issuer: str,
    account_slug: str,
    version_number: str,
    install_link_token: str = "",
) -> str:
    """Where an install started on the marketplace sends the browser when the version's
    manifest declares ``install_start_url`` (as OpenID Connect's third-party-initiated
    login does): the app's start URL with ``iss`` (which marketplace), ``account``,
    ``version`` and, through an install link, ``install_link``. The app then starts an
    ordinary authorization request with its own ``state`` and PKCE, passing those on."""
    params = {"iss": issuer, "account": account_slug, "version": version_number}
    if install_link_token:
        params["install_link"] = install_link_token
    separator = "&" if "?" in start_url else "?"
    return start_url + separator + urlencode(params)


def install_start_target(
    *,
    client_id: str,
    issuer: str,
    account_slug: str,
    version_number: str = "",
    install_link_token: str = "",
) -> str | None:
    """The app's install start URL (``install_start_url``) for an install of the
    version named by ``install_link_token`` or ``version_number``, or ``None`` when the
    client, the version or the link is unknown, or the version declares none (the
    consent screen then starts, and explains, the install as before)."""
    app = client_app(client_id)
    if app is None:
        return None
    version: AppVersion | None
    if install_link_token:
        try:
            version = install_link_resolve(raw_token=install_link_token).version
        except ApplicationError:
            return None
        if version.app_id != app.pk:
            return None
    else:
        version = AppVersion.objects.filter(app=app, number=version_number).first()
    start_url = (version.manifest or {}).get("install_start_url") if version else None
    if not isinstance(start_url, str) or not start_url or version is None:
        return None
    return install_start_url(
        start_url=start_url,
        issuer=issuer,
        account_slug=account_slug,
        version_number=version.number,
        install_link_token=install_link_token,
    )
