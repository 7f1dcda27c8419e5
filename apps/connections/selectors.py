"""Reads of connections: the installed version's connection and its stored parameters,
as a form shows them (sensitive values masked, never decrypted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from apps.catalog.manifests.connection import Connection
from apps.catalog.models import App
from apps.catalog.selectors import version_manifest
from apps.connections.models import (
    ConnectionTestResult,
    ConnectionValue,
    OAuthConnection,
    OutsideClient,
)
from apps.connections.policies import parameters_as_settings, parameters_missing
from apps.core.crypto import decrypt
from apps.installations.models import Installation
from apps.installations.policies import secret_masked
from apps.installations.selectors import SettingField


def connection_of(installation: Installation) -> Connection:
    """The connection the installed version declares (``type`` ``none`` when it has
    none)."""
    return version_manifest(installation.version).connection


def connection_parameter_fields(*, installation: Installation) -> list[SettingField]:
    """The declared parameters with their stored values, for a form: a sensitive value
    only as ``masked`` and ``is_set``."""
    stored = {v.key: v for v in ConnectionValue.objects.filter(installation=installation)}
    fields = []
    for setting in parameters_as_settings(connection_of(installation)):
        row = stored.get(setting.key)
        secret = setting.type == "secret"
        fields.append(
            SettingField(
                setting=setting,
                value=None if secret or row is None else row.value,
                is_set=row is not None and (bool(row.secret) if secret else row.value is not None),
                masked=secret_masked(row.secret_hint) if secret and row and row.secret else "",
                file_name="",
                file_size=None,
                file_url="",
            )
        )
    return fields


def connection_setup_missing(*, installation: Installation) -> tuple[str, ...]:
    """The labels of required parameters the admin has not given yet."""
    keys = ConnectionValue.objects.filter(installation=installation).values_list("key", flat=True)
    return parameters_missing(connection_of(installation), set_keys=keys)


@dataclass(frozen=True)
class OutsideClientShown:
    """What a page shows of an app's outside client: never its secret."""

    client_id: str
    masked_secret: str
    updated_at: datetime


def outside_client_shown(*, app: App) -> OutsideClientShown | None:
    row = OutsideClient.objects.filter(app=app).first()
    if row is None:
        return None
    return OutsideClientShown(
        client_id=row.client_id,
        masked_secret=secret_masked(row.secret_hint),
        updated_at=row.updated_at,
    )


def oauth_connection_of(*, installation: Installation) -> OAuthConnection | None:
    return OAuthConnection.objects.filter(installation=installation).first()


def connection_test_of(*, installation: Installation) -> ConnectionTestResult | None:
    return ConnectionTestResult.objects.filter(installation=installation).first()


def connection_test_results_for_app(*, app: App) -> list[ConnectionTestResult]:
    """The last test result of every installation of ``app``, newest first, for its
    developers: the page shows the outcome, status and latency, never the answer."""
    return list(connection_test_list_for_app(app=app)[:200])


def connection_values_for_backend(*, installation: Installation) -> dict[str, Any]:
    """Every parameter's value, sensitive ones decrypted: only for the app's own backend
    (``GET /api/v1/connection``), never for a page."""
    values: dict[str, Any] = {}
    for row in ConnectionValue.objects.filter(installation=installation):
        values[row.key] = decrypt(row.secret) if row.secret else row.value
    return values


@dataclass(frozen=True)
class ConnectionShown:
    """An installation's connection as its admins see it (the console's Connection page,
    the API): parameters masked, the authorization's state without its tokens."""

    type: str
    state: str
    fields: list[SettingField]
    missing: tuple[str, ...]
    client_ready: bool
    authorization: OAuthConnection | None
    test_declared: bool
    test: ConnectionTestResult | None


def connection_shown(*, installation: Installation) -> ConnectionShown:
    """What the admins see of ``installation``'s connection. ``state``: ``ready`` or
    ``needs_setup`` (generic), ``not_connected``, ``connected`` or ``needs_reconnect``
    (oauth2); ``none`` when the version connects to nothing."""
    connection = connection_of(installation)
    missing = connection_setup_missing(installation=installation)
    authorization = (
        OAuthConnection.objects.filter(installation=installation)
        .select_related("connected_by")
        .first()
    )
    if connection.type == "oauth2":
        state = authorization.status if authorization is not None else "not_connected"
    elif connection.type == "generic":
        state = "needs_setup" if missing else "ready"
    else:
        state = "none"
    return ConnectionShown(
        type=connection.type,
        state=state,
        fields=connection_parameter_fields(installation=installation),
        missing=missing,
        client_ready=OutsideClient.objects.filter(app_id=installation.app_id).exists(),
        authorization=authorization,
        test_declared=connection.test is not None,
        test=ConnectionTestResult.objects.filter(installation=installation)
        .select_related("tested_by")
        .first(),
    )


def connection_test_list_for_app(*, app: App) -> QuerySet[ConnectionTestResult]:
    """The last test result of every installation of ``app``, newest first, for its
    developers (who see outcomes, never answers)."""
    return (
        ConnectionTestResult.objects.filter(installation__app=app)
        .select_related("installation__account", "installation__version")
        .order_by("-tested_at", "-pk")
    )
