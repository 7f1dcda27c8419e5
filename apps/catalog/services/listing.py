"""Listing files: the logo and the banners. Files leave storage after the transaction
that removes their rows commits."""

from __future__ import annotations

from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.catalog.images import BANNER, LOGO, MAX_BANNERS, image_check
from apps.catalog.models import (
    App,
    AppBanner,
)
from apps.catalog.services.common import _require_not_deleting
from apps.core.errors import NotFound, ValidationFailed


def _stored_logo(app: App) -> str:
    """The logo file name as stored now (read under the app's lock), not as the caller
    loaded it: two replacements in a row each remove the file the other stored."""
    return App.objects.filter(pk=app.pk).values_list("logo", flat=True).get() or ""


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
