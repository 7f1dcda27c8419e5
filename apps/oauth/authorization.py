"""The authorize request resolved: which app, which account, which version, and whether
it installs, updates or authorizes; or the ``Refusal`` that stops it before consent,
for a page that says what to do. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from oauth2_provider.models import get_application_model

from apps.accounts.models import Membership, User
from apps.accounts.selectors import membership_list_for_user
from apps.catalog.models import App, AppStatus, AppVersion, InstallLink, VersionStatus
from apps.catalog.policies import semver_key
from apps.catalog.selectors import version_manifest
from apps.catalog.services import install_link_resolve
from apps.core.errors import ApplicationError, NotFound
from apps.installations.models import Installation
from apps.installations.policies import install_refusal
from apps.installations.selectors import (
    installation_live_for,
    installation_member_may_use,
    user_authorization_get,
)
from apps.installations.services import REFUSALS
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
        account_id=membership.account_id, is_admin=True, is_active=True, user__is_active=True
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
    when the app is not installed there, the newest installable one. Every step refuses
    with a ``Refusal`` before anything is written; nothing is written here at all.
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
    chosen = _resolve_account(app=app, user=user, account_slug=account_slug)
    if isinstance(chosen, Refusal):
        return chosen
    link = _resolve_link(app=app, install_link_token=install_link_token)
    if isinstance(link, Refusal):
        return link
    live = installation_live_for(account=chosen.account, app=app)
    version = _resolve_version(
        app=app, membership=chosen, link=link, live=live, version_number=version_number
    )
    if isinstance(version, Refusal):
        return version
    mode = _resolve_mode(live=live, version=version)
    refusal = _mode_refusal(
        mode=mode, app=app, membership=chosen, version=version, link=link, live=live
    )
    if refusal is not None:
        return refusal
    return _context(
        mode=mode, app=app, user=user, membership=chosen, version=version, link=link, live=live
    )


def _resolve_account(*, app: App, user: User, account_slug: str) -> Membership | Refusal:
    """The membership the request acts through: the one of ``account_slug``, or the
    user's only one; a refusal when there is none, it is not the user's, or the user must
    pick among several."""
    memberships = tuple(membership_list_for_user(user=user))
    if not memberships:
        return Refusal(
            RefusalKind.NO_ACCOUNT,
            "You are not a member of any account, so there is nowhere to use it.",
            app=app,
        )
    if account_slug:
        chosen = next((m for m in memberships if m.account.slug == account_slug), None)
        if chosen is not None:
            return chosen
        return Refusal(
            RefusalKind.NOT_MEMBER,
            f"You are not a member of the account “{account_slug}”. Pick one of yours.",
            app=app,
            memberships=memberships,
        )
    if len(memberships) == 1:
        return memberships[0]
    return Refusal(
        RefusalKind.PICK_ACCOUNT,
        "Choose the account to use it with.",
        app=app,
        memberships=memberships,
    )


def _resolve_link(*, app: App, install_link_token: str) -> InstallLink | Refusal | None:
    """The install link the request names (``None`` without one), refused when it cannot
    be used or is a link of another app."""
    if not install_link_token:
        return None
    try:
        link = install_link_resolve(raw_token=install_link_token)
    except ApplicationError as exc:
        return Refusal(RefusalKind.LINK, exc.message, app=app)
    if link.version.app_id != app.pk:
        return Refusal(RefusalKind.LINK, "This install link is for another app.", app=app)
    return link


def _resolve_version(
    *,
    app: App,
    membership: Membership,
    link: InstallLink | None,
    live: Installation | None,
    version_number: str,
) -> AppVersion | Refusal:
    """The version to install, update to or authorize: the link's, the named one, the
    installed one, or the newest installable one; a refusal when it does not exist."""
    if link is not None:
        return link.version
    if version_number:
        version = AppVersion.objects.filter(app=app, number=version_number).first()
        if version is None:
            return Refusal(
                RefusalKind.CANNOT_INSTALL,
                f"“{app.name}” has no version {version_number}.",
                app=app,
            )
        return version
    if live is not None:
        return live.version
    default = _default_version(app, own_account=app.account_id == membership.account_id)
    if default is None:
        return Refusal(
            RefusalKind.CANNOT_INSTALL,
            f"“{app.name}” has no version that can be installed yet.",
            app=app,
        )
    return default


def _resolve_mode(*, live: Installation | None, version: AppVersion) -> Mode:
    """Authorize the installed version, update to another one, or install the app."""
    if live is None:
        return Mode.INSTALL
    return Mode.AUTHORIZE if live.version_id == version.pk else Mode.UPDATE


def _mode_refusal(
    *,
    mode: Mode,
    app: App,
    membership: Membership,
    version: AppVersion,
    link: InstallLink | None,
    live: Installation | None,
) -> Refusal | None:
    """Why the install or update cannot go ahead (the version cannot be installed here, a
    downgrade, a user who is not an admin), or why the user may not use the installed
    app; ``None`` when nothing stands in the way."""
    account = membership.account
    if mode is Mode.AUTHORIZE:
        assert live is not None
        return _access_refusal(app=app, membership=membership, live=live)
    code = install_refusal(
        app_type=app.type,
        app_status=app.status,
        version_status=version.status,
        own_account=app.account_id == account.pk,
        via_link=link is not None,
        installed=mode is Mode.UPDATE,
    )
    downgrade = (
        mode is Mode.UPDATE
        and link is None
        and live is not None
        and semver_key(version.number) < semver_key(live.version.number)
    )
    if code is None and downgrade:
        assert live is not None
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
    if membership.is_admin:
        return None
    verb = "installed on" if mode is Mode.INSTALL else "updated on"
    return Refusal(
        RefusalKind.ASK_ADMIN,
        f"“{app.name}” must be {verb} {account.name} by an admin first. Ask an admin of the "
        "account; nothing was installed.",
        app=app,
        admins=_admins(membership),
    )


def _access_refusal(*, app: App, membership: Membership, live: Installation) -> Refusal | None:
    """Why a member may not use the installed app (not through their role or groups)."""
    if installation_member_may_use(installation=live, membership=membership):
        return None
    return Refusal(
        RefusalKind.NO_ACCESS,
        f"“{app.name}” is installed on {membership.account.name}, but not for your role or "
        "groups. Ask an admin to give you access.",
        app=app,
        admins=_admins(membership),
    )


def _context(
    *,
    mode: Mode,
    app: App,
    user: User,
    membership: Membership,
    version: AppVersion,
    link: InstallLink | None,
    live: Installation | None,
) -> AuthorizationContext | Refusal:
    """The resolved request, with the scopes on offer and those already approved: the
    installation's grant and the user's own consent when authorizing an installed app,
    the version's scopes (and the installation's grant, if any) when installing or
    updating."""
    try:
        manifest = version_manifest(version)
    except NotFound as exc:
        return Refusal(RefusalKind.CANNOT_INSTALL, exc.message, app=app)
    approved: tuple[str, ...] | None
    if mode is Mode.AUTHORIZE:
        assert live is not None
        available = tuple(effective_scopes(live.granted_scopes))
        approved = available
        if manifest.authorization == "user":
            record = user_authorization_get(installation=live, user=user)
            approved = tuple(record.scopes) if record is not None else None
    else:
        available = tuple(effective_scopes(version.effective_scopes))
        approved = tuple(live.granted_scopes) if live is not None else None
    return AuthorizationContext(
        mode=mode,
        account=membership.account,
        membership=membership,
        app=app,
        version=version,
        installation=live,
        install_link=link,
        authorization=manifest.authorization,
        redirect_uris=manifest.redirect_uris,
        available_scopes=available,
        approved_scopes=approved,
    )
