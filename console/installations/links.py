"""Where the console's Install and Update buttons send the browser.

Installing always runs through the one consent screen at ``/oauth/authorize/``. A
version whose manifest declares ``install_start_url`` has its app start it (with its own
``state`` and PKCE), through ``/oauth/install/``; otherwise the marketplace starts it as
the app would: the app's client id, the first redirect URI of the version's manifest, the
account to install into, and the exact version (or the install link).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from apps.accounts.actors import Actor
from apps.accounts.models import Account
from apps.catalog.models import App, AppVersion
from apps.installations.models import Installation
from apps.installations.policies import installation_can_manage
from apps.installations.selectors import installation_live_for, installation_newer_versions


def authorize_url(
    *,
    app: App,
    version: AppVersion,
    account: Account,
    install_link_token: str = "",
    prompt: str = "",
) -> str:
    """The consent screen's address that installs (or moves the installation to)
    ``version`` on ``account``; through the install link when its raw token is given.

    When the version's manifest declares an ``install_start_url``, the address of the
    marketplace's install start instead, which sends the browser on to the app: the app
    then starts the authorization itself, with its own ``state`` and PKCE.

    ``prompt="consent"`` (Reauthorize) asks for the consent screen even where it would
    be skipped (an installed account-level app, a user-level app already authorized)."""
    if version.manifest.get("install_start_url"):
        start = {"client_id": app.oauth_application.client_id, "account": account.slug}
        if install_link_token:
            start["install_link"] = install_link_token
        else:
            start["version"] = version.number
        if prompt:
            start["prompt"] = prompt
        return reverse("oauth2_provider:install-start") + "?" + urlencode(start)
    redirect_uris = version.manifest.get("redirect_uris") or [""]
    params = {
        "client_id": app.oauth_application.client_id,
        "response_type": "code",
        "redirect_uri": redirect_uris[0],
        "account": account.slug,
    }
    if install_link_token:
        params["install_link"] = install_link_token
    else:
        params["version"] = version.number
    if prompt:
        params["prompt"] = prompt
    return reverse("oauth2_provider:authorize") + "?" + urlencode(params)


@dataclass(frozen=True)
class InstallAction:
    """What an install page offers the signed-in user for one version of an app.

    ``installed`` is the current account's live installation of the app, if any;
    ``install_url`` (label ``install_label``) the consent screen for ``version``, when
    installing or switching to it makes sense; ``update_url`` the installed app's update
    page when a newer published version exists.
    """

    installed: Installation | None
    install_url: str
    install_label: str
    manage_url: str
    update_url: str


def install_action(
    *,
    actor: Actor,
    app: App,
    version: AppVersion,
    install_link_token: str = "",
    offer_other_version: bool = False,
) -> InstallAction | None:
    """The install action on the account ``actor`` acts in (``None`` without one). Only
    who manages its apps (``installation_can_manage``: its admins) gets addresses; other
    members only learn whether it is installed.

    ``offer_other_version``: when another version is installed, still offer ``version``
    (an install link or the developer's own preview names an exact version; the catalog
    offers the update page instead)."""
    account = actor.account
    if account is None:
        return None
    installed = installation_live_for(account=account, app=app)
    if not installation_can_manage(actor, account_id=account.pk):
        return InstallAction(installed, "", "", "", "")
    consent = authorize_url(
        app=app, version=version, account=account, install_link_token=install_link_token
    )
    if installed is None:
        return InstallAction(None, consent, "Install", "", "")
    manage = reverse(
        "console:installations:installation-detail", kwargs={"installation_id": installed.pk}
    )
    update = ""
    if installation_newer_versions(installation=installed):
        update = reverse(
            "console:installations:installation-update", kwargs={"installation_id": installed.pk}
        )
    if installed.version_id != version.pk and offer_other_version:
        label = f"Install version {version.number}"
        return InstallAction(installed, consent, label, manage, update)
    return InstallAction(installed, "", "", manage, update)
