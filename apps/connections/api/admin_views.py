"""An installation's connection, for automation: what the Connection page shows and does.

Who may call: an admin of the acting account (session; ``X-Account`` picks the account)
or an API key of the account. Members without admin get 403; an installation of another
account is 404 (``installation_get_for``). Sensitive parameter values are write-only:
answers show them masked. Tokens never leave the platform here (the app's own backend
reads its token with ``GET /api/v1/connection``).

Connect is a browser step: the outside service sends the admin back with a ``state``
that must belong to the browser session that started it. ``POST .../connect`` therefore
answers a one-time console link (``apps.connections.links``) for the admin to open.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.connections.api import serializers as out
from apps.connections.authorization import (
    connection_disconnect,
    connection_refresh_now,
    connection_version_check,
)
from apps.connections.errors import ConnectionsError
from apps.connections.links import connection_connect_link
from apps.connections.models import ConnectionTestResult
from apps.connections.selectors import connection_shown
from apps.connections.services import connection_parameters_save
from apps.connections.testing import connection_test_after, connection_test_run
from apps.core.errors import Conflict, ValidationFailed
from apps.installations.api.common import admin_installation
from apps.installations.models import Installation

TAGS = ["connections"]

STATE_EXAMPLE = {
    "installation": 12,
    "type": "oauth2",
    "state": "connected",
    "parameters": [
        {
            "key": "workspace",
            "label": "Workspace",
            "type": "string",
            "sensitive": False,
            "required": True,
            "help": "",
            "options": [],
            "value": "acme",
            "is_set": True,
            "masked": "",
        }
    ],
    "missing": [],
    "client_ready": True,
    "authorization": {
        "status": "connected",
        "connected_at": "2026-05-02T09:14:03Z",
        "connected_by": "admin@acme.test",
        "expires_at": "2026-05-02T10:14:03Z",
        "refreshed_at": None,
        "scope": "profile notes:read",
        "problem": "",
    },
    "test_declared": True,
    "test": {
        "passed": True,
        "status": 200,
        "latency_ms": 84,
        "failure": "",
        "message": "",
        "excerpt": '{"user": "demo"}',
        "trigger": "connected",
        "tested_at": "2026-05-02T09:14:04Z",
        "tested_by": None,
    },
}
NOT_FOUND_CODES = "404 `no_connection` when the installed version declares none."


def state_body(installation: Installation) -> dict[str, Any]:
    """The connection as its admins see it, read again (after any write)."""
    connection_version_check(installation=installation)
    shown = connection_shown(installation=installation)
    row = shown.authorization
    return {
        "installation": installation.pk,
        "type": shown.type,
        "state": shown.state,
        "parameters": [
            {
                "key": field.setting.key,
                "label": field.setting.label,
                "type": field.setting.type,
                "sensitive": field.setting.type == "secret",
                "required": field.setting.required,
                "help": field.setting.help,
                "options": [{"value": o.value, "label": o.label} for o in field.setting.options],
                "value": field.value,
                "is_set": field.is_set,
                "masked": field.masked,
            }
            for field in shown.fields
        ],
        "missing": list(shown.missing),
        "client_ready": shown.client_ready,
        "authorization": None
        if row is None
        else {
            "status": row.status,
            "connected_at": row.connected_at,
            "connected_by": row.connected_by.email if row.connected_by else None,
            "expires_at": row.expires_at,
            "refreshed_at": row.refreshed_at,
            "scope": row.scope,
            "problem": row.problem,
        },
        "test_declared": shown.test_declared,
        "test": shown.test,
    }


def _state(installation: Installation) -> Response:
    return Response(out.ConnectionStateOutput(state_body(installation)).data)


def _parameters_input(data: Any) -> tuple[dict[str, Any], list[str]]:
    """``(values, clear)`` from the body, each malformed part refused under its name."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            'Send a JSON object: {"values": {...}}.',
            fields={"non_field_errors": ['Send a JSON object: {"values": {...}}.']},
        )
    unknown = sorted(set(data) - {"values", "clear"})
    if unknown:
        raise ValidationFailed(
            "Unknown fields: " + ", ".join(unknown) + ".",
            fields={name: ["Unknown field; send values and clear."] for name in unknown},
        )
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise ValidationFailed(
            "values must map parameter keys to values.",
            fields={"values": ['Send an object, e.g. {"workspace": "acme"}.']},
        )
    clear = data.get("clear", [])
    if not isinstance(clear, list) or not all(isinstance(key, str) for key in clear):
        raise ValidationFailed(
            "clear must list sensitive parameter keys.",
            fields={"clear": ["Send a list of keys."]},
        )
    return values, clear


class InstallationConnectionApi(APIView):
    @extend_schema(
        operation_id="installations_connection_retrieve",
        summary="The installation's connection",
        description="Its parameters (sensitive values masked, never sent back), which "
        "required ones are missing, the authorization's state at the outside service (no "
        "token) and the last connection test. A version without a connection answers "
        "`type: none`.",
        responses=out.ConnectionStateOutput,
        examples=[OpenApiExample("Connected", value=STATE_EXAMPLE, response_only=True)],
        tags=TAGS,
    )
    def get(self, request: Request, installation_id: int) -> Response:
        _actor, installation = admin_installation(request, installation_id)
        return _state(installation)

    @extend_schema(
        operation_id="installations_connection_parameters_update",
        summary="Set the connection's parameters",
        description="As the Connection page's form: keys left out keep their value; an empty "
        "sensitive value keeps the stored one; `clear` removes stored sensitive values; a "
        "required parameter must end with a value. Every problem is answered at once, 400 "
        "`invalid` with the messages under `fields` by parameter key, and nothing is saved. "
        "When something changed, the history records the keys (never the values) and the "
        "declared test runs (its outcome in `test`). " + NOT_FOUND_CODES,
        request=out.ParametersInput,
        responses={
            200: out.ConnectionStateOutput,
            400: OpenApiResponse(description="`invalid`, by parameter key; nothing saved."),
        },
        examples=[OpenApiExample("Workspace and key", value={"values": {"workspace": "acme"}})],
        tags=TAGS,
    )
    def patch(self, request: Request, installation_id: int) -> Response:
        actor, installation = admin_installation(request, installation_id)
        values, clear = _parameters_input(request.data)
        changed = connection_parameters_save(
            installation=installation, values=values, clear=clear, actor=actor
        )
        if changed:
            connection_test_after(
                installation=installation, trigger=ConnectionTestResult.Trigger.SAVED
            )
        return _state(installation)


class InstallationConnectApi(APIView):
    @extend_schema(
        operation_id="installations_connection_connect",
        summary="Start Connect: a one-time link for the admin's browser",
        description="Authorizing at the outside service is a browser step, bound to the "
        "browser session that starts it, so this call does not start it: it answers a "
        "console link, valid 10 minutes and once, to send an admin of the account to "
        "(when a person calls, only that person may use it; an API key's link serves any "
        "admin of the account). Opened while signed in, it goes straight to the outside "
        "service's consent page, as the Connect button does; the admin comes back to the "
        "Connection page. Nothing is written until then. 409 `client_missing` when the "
        "app's developer has not set its outside client, `parameters_missing` when a "
        "required parameter has no value. " + NOT_FOUND_CODES,
        request=None,
        responses=out.ConnectLinkOutput,
        tags=TAGS,
    )
    def post(self, request: Request, installation_id: int) -> Response:
        actor, installation = admin_installation(request, installation_id)
        link = connection_connect_link(installation=installation, actor=actor)
        url = request.build_absolute_uri(
            reverse("console:connection-link", kwargs={"token": link.token})
        )
        return Response(out.ConnectLinkOutput({"url": url, "expires_at": link.expires_at}).data)


class InstallationConnectionTestApi(APIView):
    @extend_schema(
        operation_id="installations_connection_test",
        summary="Run the connection test now",
        description="Sends the declared request with the stored credentials (the access "
        "token refreshed first when due) and keeps the outcome; a failed test is an "
        "answer too (`passed: false` with its `message`). " + NOT_FOUND_CODES,
        request=None,
        responses=out.TestResultOutput,
        tags=TAGS,
    )
    def post(self, request: Request, installation_id: int) -> Response:
        actor, installation = admin_installation(request, installation_id)
        result = connection_test_run(installation=installation, actor=actor)
        return Response(out.TestResultOutput(result).data)


class InstallationConnectionRefreshApi(APIView):
    @extend_schema(
        operation_id="installations_connection_refresh",
        summary="Refresh the tokens now",
        description="New tokens from the outside service at once, whatever their expiry. "
        "409 `not_connected` when there is no working authorization (nothing written). "
        "409 `refresh_failed` when the outside service refuses or fails: the failure is "
        "kept on the connection and in the history, and a refused authorization turns "
        "into `needs_reconnect`. " + NOT_FOUND_CODES,
        request=None,
        responses=out.ConnectionStateOutput,
        tags=TAGS,
    )
    def post(self, request: Request, installation_id: int) -> Response:
        actor, installation = admin_installation(request, installation_id)
        outcome = connection_refresh_now(installation=installation, actor=actor)
        if not outcome.refreshed:
            raise Conflict(
                "Refreshing the tokens failed: " + outcome.problem,
                code=ConnectionsError.REFRESH_FAILED,
            )
        return _state(installation)


class InstallationDisconnectApi(APIView):
    @extend_schema(
        operation_id="installations_connection_disconnect",
        summary="Disconnect from the outside service",
        description="Revokes the tokens at the outside service they were issued by (its "
        "revocation URL, best effort: `revoked` says whether it confirmed) and removes "
        "them; the parameters stay. 409 `not_connected` when nothing is connected. "
        + NOT_FOUND_CODES,
        request=None,
        responses=out.DisconnectOutput,
        tags=TAGS,
    )
    def post(self, request: Request, installation_id: int) -> Response:
        actor, installation = admin_installation(request, installation_id)
        revoked = connection_disconnect(installation=installation, actor=actor)
        body = {**state_body(installation), "revoked": revoked}
        return Response(out.DisconnectOutput(body).data)
