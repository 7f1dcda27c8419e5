"""What of the connections' tables goes when an installation goes (see
``apps/core/deletion.py``): its connection's tokens (revoked at the outside service
first, where the manifest declares a revocation URL) and parameter values, with its
settings (the installations context's ``settings`` step, ahead of the setting values);
and when an app goes, its client at the outside service, with the app row."""

from __future__ import annotations

from django.db.models import Q

from apps.catalog.models import App
from apps.connections.clients import oauth_connections_revoke
from apps.connections.models import (
    ConnectionTestResult,
    ConnectionValue,
    OAuthConnection,
    OutsideClient,
)
from apps.core.deletion import Declaration, Rows, StepRows
from apps.installations.models import Installation

DELETION: tuple[Declaration, ...] = (
    StepRows(
        owner=Installation,
        step="settings",
        rows=(
            # Connections holding tokens: revoked at the outside service first.
            Rows(
                OAuthConnection,
                "installation_id",
                where=~Q(refresh_token="") | ~Q(access_token=""),
                before_delete=oauth_connections_revoke,
            ),
            Rows(ConnectionTestResult, "installation_id"),
            Rows(OAuthConnection, "installation_id"),
            Rows(ConnectionValue, "installation_id"),
        ),
    ),
    # Connections whose tokens were issued under one of the app's versions: none are left
    # by then (each installation of the app went first, with its connection), but the
    # versions must not go from under one.
    StepRows(
        owner=App,
        step="versions",
        rows=(
            Rows(OAuthConnection, "issued_under__app_id", before_delete=oauth_connections_revoke),
        ),
    ),
    StepRows(owner=App, step="app", rows=(Rows(OutsideClient, "app_id"),)),
)
