"""What of the webhooks' tables goes when an installation or an app goes (see
``apps/core/deletion.py``): an installation's deliveries and their attempts (pending or
logged) and its subscriptions' health go with its subscriptions, ahead of them in the
installations' ``webhooks`` step; an app's signing secrets go with the app row."""

from __future__ import annotations

from apps.catalog.models import App
from apps.core.deletion import Declaration, Pointer, Rows, StepRows
from apps.installations.models import Installation
from apps.webhooks.models import Attempt, Delivery, SigningSecret, SubscriptionHealth

DELETION: tuple[Declaration, ...] = (
    StepRows(
        owner=Installation,
        step="webhooks",
        rows=(
            Rows(SubscriptionHealth, "installation_id"),
            Rows(Attempt, "installation_id"),
            # Attempts went first; the pointer is cleared for rows that arrived meanwhile.
            Rows(Delivery, "installation_id", pointers=(Pointer(Attempt, "delivery"),)),
        ),
    ),
    StepRows(owner=App, step="app", rows=(Rows(SigningSecret, "app_id"),)),
)
