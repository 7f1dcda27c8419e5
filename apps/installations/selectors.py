"""Reads of installations, each scoped to the account (and member) asking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from apps.accounts.models import Account, Membership, User
from apps.catalog.manifests.types import Setting, manifest_from_data
from apps.catalog.models import App, AppVersion, VersionStatus
from apps.catalog.policies import semver_key
from apps.catalog.selectors import version_manifest
from apps.core.errors import NotFound, ValidationFailed
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
    member_may_use_app,
    secret_masked,
    settings_needing_setup,
    settings_of_level,
)
from apps.jobs.kinds import INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.jobs.selectors import job_latest_for
from apps.scopes.policies import effective_scopes, scope_diff


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

    @property
    def admins_only(self) -> bool:
        return not (self.role_ids or self.group_ids)


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
    (``policies.member_may_use_app``): admins always; others through one of the allowed
    roles or groups (one query, only for those)."""
    needs_rule = membership.account_id == installation.account_id and not membership.is_admin
    return member_may_use_app(
        membership_account_id=membership.account_id,
        installation_account_id=installation.account_id,
        is_admin=membership.is_admin,
        admitted_by_rule=needs_rule
        and InstallationAccess.objects.filter(
            _rules_admitting(membership), installation_id=installation.pk
        ).exists(),
    )


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
    )


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


def installation_newer_versions(*, installation: Installation) -> list[AppVersion]:
    """Published versions newer than the installed one, newest first."""
    current = semver_key(installation.version.number)
    versions = AppVersion.objects.filter(app_id=installation.app_id, status=VersionStatus.PUBLISHED)
    newer = [v for v in versions if semver_key(v.number) > current]
    return sorted(newer, key=lambda v: semver_key(v.number), reverse=True)


def installation_updates_for_account(*, account: Account) -> dict[int, AppVersion]:
    """For each active installation of ``account`` with a newer published version, that
    newest version, keyed by installation id. Two queries whatever the number of
    installations (for "update available" badges on a list)."""
    installations = list(
        Installation.objects.filter(account=account, status__in=LIVE_STATUSES).select_related(
            "version"
        )
    )
    newest: dict[int, AppVersion] = {}
    published = AppVersion.objects.filter(
        app_id__in={i.app_id for i in installations}, status=VersionStatus.PUBLISHED
    )
    for version in published:
        best = newest.get(version.app_id)
        if best is None or semver_key(version.number) > semver_key(best.number):
            newest[version.app_id] = version
    result = {}
    for installation in installations:
        candidate = newest.get(installation.app_id)
        if candidate is not None and semver_key(candidate.number) > semver_key(
            installation.version.number
        ):
            result[installation.pk] = candidate
    return result


@dataclass(frozen=True)
class PendingUpdate:
    """A published version the rollout did not install because it asks for more access
    than the installation's grant: ``new_scopes`` are what the admin would approve."""

    version: AppVersion
    new_scopes: tuple[str, ...]


def installation_pending_update(*, installation: Installation) -> PendingUpdate | None:
    """The update of an active installation waiting for an admin's approval, or ``None``
    (nothing waits, the installation is being uninstalled, or the version was withdrawn).
    No query when ``pending_version`` is loaded."""
    pending = installation.pending_version
    if (
        pending is None
        or not installation.is_active
        or pending.status != VersionStatus.PUBLISHED
        or semver_key(pending.number) <= semver_key(installation.version.number)
    ):
        return None
    diff = scope_diff(installation.granted_scopes, effective_scopes(pending.effective_scopes))
    return PendingUpdate(version=pending, new_scopes=diff.exceeding)


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


def installation_update_target(*, installation: Installation, number: Any) -> AppVersion:
    """The version of the installed app to update to, refused under ``version`` when it
    is unknown, not published (outside the developer's own account) or not newer."""
    if not isinstance(number, str) or not number.strip():
        raise ValidationFailed(
            "Name the version to update to.", fields={"version": ["Give a version number."]}
        )
    number = number.strip()
    unknown = ValidationFailed(
        f"“{installation.app.name}” has no published version {number}.",
        fields={"version": [f"No published version {number}."]},
    )
    version = AppVersion.objects.filter(app_id=installation.app_id, number=number).first()
    own_app = installation.app.account_id == installation.account_id
    if version is None or (version.status != VersionStatus.PUBLISHED and not own_app):
        raise unknown
    if semver_key(version.number) <= semver_key(installation.version.number):
        raise ValidationFailed(
            f"Version {installation.version.number} is installed; choose a newer one.",
            fields={"version": [f"Version {number} is not newer than the installed one."]},
        )
    return version


def user_authorization_get(*, installation: Installation, user: User) -> UserAuthorization | None:
    return UserAuthorization.objects.filter(installation=installation, user=user).first()


@dataclass(frozen=True)
class Embedding:
    installation_id: int
    app_name: str
    app_code: str
    version: str
    id: str
    location: str
    code: str
    url: str
    title: str


def embedding_list_for_member(*, membership: Membership) -> list[Embedding]:
    """The embeddings of the apps installed on the member's account that the member may
    use, from each installation's version manifest."""
    installations = list(
        Installation.objects.filter(account_id=membership.account_id, status__in=LIVE_STATUSES)
        .filter(app__status="active")
        .select_related("app", "version")
    )
    usable = installation_ids_usable_by(membership=membership)
    result = []
    for installation in installations:
        if installation.pk not in usable:
            continue
        manifest = version_manifest(installation.version)
        for embedding in manifest.embeddings:
            result.append(
                Embedding(
                    installation_id=installation.pk,
                    app_name=installation.app.name,
                    app_code=str(installation.app.code),
                    version=installation.version.number,
                    id=embedding.id,
                    location=embedding.location,
                    code=embedding.code,
                    url=embedding.url,
                    title=embedding.title,
                )
            )
    return result
