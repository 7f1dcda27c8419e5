"""Writes of the catalog: apps, listing, credentials, versions, install links.

Every status change of a version goes through ``version_transition``: a transition table
(``policies.TRANSITIONS``) and a compare-and-set update, so two people acting at once can
never both win; the loser gets ``Conflict``. App state changes are conditional updates
too. A service either does all it says or raises ``ApplicationError`` having written
nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from oauth2_provider.models import get_application_model

from apps.accounts.models import Account, User
from apps.catalog.images import BANNER, LOGO, MAX_BANNERS, image_check
from apps.catalog.manifests import ManifestCheck, ManifestError, Problem, manifest_validate_text
from apps.catalog.manifests.reading import Format
from apps.catalog.models import (
    App,
    AppBanner,
    AppStatus,
    AppType,
    AppVersion,
    InstallLink,
    VersionEvent,
    VersionStatus,
)
from apps.catalog.policies import (
    LISTING_FIELDS,
    REASON_REQUIRED,
    Actor,
    app_listing_problems,
    semver_key,
    transition_refusal,
    version_can_transition,
    version_install_blocker,
    version_is_editable,
)
from apps.catalog.selectors import app_listing_state
from apps.core.crypto import keyed_digest
from apps.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from apps.core.times import when
from apps.jobs.kinds import APP_DELETE, VERSION_ROLLOUT
from apps.jobs.services import job_create

INSTALL_LINK_DEFAULT_DAYS = 7
INSTALL_LINK_MAX_DAYS = 90


@dataclass(frozen=True)
class By:
    """Who acts: a signed-in user, or an account API key (``user`` is then ``None``)."""

    user: User | None
    label: str

    @classmethod
    def user_(cls, user: User) -> By:
        return cls(user=user, label=user.email)


# --- apps ------------------------------------------------------------------------------------


def _require_not_deleting(app: App) -> None:
    """Lock the app's row for the rest of the transaction and refuse an app being deleted.

    The status is read again under the lock: a delete that committed after the caller
    loaded ``app`` wins, and one that is committing is waited for. Changes to one app
    (versions, images, credentials) therefore run one at a time.
    """
    current = (
        App.objects.select_for_update().filter(pk=app.pk).values_list("status", flat=True).first()
    )
    if AppStatus.DELETING in (app.status, current):
        raise Conflict(
            f"The app “{app.name}” is being deleted; nothing can change it any more.",
            code="app_deleting",
        )


def _stored_logo(app: App) -> str:
    """The logo file name as stored now (read under the app's lock), not as the caller
    loaded it: two replacements in a row each remove the file the other stored."""
    return App.objects.filter(pk=app.pk).values_list("logo", flat=True).get() or ""


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Give the app a name.", fields={"name": ["This field is required."]})
    if len(name) > 100:
        raise ValidationFailed(
            "The name is too long.", fields={"name": ["Use at most 100 characters."]}
        )
    return name


def _new_secret() -> str:
    return secrets.token_urlsafe(48)


@transaction.atomic
def app_create(*, account: Account, name: str, type: str, by: By) -> tuple[App, str]:
    """Create an app with its OAuth client; return the app and the raw client secret.

    The secret is returned once and stored only as a keyed hash. Raises
    ``ValidationFailed`` naming ``name`` or ``type``.
    """
    name = _clean_name(name)
    if type not in AppType.values:
        raise ValidationFailed(
            "Choose private or public.", fields={"type": ["Choose 'private' or 'public'."]}
        )
    raw_secret = _new_secret()
    application = get_application_model()(
        name=name,
        client_type="confidential",
        authorization_grant_type="authorization-code",
        client_secret=raw_secret,
        hash_client_secret=True,
        redirect_uris="",
        skip_authorization=False,
    )
    application.save()
    app = App(
        account=account, name=name, type=type, oauth_application=application, created_by=by.user
    )
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError as exc:
        raise ValidationFailed(
            "Your account already has an app with this name.",
            fields={"name": ["Your account already has an app with this name."]},
        ) from exc
    return app, raw_secret


@transaction.atomic
def app_rename(*, app: App, name: str) -> App:
    """Change the app's name (its code never changes)."""
    _require_not_deleting(app)
    name = _clean_name(name)
    try:
        with transaction.atomic():
            App.objects.filter(pk=app.pk).update(name=name, updated_at=timezone.now())
    except IntegrityError as exc:
        raise ValidationFailed(
            "Your account already has an app with this name.",
            fields={"name": ["Your account already has an app with this name."]},
        ) from exc
    app.oauth_application.name = name
    app.oauth_application.save(update_fields=["name", "updated"])
    app.refresh_from_db()
    return app


@transaction.atomic
def app_listing_update(*, app: App, **changes: str) -> App:
    """Update the listing text: summary, description, support e-mail and URL.

    Listing edits never need moderation, and a listed app stays listed. Raises
    ``ValidationFailed`` naming every bad field; nothing is written then.
    """
    _require_not_deleting(app)
    unknown = set(changes) - set(LISTING_FIELDS)
    if unknown:
        raise ValidationFailed(
            "Unknown listing fields.", fields={name: ["Unknown field."] for name in sorted(unknown)}
        )
    values = {name: (value or "").strip() for name, value in changes.items()}
    errors: dict[str, list[str]] = {}
    limits = {"summary": 160, "description": 20_000, "support_email": 254, "support_url": 500}
    for name, value in values.items():
        if len(value) > limits[name]:
            errors[name] = [f"Use at most {limits[name]:,} characters."]
    if values.get("support_email"):
        try:
            EmailValidator()(values["support_email"])
        except ValidationError:
            errors.setdefault("support_email", []).append("Enter a valid e-mail address.")
    if values.get("support_url"):
        try:
            URLValidator(schemes=["https", "http"])(values["support_url"])
        except ValidationError:
            errors.setdefault("support_url", []).append("Enter a full URL, e.g. https://…")
    merged = {name: getattr(app, name) for name in LISTING_FIELDS} | values
    if app.is_listed and not errors:
        # A listed app must stay fit for the catalog.
        problems = app_listing_problems(
            app_type=app.type, status=app.status, has_published_version=True, listing=merged
        )
        for name in LISTING_FIELDS:
            if name in problems and name in values:
                errors[name] = [*problems[name], "Hide the app from the catalog to clear this."]
    if errors:
        raise ValidationFailed("Some listing fields are not valid.", fields=errors)
    App.objects.filter(pk=app.pk).update(**values, updated_at=timezone.now())
    app.refresh_from_db()
    return app


def _stored_file(upload: IO[bytes], *, ext: str) -> File[Any]:
    return File(upload, name=f"image.{ext}")


@transaction.atomic
def app_logo_set(*, app: App, upload: IO[bytes]) -> App:
    """Replace the logo. The image is checked first (``ValidationFailed`` on ``logo``);
    the old file is removed from storage after commit."""
    _require_not_deleting(app)
    ext = image_check(upload, rule=LOGO, field="logo")
    old = _stored_logo(app)
    app.logo.save(f"logo.{ext}", _stored_file(upload, ext=ext), save=False)
    App.objects.filter(pk=app.pk).update(logo=app.logo.name, updated_at=timezone.now())
    if old:
        storage = app.logo.storage
        transaction.on_commit(lambda: storage.delete(old))
    return app


@transaction.atomic
def app_logo_remove(*, app: App) -> App:
    _require_not_deleting(app)
    old = _stored_logo(app)
    App.objects.filter(pk=app.pk).update(logo="", updated_at=timezone.now())
    if old:
        storage = app.logo.storage
        transaction.on_commit(lambda: storage.delete(old))
    app.refresh_from_db()
    return app


@transaction.atomic
def app_banner_add(*, app: App, upload: IO[bytes]) -> AppBanner:
    """Add a banner at the end (at most ``MAX_BANNERS``). Raises ``ValidationFailed``
    naming ``banner``."""
    _require_not_deleting(app)
    count = AppBanner.objects.filter(app=app).count()
    if count >= MAX_BANNERS:
        raise ValidationFailed(
            f"An app has at most {MAX_BANNERS} banners.",
            fields={"banner": [f"Remove a banner first: an app has at most {MAX_BANNERS}."]},
        )
    ext = image_check(upload, rule=BANNER, field="banner")
    position = (AppBanner.objects.filter(app=app).aggregate(m=Max("position"))["m"] or 0) + 1
    banner = AppBanner(app=app, position=position)
    banner.image.save(f"banner.{ext}", _stored_file(upload, ext=ext), save=False)
    banner.save()
    return banner


@transaction.atomic
def app_banner_remove(*, app: App, banner_id: int) -> None:
    """Remove one banner of ``app``; another app's banner is ``NotFound``."""
    _require_not_deleting(app)
    banner = AppBanner.objects.filter(app=app, pk=banner_id).first()
    if banner is None:
        raise NotFound("No such banner on this app.")
    name, storage = banner.image.name, banner.image.storage
    banner.delete()
    transaction.on_commit(lambda: storage.delete(name))


def _set_suspended(app: App, suspended: bool) -> None:
    type(app.oauth_application).objects.filter(pk=app.oauth_application_id).update(
        is_suspended=suspended
    )
    app.oauth_application.is_suspended = suspended


@transaction.atomic
def app_deactivate(*, app: App) -> App:
    """Deactivate: the app cannot be installed, is not embedded, and its OAuth client is
    suspended so every token of it is refused from the next request. Idempotent."""
    _require_not_deleting(app)
    App.objects.filter(pk=app.pk, status=AppStatus.ACTIVE).update(
        status=AppStatus.INACTIVE, updated_at=timezone.now()
    )
    _set_suspended(app, True)
    app.refresh_from_db()
    return app


@transaction.atomic
def app_activate(*, app: App) -> App:
    """Activate an inactive app: installs, embedding and tokens work again. Idempotent."""
    _require_not_deleting(app)
    App.objects.filter(pk=app.pk, status=AppStatus.INACTIVE).update(
        status=AppStatus.ACTIVE, updated_at=timezone.now()
    )
    _set_suspended(app, False)
    app.refresh_from_db()
    return app


@transaction.atomic
def app_list_in_catalog(*, app: App) -> App:
    """Show a public app in the marketplace catalog.

    Raises ``ValidationFailed`` naming each missing piece (a published version, summary,
    description, support contact); private apps are never listed.
    """
    _require_not_deleting(app)
    problems = app_listing_state(app=app).problems
    if problems:
        raise ValidationFailed("The app cannot be listed in the catalog yet.", fields=problems)
    App.objects.filter(pk=app.pk).update(is_listed=True, updated_at=timezone.now())
    app.refresh_from_db()
    return app


@transaction.atomic
def app_unlist(*, app: App) -> App:
    """Hide the app from the catalog. Installed accounts keep it. Idempotent."""
    _require_not_deleting(app)
    App.objects.filter(pk=app.pk).update(is_listed=False, updated_at=timezone.now())
    app.refresh_from_db()
    return app


@transaction.atomic
def app_delete(*, app: App, by: By | None = None) -> App:
    """Start deleting an app: at once it is unlisted, cannot be installed, its install
    links are revoked and its OAuth client is suspended so every token is refused.

    The first call also queues the app-deletion job (``lifecycle.app_delete``), which
    removes the app from every account that installed it, one at a time, and then the
    app itself. Idempotent: deleting an app being deleted changes nothing and queues
    nothing.
    """
    now = timezone.now()
    started = (
        App.objects.filter(pk=app.pk)
        .exclude(status=AppStatus.DELETING)
        .update(status=AppStatus.DELETING, is_listed=False, deleting_at=now, updated_at=now)
    )
    _set_suspended(app, True)
    InstallLink.objects.filter(version__app=app, revoked_at__isnull=True).update(revoked_at=now)
    app.refresh_from_db()
    if started:
        job_create(
            kind=APP_DELETE,
            payload={"app_id": app.pk},
            target=app.name,
            account=app.account,
            created_by=by.user if by else None,
        )
    return app


@transaction.atomic
def app_credentials_rotate(*, app: App) -> str:
    """Give the app a new client secret and return it (once). The old secret stops working
    at once; the client id stays."""
    _require_not_deleting(app)
    application = (
        type(app.oauth_application).objects.select_for_update().get(pk=app.oauth_application_id)
    )
    raw = _new_secret()
    application.client_secret = raw
    application.save(update_fields=["client_secret", "updated"])
    App.objects.filter(pk=app.pk).update(
        credentials_rotated_at=timezone.now(), updated_at=timezone.now()
    )
    app.refresh_from_db()
    return raw


# --- versions --------------------------------------------------------------------------------


class ManifestInvalid(ValidationFailed):
    """The manifest has problems; ``extra["errors"]``/``["warnings"]`` list them by path."""

    def __init__(self, check: ManifestCheck) -> None:
        fields: dict[str, list[str]] = {}
        for problem in check.errors:
            fields.setdefault(problem.path, []).append(problem.message)
        count = len(check.errors)
        super().__init__(
            f"The manifest has {count} problem{'s' if count != 1 else ''}; see errors.",
            code="invalid_manifest",
            fields=fields,
            extra={
                "errors": [p.as_dict() for p in check.errors],
                "warnings": [p.as_dict() for p in check.warnings],
            },
        )
        self.check = check


NUL_REFUSED = "Remove the NUL character (\\u0000) from this text."


def _nul_paths(value: Any, path: str = "$") -> list[str]:
    """The JSON paths of the strings holding a NUL character (PostgreSQL stores none)."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        found = [path] if any("\x00" in str(key) for key in value) else []
        return found + [p for k, v in value.items() for p in _nul_paths(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, f"{path}[{i}]")]
    return []


def _read_manifest(raw: bytes | str, fmt: Format | None) -> tuple[ManifestCheck, str, str]:
    check = manifest_validate_text(raw, fmt=fmt)
    if not check.valid or check.manifest is None:
        raise ManifestInvalid(check)
    nul = _nul_paths(check.manifest.data)
    if nul:
        problems = tuple(
            Problem(path=path, code=ManifestError.INVALID_VALUE, message=NUL_REFUSED)
            for path in nul
        )
        raise ManifestInvalid(ManifestCheck(errors=problems))
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    detected = fmt or ("json" if text.lstrip().startswith(("{", "[")) else "yaml")
    return check, text, str(detected)


def _clean_changelog(changelog: str) -> str:
    changelog = (changelog or "").strip()
    if "\x00" in changelog:
        raise ValidationFailed(
            "The changelog holds a NUL character.", fields={"changelog": [NUL_REFUSED]}
        )
    if len(changelog) > 10_000:
        raise ValidationFailed(
            "The changelog is too long.", fields={"changelog": ["Use at most 10,000 characters."]}
        )
    return changelog


def _number_taken(number: str) -> ValidationFailed:
    return ValidationFailed(
        f"This app already has a version {number}.",
        code="invalid_manifest",
        fields={"$.version": [f"Version {number} exists: raise the version number."]},
    )


@transaction.atomic
def version_create(
    *, app: App, raw: bytes | str, fmt: Format | None = None, changelog: str = "", by: By
) -> AppVersion:
    """Create a draft version from a manifest (JSON or YAML).

    The number is the manifest's ``version``; it must be higher than every version the
    app has. Raises ``ManifestInvalid`` with every problem by path, or
    ``ValidationFailed`` naming ``$.version`` or ``changelog``. Nothing is written then.
    """
    _require_not_deleting(app)
    check, text, detected = _read_manifest(raw, fmt)
    changelog = _clean_changelog(changelog)
    assert check.manifest is not None
    number = check.manifest.version
    existing = list(app.versions.values_list("number", flat=True))
    if number in existing:
        raise _number_taken(number)
    highest = max(existing, key=semver_key, default=None)
    if highest is not None and semver_key(number) <= semver_key(highest):
        raise ValidationFailed(
            f"Version {number} is not higher than {highest}, the app's highest version.",
            code="invalid_manifest",
            fields={"$.version": [f"Use a version number higher than {highest}."]},
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            version = AppVersion.objects.create(
                app=app,
                number=number,
                manifest=check.manifest.data,
                manifest_source=text,
                manifest_format=detected,
                effective_scopes=list(check.effective_scopes),
                changelog=changelog,
                created_by=by.user,
                status=VersionStatus.DRAFT,
                status_changed_at=now,
            )
    except IntegrityError as exc:
        raise _number_taken(number) from exc
    VersionEvent.objects.create(
        version=version,
        actor=by.user,
        actor_label=by.label,
        to_status=VersionStatus.DRAFT,
        reason="Created.",
    )
    return version


def _check_number_in_order(version: AppVersion, number: str) -> None:
    """A changed number stays unique and keeps the versions in order: above every version
    created before this one and below every version created after it."""
    others = list(
        AppVersion.objects.filter(app_id=version.app_id)
        .exclude(pk=version.pk)
        .values_list("number", "pk")
    )
    if number in {n for n, _ in others}:
        raise _number_taken(number)
    earlier = [n for n, pk in others if pk < version.pk]
    later = [n for n, pk in others if pk > version.pk]
    highest = max(earlier, key=semver_key, default=None)
    lowest = min(later, key=semver_key, default=None)
    if highest is not None and semver_key(number) <= semver_key(highest):
        raise ValidationFailed(
            f"Version {number} is not higher than {highest}, an earlier version of the app.",
            code="invalid_manifest",
            fields={"$.version": [f"Use a version number higher than {highest}."]},
        )
    if lowest is not None and semver_key(number) >= semver_key(lowest):
        raise ValidationFailed(
            f"Version {number} is not lower than {lowest}, a later version of the app.",
            code="invalid_manifest",
            fields={"$.version": [f"Use a version number lower than {lowest}."]},
        )


@transaction.atomic
def version_update(
    *,
    version: AppVersion,
    raw: bytes | str | None = None,
    fmt: Format | None = None,
    changelog: str | None = None,
    by: By,
) -> AppVersion:
    """Change a version's manifest and/or changelog while it is a draft or rejected.

    Editing a rejected version moves it back to draft (recorded in its history). Raises
    ``Conflict`` when the version is not editable, ``ManifestInvalid`` or
    ``ValidationFailed`` on bad input; nothing is written then.
    """
    app = version.app
    _require_not_deleting(app)
    current = AppVersion.objects.select_for_update().get(pk=version.pk)
    if not version_is_editable(current.status):
        raise Conflict(
            f"Version {current.number} is {current.get_status_display().lower()}: only drafts "
            "and rejected versions can be edited. Create a new version instead.",
            code="version_not_editable",
        )
    changes: dict[str, Any] = {}
    if raw is not None:
        check, text, detected = _read_manifest(raw, fmt)
        assert check.manifest is not None
        number = check.manifest.version
        if number != current.number:
            _check_number_in_order(current, number)
        changes.update(
            number=number,
            manifest=check.manifest.data,
            manifest_source=text,
            manifest_format=detected,
            effective_scopes=list(check.effective_scopes),
        )
    if changelog is not None:
        changes["changelog"] = _clean_changelog(changelog)
    if current.status == VersionStatus.REJECTED:
        version_transition(
            version=current,
            target=VersionStatus.DRAFT,
            actor=Actor.DEVELOPER,
            by=by,
            reason="Edited after rejection.",
        )
    if changes:
        try:
            with transaction.atomic():
                AppVersion.objects.filter(pk=current.pk).update(
                    **changes, updated_at=timezone.now()
                )
        except IntegrityError as exc:
            raise _number_taken(changes["number"]) from exc
    version.refresh_from_db()
    return version


@transaction.atomic
def version_transition(
    *, version: AppVersion, target: str, actor: Actor, by: By, reason: str = ""
) -> AppVersion:
    """The one write path of a version's status.

    Checks the transition table for the app's type and ``actor``, requires a reason where
    the table says so, then moves the status with a compare-and-set update on the status
    the caller saw: when someone else moved the version first, raises ``Conflict`` and
    writes nothing. Records who, when, from, to and why. Raises ``ValidationFailed`` for a
    refused transition or a missing reason.
    """
    app = version.app
    _require_not_deleting(app)
    current = version.status
    if not version_can_transition(app_type=app.type, current=current, target=target, actor=actor):
        raise Conflict(
            transition_refusal(app_type=app.type, current=current, target=target, actor=actor),
            code="illegal_transition",
        )
    reason = (reason or "").strip()
    if (current, target) in REASON_REQUIRED and not reason:
        raise ValidationFailed(
            "Say why, so the developer knows what to fix.",
            fields={"reason": ["This field is required."]},
        )
    now = timezone.now()
    fields: dict[str, Any] = {"status": target, "status_changed_at": now, "updated_at": now}
    if target == VersionStatus.SUBMITTED and current == VersionStatus.DRAFT:
        fields["submitted_at"] = now
    if target == VersionStatus.PUBLISHED:
        fields["published_at"] = now
    if target == VersionStatus.REJECTED:
        fields["rejection_reason"] = reason
    if target == VersionStatus.APPROVED:
        fields["rejection_reason"] = ""
    # The app's row is locked (``_require_not_deleting``), so no delete commits from here
    # on; the version's status is the compare-and-set, on its own columns so PostgreSQL
    # re-checks it against a concurrent move.
    moved = AppVersion.objects.filter(pk=version.pk, status=current).update(**fields)
    if not moved:
        fresh = AppVersion.objects.filter(pk=version.pk).values_list("status", flat=True).first()
        label = VersionStatus(fresh).label.lower() if fresh else "deleted"
        raise Conflict(
            f"Someone changed version {version.number} first: it is now {label}. Reload the "
            "page to see its current state.",
            extra={"status": fresh},
        )
    VersionEvent.objects.create(
        version=version,
        actor=by.user,
        actor_label=by.label,
        from_status=current,
        to_status=target,
        reason=reason,
    )
    for name, value in fields.items():
        setattr(version, name, value)
    if target == VersionStatus.PUBLISHED:
        _queue_rollout(version, by)
    return version


def _queue_rollout(version: AppVersion, by: By) -> None:
    """Queue the rollout of a newly published version (``lifecycle.version_rollout``)
    when some installation of the app is on another version: it updates those whose
    grant covers the new scopes and asks the others' admins for approval."""
    if not version.app.installations.exclude(version=version).exists():
        return
    job_create(
        kind=VERSION_ROLLOUT,
        payload={"version_id": version.pk},
        target=f"{version.app.name} {version.number}",
        account=version.app.account,
        created_by=by.user,
    )


def version_submit(*, version: AppVersion, by: By) -> AppVersion:
    """Send a draft of a public app to the moderation queue."""
    return version_transition(
        version=version, target=VersionStatus.SUBMITTED, actor=Actor.DEVELOPER, by=by
    )


def version_withdraw(*, version: AppVersion, by: By) -> AppVersion:
    """Take a submitted version (not yet claimed by a moderator) back to draft.

    A rejected version is not withdrawn: it becomes a draft by being edited (the table's
    rejected → draft move belongs to ``version_update``). Raises ``Conflict``."""
    if version.status == VersionStatus.REJECTED:
        raise Conflict(
            f"Version {version.number} was rejected, not submitted: there is nothing to "
            "withdraw. Edit it to make it a draft again.",
            code="illegal_transition",
        )
    return version_transition(
        version=version,
        target=VersionStatus.DRAFT,
        actor=Actor.DEVELOPER,
        by=by,
        reason="Withdrawn by the developer.",
    )


def version_publish(*, version: AppVersion, by: By) -> AppVersion:
    """Publish: a private app's draft or hidden version, a public app's approved or hidden
    one."""
    return version_transition(
        version=version, target=VersionStatus.PUBLISHED, actor=Actor.DEVELOPER, by=by
    )


def version_hide(*, version: AppVersion, by: By) -> AppVersion:
    """Hide a published version: it can no longer be installed from the catalog."""
    return version_transition(
        version=version, target=VersionStatus.HIDDEN, actor=Actor.DEVELOPER, by=by
    )


# --- install links ---------------------------------------------------------------------------


class LinkGone(ApplicationError):
    """An install link that existed but cannot be used any more (revoked or expired)."""

    status_code = 410
    default_code = "link_unusable"


@transaction.atomic
def install_link_create(
    *, version: AppVersion, label: str = "", expires_in_days: int | None = None, by: By
) -> tuple[InstallLink, str]:
    """Create a link that lets an admin of another account install this exact version.

    Returns the link and its raw token (shown once; only a keyed hash is stored). Raises
    ``ValidationFailed`` naming ``expires_in_days`` or ``label``, or ``Conflict`` when the
    version is rejected or the app is not active.
    """
    app = version.app
    _require_not_deleting(app)
    blocker = version_install_blocker(app_status=app.status, version_status=version.status)
    if blocker == "app_inactive":
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
        created_by=by.user,
    )
    return link, raw


def install_link_revoke(*, link: InstallLink, by: By) -> InstallLink:
    """Revoke a link: it stops working at once. Idempotent (conditional update)."""
    InstallLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by.user, updated_at=timezone.now()
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
    if blocker == "app_inactive":
        raise LinkGone(f"The app “{app.name}” cannot be installed at the moment.")
    if blocker:
        raise LinkGone(f"Version {link.version.number} of “{app.name}” can no longer be installed.")
    return link
