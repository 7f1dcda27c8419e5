"""Apps: create, rename, listing text, state, deletion and credentials.

App state changes are conditional updates; an app being deleted refuses every change."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.accounts.models import Account
from apps.catalog.models import (
    App,
    AppStatus,
    AppType,
    InstallLink,
)
from apps.catalog.policies import (
    LISTING_FIELDS,
    app_listing_problems,
)
from apps.catalog.selectors import app_listing_state
from apps.catalog.services.common import _require_not_deleting
from apps.catalog.services.oauth_client import (
    oauth_client_create,
    oauth_client_rename,
    oauth_client_rotate_secret,
    oauth_client_suspend,
)
from apps.core.errors import ValidationFailed
from apps.jobs.kinds import APP_DELETE
from apps.jobs.services import job_create


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Give the app a name.", fields={"name": ["This field is required."]})
    if len(name) > 100:
        raise ValidationFailed(
            "The name is too long.", fields={"name": ["Use at most 100 characters."]}
        )
    return name


@transaction.atomic
def app_create(*, account: Account, name: str, type: str, actor: Actor) -> tuple[App, str]:
    """Create an app with its OAuth client; return the app and the raw client secret.

    The secret is returned once and stored only as a keyed hash. Raises
    ``ValidationFailed`` naming ``name`` or ``type``.
    """
    name = _clean_name(name)
    if type not in AppType.values:
        raise ValidationFailed(
            "Choose private or public.", fields={"type": ["Choose 'private' or 'public'."]}
        )
    application, raw_secret = oauth_client_create(name=name)
    app = App(
        account=account, name=name, type=type, oauth_application=application, created_by=actor.user
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
    oauth_client_rename(app=app, name=name)
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


@transaction.atomic
def app_deactivate(*, app: App) -> App:
    """Deactivate: the app cannot be installed, is not embedded, and its OAuth client is
    suspended so every token of it is refused from the next request. Idempotent."""
    _require_not_deleting(app)
    App.objects.filter(pk=app.pk, status=AppStatus.ACTIVE).update(
        status=AppStatus.INACTIVE, updated_at=timezone.now()
    )
    oauth_client_suspend(app=app, suspended=True)
    app.refresh_from_db()
    return app


@transaction.atomic
def app_activate(*, app: App) -> App:
    """Activate an inactive app: installs, embedding and tokens work again. Idempotent."""
    _require_not_deleting(app)
    App.objects.filter(pk=app.pk, status=AppStatus.INACTIVE).update(
        status=AppStatus.ACTIVE, updated_at=timezone.now()
    )
    oauth_client_suspend(app=app, suspended=False)
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
def app_delete(*, app: App, actor: Actor | None = None) -> App:
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
    oauth_client_suspend(app=app, suspended=True)
    InstallLink.objects.filter(version__app=app, revoked_at__isnull=True).update(revoked_at=now)
    app.refresh_from_db()
    if started:
        job_create(
            kind=APP_DELETE,
            payload={"app_id": app.pk},
            target=app.name,
            account=app.account,
            created_by=actor.user if actor else None,
        )
    return app


@transaction.atomic
def app_credentials_rotate(*, app: App) -> str:
    """Give the app a new client secret and return it (once). The old secret stops working
    at once; the client id stays."""
    _require_not_deleting(app)
    raw = oauth_client_rotate_secret(app=app)
    App.objects.filter(pk=app.pk).update(
        credentials_rotated_at=timezone.now(), updated_at=timezone.now()
    )
    app.refresh_from_db()
    return raw
