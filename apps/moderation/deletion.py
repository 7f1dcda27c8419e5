"""What of moderation's tables goes when an app goes (see ``apps/core/deletion.py``):
the reviews of its versions, with the versions they review."""

from __future__ import annotations

from apps.catalog.models import App
from apps.core.deletion import Declaration, Rows, StepRows
from apps.moderation.models import Review

DELETION: tuple[Declaration, ...] = (
    StepRows(owner=App, step="versions", rows=(Rows(Review, "version__app_id"),)),
)
