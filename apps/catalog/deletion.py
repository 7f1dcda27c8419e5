"""What of the catalog's tables goes when an app goes (see ``apps/core/deletion.py``).

The listing files (logo, banners) leave storage with their ``listing/<code>`` folder
before any row; install links, versions with their history, banners and the app row
then go together, in the transaction that deletes the app (an app's versions are few).
"""

from __future__ import annotations

from django.db.models import Q

from apps.catalog.models import App, AppBanner, AppStatus, AppVersion, InstallLink, VersionEvent
from apps.core.deletion import (
    Declaration,
    Owner,
    Rows,
    Step,
    storage_files_remove,
    storage_folder_remove,
)


def listing_files_remove(app: Owner) -> int:
    """The app's logo and banner images and their emptied ``listing/<code>`` folder;
    returns how many files were removed."""
    banners = AppBanner.objects.filter(app_id=app["id"]).values_list("image", flat=True)
    removed = storage_files_remove([app["logo"], *banners])
    storage_folder_remove(f"listing/{app['code']}")
    return removed


DELETION: tuple[Declaration, ...] = (
    Step(
        owner=App,
        name="files",
        label="listing files (logo and banners)",
        storage=listing_files_remove,
        needs=("logo", "code"),
    ),
    Step(
        owner=App,
        name="install_links",
        label="install links",
        rows=(Rows(InstallLink, "version__app_id"),),
        with_owner=True,
    ),
    Step(
        owner=App,
        name="versions",
        label="versions, with their history and reviews",
        rows=(Rows(VersionEvent, "version__app_id"), Rows(AppVersion, "app_id")),
        with_owner=True,
    ),
    Step(
        owner=App,
        name="app",
        label="the app and its listing",
        rows=(Rows(AppBanner, "app_id"), Rows(App, "id", where=Q(status=AppStatus.DELETING))),
        with_owner=True,
    ),
)
