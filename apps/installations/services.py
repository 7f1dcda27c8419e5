"""Writes of installations: install, update, uninstall, access, settings, user consent.

Every service either does all it says or raises ``ApplicationError`` having written
nothing. Status changes are compare-and-set updates on the old status, so two admins
acting at once get one success and one ``Conflict``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from apps.accounts.models import Account, Group, Membership, Role, User
from apps.catalog.manifests.types import Manifest
from apps.catalog.models import AppVersion, InstallLink
from apps.catalog.policies import semver_key
from apps.catalog.selectors import version_manifest
from apps.catalog.services import By
from apps.core.crypto import encrypt
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    InstallationStatus,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from apps.installations.policies import (
    SettingInvalid,
    install_refusal,
    secret_hint,
    setting_file_problem,
    setting_value_clean,
    settings_of_level,
)
from apps.scopes.policies import effective_scopes, scope_diff

REFUSALS = {
    "app_inactive": "The app “{app}” is not active, so it cannot be installed now.",
    "version_not_installable": "Version {number} of “{app}” was rejected and cannot be installed.",
    "private_app": (
        "“{app}” is a private app: it can be installed only through an install link from its "
        "developer."
    ),
    "version_not_published": "Version {number} of “{app}” is not published.",
}


def _event(
    installation: Installation, kind: str, by: By, detail: Mapping[str, Any] | None = None
) -> None:
    InstallationEvent.objects.create(
        installation=installation,
        kind=kind,
        actor=by.user,
        actor_label=by.label,
        detail=dict(detail or {}),
    )


def installation_check_installable(
    *, account: Account, version: AppVersion, install_link: InstallLink | None = None
) -> None:
    """Refuse (``Conflict`` with a stable code) a version that cannot be installed on
    ``account`` from where it is asked."""
    app = version.app
    code = install_refusal(
        app_type=app.type,
        app_status=app.status,
        version_status=version.status,
        own_account=app.account_id == account.pk,
        via_link=install_link is not None and install_link.version_id == version.pk,
    )
    if code:
        raise Conflict(REFUSALS[code].format(app=app.name, number=version.number), code=code)


def _sync_webhooks(installation: Installation, manifest: Manifest) -> dict[str, list[str]]:
    """Make the installation's subscriptions match ``manifest``'s webhooks, by id.

    Returns what changed (ids added, removed, changed). Safe to run twice.
    """
    wanted = {w.id: w for w in manifest.webhooks}
    current = {s.webhook_id: s for s in installation.webhook_subscriptions.all()}
    removed = sorted(current.keys() - wanted.keys())
    if removed:
        WebhookSubscription.objects.filter(
            installation=installation, webhook_id__in=removed
        ).delete()
    added, changed = [], []
    for webhook_id, hook in sorted(wanted.items()):
        existing = current.get(webhook_id)
        if existing is None:
            WebhookSubscription.objects.create(
                installation=installation, webhook_id=webhook_id, event=hook.event, url=hook.url
            )
            added.append(webhook_id)
        elif (existing.event, existing.url) != (hook.event, hook.url):
            existing.event, existing.url = hook.event, hook.url
            existing.save(update_fields=["event", "url", "updated_at"])
            changed.append(webhook_id)
    return {"added": added, "removed": removed, "changed": changed}


@transaction.atomic
def installation_install(
    *,
    account: Account,
    version: AppVersion,
    by: By,
    membership: Membership | None,
    install_link: InstallLink | None = None,
) -> Installation:
    """Install ``version`` on ``account``, granting its effective scopes.

    Only an admin of the account may install. Registers the manifest's webhooks as the
    installation's subscriptions. Raises ``PermissionDenied``, ``Conflict``
    (``already_installed`` or why the version cannot be installed here).
    """
    if membership is None or membership.account_id != account.pk or not membership.is_admin:
        raise PermissionDenied(
            f"Only an admin of {account.name} can install apps. Ask an admin to install it."
        )
    installation_check_installable(account=account, version=version, install_link=install_link)
    manifest = version_manifest(version)
    try:
        with transaction.atomic():
            installation = Installation.objects.create(
                account=account,
                app=version.app,
                version=version,
                granted_scopes=list(effective_scopes(version.effective_scopes)),
                installed_by=by.user,
                installed_at=timezone.now(),
                install_link=install_link,
            )
    except IntegrityError as exc:
        raise Conflict(
            f"“{version.app.name}” is already installed on {account.name}. Update the "
            "installation instead.",
            code="already_installed",
        ) from exc
    hooks = _sync_webhooks(installation, manifest)
    _event(
        installation,
        InstallationEvent.Kind.INSTALLED,
        by,
        {
            "version": version.number,
            "scopes": installation.granted_scopes,
            "webhooks": hooks["added"],
            "via_link": install_link.display_prefix if install_link else "",
        },
    )
    return installation


@dataclass(frozen=True)
class UpdatePlan:
    """What updating an installation to ``version`` would do, for the re-consent page."""

    version: AppVersion
    scopes_before: tuple[str, ...]
    scopes_after: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    needs_consent: bool
    exceeding: tuple[str, ...]


def installation_update_plan(*, installation: Installation, version: AppVersion) -> UpdatePlan:
    """Compare the installation's grant with ``version``'s scopes."""
    before = tuple(installation.granted_scopes)
    after = effective_scopes(version.effective_scopes)
    diff = scope_diff(before, after)
    return UpdatePlan(
        version=version,
        scopes_before=before,
        scopes_after=after,
        added=diff.added + tuple(f"{c.code}:{c.new}" for c in diff.raised),
        removed=diff.removed + tuple(f"{c.code}:{c.old}" for c in diff.lowered),
        needs_consent=diff.needs_consent,
        exceeding=diff.exceeding,
    )


@transaction.atomic
def installation_update(
    *,
    installation: Installation,
    version: AppVersion,
    by: By,
    membership: Membership | None,
    consent: bool,
    install_link: InstallLink | None = None,
) -> Installation:
    """Move an installation to another version of its app.

    When the new version asks for more than the installation granted, the admin must
    have seen the scope diff and agreed (``consent=True``), else ``Conflict``
    (``consent_required``). Narrowing applies at once. Webhook subscriptions follow the
    new manifest; settings values, access and files are kept.
    """
    if membership is None or membership.account_id != installation.account_id:
        raise PermissionDenied("Only an admin of this account can update its apps.")
    if not membership.is_admin:
        raise PermissionDenied("Only an admin of this account can update its apps.")
    if version.app_id != installation.app_id:
        raise ValidationFailed(
            "That version belongs to another app.", fields={"version": ["Not a version of it."]}
        )
    locked = Installation.objects.select_for_update().filter(pk=installation.pk).first()
    if locked is None or locked.status != InstallationStatus.ACTIVE:
        raise Conflict("The app is being uninstalled; it cannot be updated.", code="not_active")
    if locked.version_id == version.pk:
        raise Conflict(f"Version {version.number} is already installed.", code="already_on_version")
    if install_link is None and semver_key(version.number) <= semver_key(locked.version.number):
        raise ValidationFailed(
            "Choose a newer version.",
            fields={
                "version": [f"Version {locked.version.number} is installed; pick a newer one."]
            },
        )
    installation_check_installable(
        account=locked.account, version=version, install_link=install_link
    )
    plan = installation_update_plan(installation=locked, version=version)
    if plan.needs_consent and not consent:
        raise Conflict(
            "The new version asks for more access: "
            + ", ".join(plan.exceeding)
            + ". Review the new scopes and agree to update.",
            code="consent_required",
            extra={"new_scopes": list(plan.exceeding)},
        )
    from_number = locked.version.number
    manifest = version_manifest(version)
    locked.version = version
    locked.granted_scopes = list(plan.scopes_after)
    locked.scopes_revision = F("scopes_revision") + 1
    locked.save(update_fields=["version", "granted_scopes", "scopes_revision", "updated_at"])
    locked.refresh_from_db()
    hooks = _sync_webhooks(locked, manifest)
    _event(
        locked,
        InstallationEvent.Kind.UPDATED,
        by,
        {
            "from": from_number,
            "to": version.number,
            "scopes_added": list(plan.added),
            "scopes_removed": list(plan.removed),
            "webhooks": hooks,
        },
    )
    return locked


@transaction.atomic
def installation_uninstall(
    *, installation: Installation, by: By, membership: Membership | None
) -> Installation:
    """Mark the installation uninstalling: from this moment every token of it is refused
    and nothing can change it. The cascade that removes its data runs as a job."""
    if membership is None or membership.account_id != installation.account_id:
        raise PermissionDenied("Only an admin of this account can uninstall its apps.")
    if not membership.is_admin:
        raise PermissionDenied("Only an admin of this account can uninstall its apps.")
    now = timezone.now()
    updated = Installation.objects.filter(
        pk=installation.pk, status=InstallationStatus.ACTIVE
    ).update(
        status=InstallationStatus.UNINSTALLING,
        uninstall_requested_at=now,
        uninstall_requested_by=by.user,
        updated_at=now,
    )
    if not updated:
        raise Conflict("The app is already being uninstalled.", code="not_active")
    installation.refresh_from_db()
    _event(installation, InstallationEvent.Kind.UNINSTALL_REQUESTED, by)
    return installation


def _require_active(installation: Installation) -> Installation:
    locked = Installation.objects.select_for_update().filter(pk=installation.pk).first()
    if locked is None or locked.status != InstallationStatus.ACTIVE:
        raise Conflict(
            "The app is being uninstalled; its settings cannot change.", code="not_active"
        )
    return locked


@transaction.atomic
def installation_access_set(
    *,
    installation: Installation,
    role_ids: Iterable[int],
    group_ids: Iterable[int],
    by: By,
    membership: Membership | None,
) -> Installation:
    """Choose the roles and groups whose members may use the app (none: admins only).

    Members who lose access lose the use of their tokens from the next request.
    """
    if membership is None or membership.account_id != installation.account_id:
        raise PermissionDenied("Only an admin of this account can change who uses its apps.")
    if not membership.is_admin:
        raise PermissionDenied("Only an admin of this account can change who uses its apps.")
    locked = _require_active(installation)
    roles = _own(Role, locked.account, role_ids, "roles")
    groups = _own(Group, locked.account, group_ids, "groups")
    before = _access_names(locked)
    InstallationAccess.objects.filter(installation=locked).delete()
    InstallationAccess.objects.bulk_create(
        [InstallationAccess(installation=locked, role=r) for r in roles]
        + [InstallationAccess(installation=locked, group=g) for g in groups]
    )
    after = _access_names(locked)
    if before != after:
        _event(
            locked, InstallationEvent.Kind.ACCESS_CHANGED, by, {"before": before, "after": after}
        )
    return locked


def _own(
    model: type[Role] | type[Group], account: Account, ids: Iterable[int], field: str
) -> list[Any]:
    wanted = set()
    for raw in ids:
        try:
            wanted.add(int(raw))
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(
                f"Unknown {field}.", fields={field: [f"{raw!r} is not an id."]}
            ) from exc
    found = list(model.objects.filter(account=account, pk__in=wanted))
    missing = wanted - {obj.pk for obj in found}
    if missing:
        raise ValidationFailed(
            f"Unknown {field}.",
            fields={field: [f"No such {field[:-1]} in this account: {sorted(missing)}."]},
        )
    return found


def _access_names(installation: Installation) -> dict[str, list[str]]:
    rules = InstallationAccess.objects.filter(installation=installation).select_related(
        "role", "group"
    )
    return {
        "roles": sorted(r.role.name for r in rules if r.role is not None),
        "groups": sorted(r.group.name for r in rules if r.group is not None),
    }


@transaction.atomic
def installation_settings_save(
    *,
    installation: Installation,
    level: str,
    user: User | None,
    values: Mapping[str, Any],
    files: Mapping[str, IO[bytes]] | None = None,
    clear_files: Iterable[str] = (),
    by: By,
    membership: Membership | None,
) -> list[SettingValue]:
    """Save settings of one level: ``app`` (admins only) or ``user`` (``user`` edits
    their own; an admin may edit anyone's in the account).

    ``values`` maps keys to raw values; keys left out keep their value. An empty secret
    keeps the stored secret. ``files`` maps file-setting keys to uploads (type and size
    checked); ``clear_files`` removes stored files. Every problem is reported at once,
    under ``fields`` by key, and nothing is saved then.
    """
    if membership is None or membership.account_id != installation.account_id:
        raise NotFound("No such installation.")
    if level == "app":
        if not membership.is_admin:
            raise PermissionDenied("Only an admin of this account can change app settings.")
        target: User | None = None
    elif level == "user":
        if user is None:
            raise ValidationFailed("Say whose settings these are.", fields={"user": ["Required."]})
        if user.pk != membership.user_id:
            if not membership.is_admin:
                raise PermissionDenied("You can change only your own settings.")
            if not Membership.objects.filter(
                user=user, account_id=installation.account_id
            ).exists():
                raise NotFound("No such member in this account.")
        target = user
    else:
        raise ValidationFailed("Unknown level.", fields={"level": ["Use app or user."]})
    locked = _require_active(installation)
    manifest = version_manifest(locked.version)
    declared = {s.key: s for s in settings_of_level(manifest.settings, level)}
    files = dict(files or {})
    errors: dict[str, list[str]] = {}
    for key in [*values.keys(), *files.keys(), *clear_files]:
        if key not in declared:
            errors.setdefault(key, []).append(f"The app has no {level}-level setting “{key}”.")
    stored = {
        v.key: v
        for v in SettingValue.objects.filter(installation=locked, user=target).select_for_update()
    }
    plans: dict[str, Any] = {}
    for key, raw in values.items():
        setting = declared.get(key)
        if setting is None or setting.type == "file":
            if setting is not None:
                errors.setdefault(key, []).append("Upload a file for this setting.")
            continue
        try:
            clean = setting_value_clean(setting, raw)
        except SettingInvalid as exc:
            errors.setdefault(key, []).append(str(exc))
            continue
        if setting.type == "secret" and clean.clear:
            if setting.required and key not in stored:
                errors.setdefault(key, []).append("This setting is required.")
            continue  # empty secret: keep the stored one
        plans[key] = clean
    for key, upload in files.items():
        setting = declared.get(key)
        if setting is None:
            continue
        if setting.type != "file":
            errors.setdefault(key, []).append("This setting does not take a file.")
            continue
        name = getattr(upload, "name", "") or "upload"
        size = getattr(upload, "size", None)
        if size is None:
            upload.seek(0, 2)
            size = upload.tell()
            upload.seek(0)
        problem = setting_file_problem(name=name, size=size)
        if problem:
            errors.setdefault(key, []).append(problem)
    for key in clear_files:
        setting = declared.get(key)
        if setting is not None and setting.required and key not in files:
            errors.setdefault(key, []).append("This setting is required; upload another file.")
    for key, setting in declared.items():
        # A required setting with nothing stored must come with this save: a secret left
        # out is as missing as a plain value, and a file as missing as both.
        given = key in files if setting.type == "file" else key in values
        if setting.required and not given and key not in stored and setting.default is None:
            errors.setdefault(key, []).append(
                "This setting is required; upload a file."
                if setting.type == "file"
                else "This setting is required."
            )
    if errors:
        raise ValidationFailed("Some settings are not valid.", fields=errors)
    saved: list[SettingValue] = []
    changed: list[str] = []
    old_files: list[FieldFile] = []
    for key, clean in plans.items():
        row = stored.get(key)
        if clean.clear:
            if row is not None:
                row.delete()
                changed.append(key)
            continue
        if row is None:
            row = SettingValue(installation=locked, key=key, user=target)
        if clean.secret is not None:
            row.secret, row.secret_hint, row.value = (
                encrypt(clean.secret),
                secret_hint(clean.secret),
                None,
            )
        else:
            if row.pk is not None and row.value == clean.value:
                saved.append(row)
                continue
            row.value = clean.value
        row.updated_by = by.user
        row.save()
        saved.append(row)
        changed.append(key)
    for key in clear_files:
        row = stored.get(key)
        if row is not None and key not in files:
            if row.file:
                old_files.append(row.file)
            row.delete()
            changed.append(key)
    for key, upload in files.items():
        row = stored.get(key) or SettingValue(installation=locked, key=key, user=target)
        if row.file:
            old_files.append(row.file)
        name = (getattr(upload, "name", "") or "upload").rsplit("/", 1)[-1][:255]
        row.file = File(upload, name=name)
        row.file_name = name
        row.file_size = getattr(upload, "size", None)
        row.updated_by = by.user
        row.save()
        saved.append(row)
        changed.append(key)
    if old_files:
        stored_names = [(f.storage, f.name) for f in old_files if f.name]

        def remove_replaced() -> None:
            for store, name in stored_names:
                store.delete(name)

        transaction.on_commit(remove_replaced)
    if changed:
        _event(
            locked,
            InstallationEvent.Kind.SETTINGS_CHANGED,
            by,
            {"level": level, "user": target.email if target else "", "keys": sorted(changed)},
        )
    return saved


@transaction.atomic
def user_authorization_record(
    *, installation: Installation, user: User, scopes: Iterable[str], by: By
) -> UserAuthorization:
    """Record that ``user`` consented to the installation's app with ``scopes`` (a
    user-level app). Widens an earlier record; never narrows it."""
    wanted = list(effective_scopes(scopes))
    record, created = UserAuthorization.objects.select_for_update().get_or_create(
        installation=installation, user=user, defaults={"scopes": wanted}
    )
    if not created:
        merged = list(effective_scopes([*record.scopes, *wanted]))
        if merged != record.scopes:
            record.scopes = merged
            record.save(update_fields=["scopes", "updated_at"])
    _event(installation, InstallationEvent.Kind.USER_AUTHORIZED, by, {"scopes": wanted})
    return record
