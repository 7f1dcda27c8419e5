"""What of the connections' tables goes when an installation goes (see
``apps/core/deletion.py``): its connection's parameter values, with its settings (the
installations context's ``settings`` step, ahead of the setting values)."""

from __future__ import annotations

from apps.connections.models import ConnectionValue
from apps.core.deletion import Declaration, Rows, StepRows
from apps.installations.models import Installation

DELETION: tuple[Declaration, ...] = (
    StepRows(
        owner=Installation,
        step="settings",
        rows=(Rows(ConnectionValue, "installation_id"),),
    ),
)
