"""The app lock every change to one app takes first."""

from __future__ import annotations

from apps.catalog.errors import CatalogError
from apps.catalog.models import (
    App,
    AppStatus,
)
from apps.core.errors import Conflict


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
            code=CatalogError.APP_DELETING,
        )
