"""``GET /api/v1/connection``: the app's backend reads its installation's connection.

Only with an app token of the installation **and** the app's own client credentials
(``X-Client-Id`` and ``X-Client-Secret``): the answer carries the sensitive parameters
and the outside access token, which belong in the app's backend, never in a browser (a
token the JS SDK holds, or one leaked from a page, is not enough on its own).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.app_api import AppApi
from apps.api.client_proof import token_client_proven
from apps.catalog.manifests.connection import CONNECTION_TYPES
from apps.connections.authorization import connection_access_token
from apps.connections.errors import ConnectionsError
from apps.connections.models import OAuthConnection
from apps.connections.selectors import (
    connection_of,
    connection_setup_missing,
    connection_test_of,
    connection_values_for_backend,
    oauth_connection_of,
)
from apps.core.errors import ApplicationError
from apps.installations.models import Installation
from apps.oauth.policies import AppToken


class ClientCredentialsRequired(ApplicationError):
    status_code = 401
    default_code = ConnectionsError.CLIENT_CREDENTIALS_REQUIRED


class AppClientCredentials(permissions.BasePermission):
    """An app token of an installation, sent with the app's client id and secret."""

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, AppToken) or token.installation is None:
            return False
        if not token_client_proven(request, token):
            raise ClientCredentialsRequired(
                "Send the app's client id and secret in X-Client-Id and X-Client-Secret with "
                "the access token: the connection is for the app's backend only."
            )
        return True


CONNECTION_STATES = ("ready", "needs_setup", "connected", "not_connected", "needs_reconnect")


class _TestOutput(serializers.Serializer[Any]):
    passed = serializers.BooleanField()
    status = serializers.IntegerField(allow_null=True)
    latency_ms = serializers.IntegerField(allow_null=True)
    failure = serializers.CharField()
    tested_at = serializers.DateTimeField()


class ConnectionOutput(serializers.Serializer[Any]):
    type = serializers.CharField(help_text="One of: " + ", ".join(CONNECTION_TYPES) + ".")
    state = serializers.CharField(help_text="One of: " + ", ".join(CONNECTION_STATES) + ".")
    parameters = serializers.DictField(child=serializers.JSONField())
    missing = serializers.ListField(child=serializers.CharField())
    test = _TestOutput(allow_null=True)
    access_token = serializers.CharField(allow_null=True, required=False)
    token_type = serializers.CharField(allow_null=True, required=False)
    expires_at = serializers.DateTimeField(allow_null=True, required=False)
    scope = serializers.CharField(allow_null=True, required=False)
    problem = serializers.CharField(required=False)


class ConnectionApi(AppApi):
    permission_classes = [AppClientCredentials]

    @extend_schema(
        operation_id="connection_read",
        summary="The installation's connection, for the app's backend",
        responses={200: ConnectionOutput},
    )
    def get(self, request: Request) -> Response:
        token = request.auth
        assert isinstance(token, AppToken) and token.installation is not None
        installation = Installation.objects.select_related("app", "version").get(
            pk=token.installation.pk
        )
        connection = connection_of(installation)
        body: dict[str, Any] = {
            "type": connection.type,
            "parameters": connection_values_for_backend(installation=installation),
            "missing": list(connection_setup_missing(installation=installation)),
            "test": _test(installation),
        }
        if connection.type == "oauth2":
            body.update(_oauth(installation))
        else:
            body["state"] = "needs_setup" if body["missing"] else "ready"
        return Response(body, headers={"Cache-Control": "no-store"})


def _test(installation: Installation) -> dict[str, Any] | None:
    result = connection_test_of(installation=installation)
    if result is None:
        return None
    return {
        "passed": result.passed,
        "status": result.status_code,
        "latency_ms": result.latency_ms,
        "failure": result.failure,
        "tested_at": result.tested_at,
    }


def _oauth(installation: Installation) -> dict[str, Any]:
    row = oauth_connection_of(installation=installation)
    empty = {"access_token": None, "token_type": None, "expires_at": None, "scope": None}
    if row is None:
        return {"state": "not_connected", **empty}
    try:
        token, row = connection_access_token(installation=installation)
    except ApplicationError:
        row = oauth_connection_of(installation=installation) or row
        state = (
            "needs_reconnect"
            if row.status == OAuthConnection.Status.NEEDS_RECONNECT
            else ("not_connected")
        )
        return {"state": state, "problem": row.problem, **empty}
    return {
        "state": "connected",
        "access_token": token,
        "token_type": row.token_type or "Bearer",
        "expires_at": row.expires_at,
        "scope": row.scope,
    }
