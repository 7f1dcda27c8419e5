"""The authorize step between a person and an app: which account, which installation,
whether consent is needed, and what an "Allow" writes.

``authorization_resolve`` turns an authorize request into an ``AuthorizationContext`` or
a ``Refusal`` the page explains. ``authorization_allow`` installs, updates or records the
user's consent before the code is issued, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from oauth2_provider.models import get_application_model

from apps.accounts.models import Membership, User
from apps.accounts.selectors import membership_list_for_user
from apps.catalog.models import App, AppStatus, AppVersion, InstallLink, VersionStatus
from apps.catalog.policies import semver_key
from apps.catalog.selectors import version_manifest
from apps.catalog.services import By, install_link_resolve
from apps.core.errors import ApplicationError, NotFound
from apps.installations.models import Installation
from apps.installations.policies import consent_split, install_refusal, scopes_within
from apps.installations.selectors import (
    installation_live_for,
    installation_member_may_use,
    user_authorization_get,
)
from apps.installations.services import (
    REFUSALS,
    installation_install,
    installation_update,
    user_authorization_record,
)
from apps.oauth.context import AuthorizationContext, Mode
from apps.oauth.errors import RefusalKind
from apps.scopes.policies import effective_scopes

Application = get_application_model()


@dataclass(frozen=True)
class Refusal:
    """Why the authorize step stops before consent, for a page that says what to do.

    ``kind``: ``unknown_client``, ``app_unavailable``, ``no_account``, ``pick_account``,
    ``not_member``, ``ask_admin`` (not installed and the user is not an admin),
    ``no_access`` (installed, but not for this user), ``cannot_install``, ``link``.
    """

    kind: RefusalKind
    message: str
    app: App | None = None
    memberships: tuple[Membership, ...] = ()
    admins: tuple[str, ...] = ()


def client_app(client_id: str) -> App | None:
    """The marketplace app behind an OAuth ``client_id``."""
    if not client_id:
        return None
    application = (
        Application.objects.select_related("marketplace_app", "marketplace_app__account")
        .filter(client_id=client_id)
        .first()
    )
    if application is None:
        return None
    return getattr(application, "marketplace_app", None)


def app_redirect_uris(app: App) -> tuple[str, ...]:
    """Every redirect URI ``app`` registers in the manifest of one of its versions that is
    not rejected; the newest installable version's first (the one an authorize request
    without ``redirect_uri`` gets) comes first.

    Where a refusal page may offer the way back to the app before the account, and so
    the version, is known: a URI listed here was registered by the client's own developer,
    never taken from a stranger's link (RFC 6749 §4.1.2.1)."""
    versions = sorted(
        AppVersion.objects.filter(app=app).exclude(status=VersionStatus.REJECTED),
        key=lambda v: (v.status == VersionStatus.PUBLISHED, semver_key(v.number)),
        reverse=True,
    )
    uris: list[str] = []
    for version in versions:
        for uri in version.manifest.get("redirect_uris") or []:
            if isinstance(uri, str) and uri not in uris:
                uris.append(uri)
    return tuple(uris)


def _admins(membership: Membership) -> tuple[str, ...]:
    admins: QuerySet[Membership] = Membership.objects.filter(
        account_id=membership.account_id, is_admin=True, user__is_active=True
    ).select_related("user")
    return tuple(m.user.get_full_name() + f" <{m.user.email}>" for m in admins[:5])


def _default_version(app: App, *, own_account: bool) -> AppVersion | None:
    """The version an install without a named version installs: the newest published
    one; on the developer's own account, the newest that is not rejected if none is."""
    versions = list(AppVersion.objects.filter(app=app).exclude(status=VersionStatus.REJECTED))
    published = [v for v in versions if v.status == VersionStatus.PUBLISHED]
    pool = published or (versions if own_account else [])
    return max(pool, key=lambda v: semver_key(v.number), default=None)


def authorization_resolve(
    *,
    user: User,
    client_id: str,
    account_slug: str = "",
    version_number: str = "",
    install_link_token: str = "",
) -> AuthorizationContext | Refusal:
    """What an authorize request by ``user`` means.

    The account is ``account_slug`` or the user's only account (several: ``pick_account``).
    The version is the install link's, or ``version_number``, or the installed one, or,
    when the app is not installed there, the newest installable one.
    """
    app = client_app(client_id)
    if app is None:
        return Refusal(
            RefusalKind.UNKNOWN_CLIENT, "No app has this client_id. Check the app's credentials."
        )
    if app.status != AppStatus.ACTIVE:
        return Refusal(
            RefusalKind.APP_UNAVAILABLE, f"“{app.name}” is not available at the moment.", app=app
        )
    memberships = tuple(membership_list_for_user(user=user))
    if not memberships:
        return Refusal(
            RefusalKind.NO_ACCOUNT,
            "You are not a member of any account, so there is nowhere to use it.",
            app=app,
        )
    if account_slug:
        chosen = next((m for m in memberships if m.account.slug == account_slug), None)
        if chosen is None:
            return Refusal(
                RefusalKind.NOT_MEMBER,
                f"You are not a member of the account “{account_slug}”. Pick one of yours.",
                app=app,
                memberships=memberships,
            )
    elif len(memberships) == 1:
        chosen = memberships[0]
    else:
        return Refusal(
            RefusalKind.PICK_ACCOUNT,
            "Choose the account to use it with.",
            app=app,
            memberships=memberships,
        )
    account = chosen.account
    own_account = app.account_id == account.pk

    link: InstallLink | None = None
    if install_link_token:
        try:
            link = install_link_resolve(raw_token=install_link_token)
        except ApplicationError as exc:
            return Refusal(RefusalKind.LINK, exc.message, app=app)
        if link.version.app_id != app.pk:
            return Refusal(RefusalKind.LINK, "This install link is for another app.", app=app)

    live = installation_live_for(account=account, app=app)
    version: AppVersion | None
    if link is not None:
        version = link.version
    elif version_number:
        version = AppVersion.objects.filter(app=app, number=version_number).first()
        if version is None:
            return Refusal(
                RefusalKind.CANNOT_INSTALL,
                f"“{app.name}” has no version {version_number}.",
                app=app,
            )
    elif live is not None:
        version = live.version
    else:
        version = _default_version(app, own_account=own_account)
        if version is None:
            return Refusal(
                RefusalKind.CANNOT_INSTALL,
                f"“{app.name}” has no version that can be installed yet.",
                app=app,
            )

    if live is not None and live.version_id == version.pk:
        mode = Mode.AUTHORIZE
    elif live is not None:
        mode = Mode.UPDATE
    else:
        mode = Mode.INSTALL

    if mode is not Mode.AUTHORIZE:
        code = install_refusal(
            app_type=app.type,
            app_status=app.status,
            version_status=version.status,
            own_account=own_account,
            via_link=link is not None,
            installed=mode is Mode.UPDATE,
        )
        if (
            code is None
            and mode is Mode.UPDATE
            and link is None
            and live is not None
            and semver_key(version.number) < semver_key(live.version.number)
        ):
            return Refusal(
                RefusalKind.CANNOT_INSTALL,
                f"Version {live.version.number} is installed; {version.number} is older.",
                app=app,
            )
        if code:
            return Refusal(
                RefusalKind.CANNOT_INSTALL,
                REFUSALS[code].format(app=app.name, number=version.number),
                app=app,
            )
        if not chosen.is_admin:
            verb = "installed on" if mode is Mode.INSTALL else "updated on"
            return Refusal(
                RefusalKind.ASK_ADMIN,
                f"“{app.name}” must be {verb} {account.name} by an admin first. Ask an admin "
                "of the account; nothing was installed.",
                app=app,
                admins=_admins(chosen),
            )
    elif not installation_member_may_use(installation=live, membership=chosen):  # type: ignore[arg-type]
        return Refusal(
            RefusalKind.NO_ACCESS,
            f"“{app.name}” is installed on {account.name}, but not for your role or groups. "
            "Ask an admin to give you access.",
            app=app,
            admins=_admins(chosen),
        )

    try:
        manifest = version_manifest(version)
    except NotFound as exc:
        return Refusal(RefusalKind.CANNOT_INSTALL, exc.message, app=app)
    if mode is Mode.AUTHORIZE:
        assert live is not None
        available = tuple(effective_scopes(live.granted_scopes))
        approved: tuple[str, ...] | None
        if manifest.authorization == "user":
            record = user_authorization_get(installation=live, user=user)
            approved = tuple(record.scopes) if record is not None else None
        else:
            approved = available
    else:
        available = tuple(effective_scopes(version.effective_scopes))
        approved = tuple(live.granted_scopes) if live is not None else None
    return AuthorizationContext(
        mode=mode,
        account=account,
        membership=chosen,
        app=app,
        version=version,
        installation=live,
        install_link=link,
        authorization=manifest.authorization,
        redirect_uris=manifest.redirect_uris,
        available_scopes=available,
        approved_scopes=approved,
    )


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
    by = By.user_(user)
    installation: Installation
    if context.mode is Mode.INSTALL:
        installation = installation_install(
            account=context.account,
            version=context.version,
            by=by,
            membership=context.membership,
            install_link=context.install_link,
        )
    elif context.mode is Mode.UPDATE:
        assert context.installation is not None
        installation = installation_update(
            installation=context.installation,
            version=context.version,
            by=by,
            membership=context.membership,
            consent=True,
            install_link=context.install_link,
        )
    else:
        assert context.installation is not None
        installation = context.installation
    if context.authorization == "user" and consent_needed(context, requested):
        user_authorization_record(installation=installation, user=user, scopes=requested, by=by)
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
