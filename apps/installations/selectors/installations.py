"""Reads of installations, their access and their settings, each scoped to the account
(and member) asking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from apps.accounts.actors import Actor
from apps.accounts.models import Account, Membership, User
from apps.accounts.policies import actor_admin_refusal
from apps.catalog.manifests.types import Setting, manifest_from_data
from apps.catalog.models import App, AppVersion
from apps.catalog.selectors import version_manifest
from apps.core.errors import NotFound, PermissionDenied
from apps.installations.models import (
    LIVE_STATUSES,
    Installation,
    InstallationAccess,
    InstallationEvent,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from apps.installations.policies import (
    SettingsRefusal,
    installation_can_manage,
    member_may_use_app,
    secret_masked,
    settings_needing_setup,
    settings_of_level,
    settings_refusal,
)
from apps.jobs.kinds import INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.jobs.selectors import job_latest_for


def installation_list_for_account(*, account: Account) -> QuerySet[Installation]:
    """Every installation of the account (active and being uninstalled), newest first,
    with app, version, installer and the version waiting for approval loaded."""
    return (
        Installation.objects.filter(account=account)
        .select_related("app", "app__account", "version", "installed_by", "pending_version")
        .order_by("app__name", "-installed_at")
    )


def installation_get(*, account: Account, installation_id: Any) -> Installation:
    """One installation of ``account``; ``NotFound`` for anything else (outsiders learn
    nothing)."""
    try:
        pk = int(installation_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("No such installation on this account.") from exc
    installation = installation_list_for_account(account=account).filter(pk=pk).first()
    if installation is None:
        raise NotFound("No such installation on this account.")
    return installation


def installation_get_for(*, actor: Actor, installation_id: Any) -> Installation:
    """One installation of the account ``actor`` acts in, for those who manage its apps
    (``installation_can_manage``). ``PermissionDenied`` for anyone else in the account
    (whatever the id), ``NotFound`` for an installation of another account."""
    if actor.account is None:
        raise NotFound("No current account.")
    if not installation_can_manage(actor, account_id=actor.account.pk):
        raise PermissionDenied(
            actor_admin_refusal(actor, api_keys=True) or "Only an admin can do this."
        )
    return installation_get(account=actor.account, installation_id=installation_id)


def installation_live_for(*, account: Account, app: App) -> Installation | None:
    """The account's live installation of ``app``, if any."""
    return (
        Installation.objects.filter(account=account, app=app, status__in=LIVE_STATUSES)
        .select_related("version", "app")
        .first()
    )


def installation_count_for_developer_app(*, account: Account, app: App) -> int:
    """How many installations ``app`` has, in any status, on every account (one COUNT):
    what deleting it will uninstall. Only for the developer ``account`` that owns the
    app; ``NotFound`` for another account's app."""
    if app.account_id != account.pk:
        raise NotFound("No such app in this account.")
    return Installation.objects.filter(app_id=app.pk).count()


@dataclass(frozen=True)
class Access:
    role_ids: tuple[int, ...]
    group_ids: tuple[int, ...]
    role_names: tuple[str, ...]
    group_names: tuple[str, ...]
    everyone: bool = False

    @property
    def admins_only(self) -> bool:
        return not (self.everyone or self.role_ids or self.group_ids)


def installation_access(*, installation: Installation) -> Access:
    rules = list(
        InstallationAccess.objects.filter(installation=installation)
        .select_related("role", "group")
        .order_by("role__name", "group__name")
    )
    roles = [r.role for r in rules if r.role is not None]
    groups = [r.group for r in rules if r.group is not None]
    return Access(
        role_ids=tuple(r.pk for r in roles),
        group_ids=tuple(g.pk for g in groups),
        role_names=tuple(r.name for r in roles),
        group_names=tuple(g.name for g in groups),
        everyone=installation.access_everyone,
    )


def _rules_admitting(membership: Membership) -> Q:
    """Access rules that let ``membership``'s user in: their role's, or a group's of
    theirs."""
    allowed = Q(group__memberships=membership)
    if membership.role_id is not None:
        allowed |= Q(role_id=membership.role_id)
    return allowed


def installation_member_may_use(*, installation: Installation, membership: Membership) -> bool:
    """Whether ``membership``'s user may use the app installed by ``installation``
    (``policies.member_may_use_app``): admins always; others when the app is for
    everyone or through one of the allowed roles or groups (one query, only for those)."""
    needs_rule = membership.account_id == installation.account_id and not membership.is_admin
    return member_may_use_app(
        membership_account_id=membership.account_id,
        installation_account_id=installation.account_id,
        is_admin=membership.is_admin,
        admitted_by_rule=needs_rule
        and (
            installation.access_everyone
            or InstallationAccess.objects.filter(
                _rules_admitting(membership), installation_id=installation.pk
            ).exists()
        ),
    )


def installation_get_for_use(*, actor: Actor, installation_id: Any) -> Installation:
    """One active installation of the account ``actor`` acts in, for a member who may
    use its app, with their own user-level settings: ``settings_refusal`` at the user
    level for the actor itself, the rule the API and the settings service share (admins
    and API keys always). ``NotFound`` when it acts in no account, for another account's
    installation and for one being uninstalled; ``PermissionDenied`` when the member may
    not use the app."""
    account = actor.account
    if account is None:
        raise NotFound("No current account.")
    installation = installation_get(account=account, installation_id=installation_id)
    if not installation.is_active:
        raise NotFound("This app is being uninstalled.")
    membership = actor.membership
    refusal = settings_refusal(
        actor,
        account_id=installation.account_id,
        level="user",
        target_user_id=actor.user_id,
        may_use=lambda: (
            membership is not None
            and installation_member_may_use(installation=installation, membership=membership)
        ),
    )
    if refusal == SettingsRefusal.OUTSIDER:
        raise NotFound("No such installation on this account.")
    if refusal is not None:
        raise PermissionDenied(
            f"You have no access to “{installation.app.name}”. Ask an admin of "
            f"{account.name} for it."
        )
    return installation


def installation_ids_usable_by(*, membership: Membership) -> set[int]:
    """The ids of the account's installations ``membership``'s user may use, in one query
    (admins: every installation of the account)."""
    installations = Installation.objects.filter(account_id=membership.account_id)
    if membership.is_admin:
        return set(installations.values_list("pk", flat=True))
    return set(
        InstallationAccess.objects.filter(
            _rules_admitting(membership), installation__in=installations
        )
        .values_list("installation_id", flat=True)
        .distinct()
    ) | set(installations.filter(access_everyone=True).values_list("pk", flat=True))


@dataclass(frozen=True)
class SettingField:
    """One setting with its current value as a form or API shows it.

    ``value`` is never a secret: secrets show ``masked`` (and ``is_set``) only.
    """

    setting: Setting
    value: Any
    is_set: bool
    masked: str
    file_name: str
    file_size: int | None
    file_url: str


def installation_settings(
    *, installation: Installation, level: str, user: User | None = None
) -> list[SettingField]:
    """The settings of one level declared by the installed version, with their values
    (for ``user``'s own values at the user level). Defaults fill unset plain values."""
    manifest = version_manifest(installation.version)
    declared = settings_of_level(manifest.settings, level)
    stored = {
        v.key: v
        for v in SettingValue.objects.filter(
            installation=installation, user=user if level == "user" else None
        )
    }
    fields = []
    for setting in declared:
        row = stored.get(setting.key)
        if setting.type == "secret":
            fields.append(
                SettingField(
                    setting=setting,
                    value=None,
                    is_set=row is not None and bool(row.secret),
                    masked=secret_masked(row.secret_hint) if row is not None and row.secret else "",
                    file_name="",
                    file_size=None,
                    file_url="",
                )
            )
        elif setting.type == "file":
            has_file = row is not None and bool(row.file)
            fields.append(
                SettingField(
                    setting=setting,
                    value=None,
                    is_set=has_file,
                    masked="",
                    file_name=row.file_name if has_file and row is not None else "",
                    file_size=row.file_size if has_file and row is not None else None,
                    file_url="",
                )
            )
        else:
            fields.append(
                SettingField(
                    setting=setting,
                    value=row.value if row is not None else setting.default,
                    is_set=row is not None,
                    masked="",
                    file_name="",
                    file_size=None,
                    file_url="",
                )
            )
    return fields


def _settings_declared(version: AppVersion) -> tuple[Setting, ...]:
    """The settings ``version``'s manifest declares, read as stored: it was valid when
    stored, and reading it as is keeps an installation's state readable when the scope
    catalog shrank since (no validation per row of a list)."""
    return manifest_from_data(version.manifest, effective_scopes=()).settings


def installation_setup_missing_for(
    *, installations: Iterable[Installation]
) -> dict[int, tuple[Setting, ...]]:
    """For each active installation given that **needs setup**, the required app-level
    settings it has no value for (``settings_needing_setup``), keyed by installation id.

    The one place "needs setup" is computed: the console's badges and lead, the settings
    form after consent and the API's ``needs_setup`` all read it. An installation being
    uninstalled needs nothing. At most one query whatever the number of installations
    (none when no installed version declares a required setting); ``version`` must be
    loaded."""
    declared: dict[int, tuple[Setting, ...]] = {}
    by_version: dict[int, tuple[Setting, ...]] = {}
    for installation in installations:
        if not installation.is_active:
            continue
        if installation.version_id not in by_version:
            by_version[installation.version_id] = tuple(
                s
                for s in _settings_declared(installation.version)
                if settings_needing_setup([s], set_keys=())
            )
        if by_version[installation.version_id]:
            declared[installation.pk] = by_version[installation.version_id]
    if not declared:
        return {}
    set_keys: dict[int, set[str]] = {pk: set() for pk in declared}
    stored = SettingValue.objects.filter(
        installation_id__in=list(declared), user__isnull=True
    ).values_list("installation_id", "key")
    for installation_id, key in stored:
        set_keys[installation_id].add(key)
    missing = {
        pk: settings_needing_setup(settings, set_keys=set_keys[pk])
        for pk, settings in declared.items()
    }
    return {pk: settings for pk, settings in missing.items() if settings}


def installation_setup_missing(*, installation: Installation) -> tuple[Setting, ...]:
    """The required app-level settings ``installation`` has no value for yet (empty: it
    needs no setup). At most one query."""
    return installation_setup_missing_for(installations=[installation]).get(installation.pk, ())


def setting_file_get(*, installation: Installation, key: str, user: User | None) -> SettingValue:
    """The stored file of a file setting, or ``NotFound``."""
    row = SettingValue.objects.filter(installation=installation, key=key, user=user).first()
    if row is None or not row.file:
        raise NotFound("No file is stored for this setting.")
    return row


def installation_history(*, installation: Installation) -> QuerySet[InstallationEvent]:
    return InstallationEvent.objects.filter(installation=installation).select_related("actor")


def installation_webhooks(*, installation: Installation) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(installation=installation)


def installation_uninstall_job(*, installation: Installation) -> Job | None:
    """The job removing an installation's data after its uninstall, if any."""
    return job_latest_for(
        account_id=installation.account_id,
        kind=INSTALLATION_UNINSTALL,
        key="installation_id",
        value=installation.pk,
    )


def installation_uninstall_jobs_for_account(*, account: Account) -> dict[int, Job]:
    """The newest uninstall job of each installation of ``account`` being uninstalled,
    keyed by installation id (two queries whatever their number, for a list)."""
    uninstalling = list(
        Installation.objects.filter(account=account)
        .exclude(status__in=LIVE_STATUSES)
        .values_list("pk", flat=True)
    )
    if not uninstalling:
        return {}
    jobs = Job.objects.filter(
        account=account, kind=INSTALLATION_UNINSTALL, payload__installation_id__in=uninstalling
    ).order_by("created_at", "pk")
    return {int(job.payload["installation_id"]): job for job in jobs}


def user_authorization_get(*, installation: Installation, user: User) -> UserAuthorization | None:
    return UserAuthorization.objects.filter(installation=installation, user=user).first()
