"""What of an installation's own tables goes when it goes, and its place in an app's
deletion (see ``apps/core/deletion.py``).

Setting files leave storage batch by batch before their rows, then their emptied
``settings/<uid>`` folder. The installation row goes last with its history, and only
once it is being uninstalled. When its app is deleted, each installation goes whole, by
this plan, before anything of the app.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db.models import Q

from apps.catalog.models import App
from apps.core.deletion import Children, Declaration, Owner, Rows, Step, storage_folder_remove
from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    InstallationStatus,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)


def setting_files_delete(ids: list[int]) -> None:
    """Remove from storage the files of these setting values (rows about to go)."""
    for name in (
        SettingValue.objects.filter(pk__in=ids).exclude(file="").values_list("file", flat=True)
    ):
        default_storage.delete(name)


def settings_folder_remove(installation: Owner) -> int:
    """The installation's emptied ``settings/<uid>`` folder; no file is counted."""
    storage_folder_remove(f"settings/{installation['uid']}")
    return 0


DELETION: tuple[Declaration, ...] = (
    Step(
        owner=Installation,
        name="authorizations",
        label="users' authorizations",
        rows=(Rows(UserAuthorization, "installation_id"),),
    ),
    Step(
        owner=Installation,
        name="files",
        label="setting files",
        rows=(
            Rows(
                SettingValue,
                "installation_id",
                where=~Q(file=""),
                before_delete=setting_files_delete,
            ),
        ),
        storage=settings_folder_remove,
        needs=("uid",),
    ),
    Step(
        owner=Installation,
        name="settings",
        label="app and user settings",
        rows=(Rows(SettingValue, "installation_id"),),
    ),
    Step(
        owner=Installation,
        name="webhooks",
        label="webhook subscriptions",
        rows=(Rows(WebhookSubscription, "installation_id"),),
    ),
    Step(
        owner=Installation,
        name="access",
        label="role and group access",
        rows=(Rows(InstallationAccess, "installation_id"),),
    ),
    Step(
        owner=Installation,
        name="installation",
        label="the installation and its history",
        rows=(
            Rows(InstallationEvent, "installation_id"),
            Rows(Installation, "id", where=Q(status=InstallationStatus.UNINSTALLING)),
        ),
        with_owner=True,
    ),
    Children(owner=App, model=Installation, lookup="app_id"),
)
