"""What the connections API answers and accepts: an installation's connection as its
admins see it (sensitive values masked, never sent back), a connection test's outcome,
and the app's client at the outside service as its developers see it (never the
secret)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.catalog.manifests.connection import CONNECTION_TYPES
from apps.connections.models import ConnectionTestResult

ADMIN_STATES = ("none", "ready", "needs_setup", "not_connected", "connected", "needs_reconnect")


class ParameterOutput(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField(help_text="`secret` for a sensitive parameter.")
    sensitive = serializers.BooleanField()
    required = serializers.BooleanField()
    help = serializers.CharField()
    options = serializers.ListField(child=serializers.DictField())
    value = serializers.JSONField(
        allow_null=True, help_text="Always null for a sensitive parameter."
    )
    is_set = serializers.BooleanField()
    masked = serializers.CharField(help_text="A sensitive value's last characters, masked.")


class AuthorizationOutput(serializers.Serializer[Any]):
    status = serializers.CharField(help_text="`connected` or `needs_reconnect`.")
    connected_at = serializers.DateTimeField(allow_null=True)
    connected_by = serializers.CharField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    refreshed_at = serializers.DateTimeField(allow_null=True)
    scope = serializers.CharField()
    problem = serializers.CharField()


class TestResultOutput(serializers.Serializer[Any]):
    passed = serializers.BooleanField()
    status = serializers.IntegerField(allow_null=True, source="status_code")
    latency_ms = serializers.IntegerField(allow_null=True)
    failure = serializers.CharField()
    message = serializers.CharField()
    excerpt = serializers.CharField(help_text="The answer's first lines, credentials masked.")
    trigger = serializers.CharField(help_text="`admin`, `connected` or `saved`.")
    tested_at = serializers.DateTimeField()
    tested_by = serializers.SerializerMethodField()

    def get_tested_by(self, result: ConnectionTestResult) -> str | None:
        return result.tested_by.email if result.tested_by else None


class ConnectionStateOutput(serializers.Serializer[Any]):
    installation = serializers.IntegerField()
    type = serializers.CharField(help_text="One of: " + ", ".join(CONNECTION_TYPES) + ".")
    state = serializers.CharField(help_text="One of: " + ", ".join(ADMIN_STATES) + ".")
    parameters = ParameterOutput(many=True)
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Labels of required parameters without a value."
    )
    client_ready = serializers.BooleanField(
        help_text="`oauth2`: whether the app's developer set its client at the outside service."
    )
    authorization = AuthorizationOutput(allow_null=True)
    test_declared = serializers.BooleanField()
    test = TestResultOutput(allow_null=True)


class DisconnectOutput(ConnectionStateOutput):
    revoked = serializers.BooleanField(
        help_text="Whether the outside service confirmed the revocation of every token."
    )


class ParametersInput(serializers.Serializer[Any]):
    values = serializers.DictField(
        help_text="Parameter keys to new values; keys left out keep their value. An empty "
        "sensitive value keeps the stored one."
    )
    clear = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Sensitive parameter keys whose stored value to remove.",
    )


class ConnectLinkOutput(serializers.Serializer[Any]):
    url = serializers.URLField(
        help_text="Send the admin's browser here: signed in to the console as an admin of "
        "the account, it starts Connect in that browser session."
    )
    expires_at = serializers.DateTimeField()


class OutsideClientOutput(serializers.Serializer[Any]):
    client_id = serializers.CharField(allow_null=True)
    secret_set = serializers.BooleanField()
    masked_secret = serializers.CharField(help_text="The secret's last characters, masked.")
    updated_at = serializers.DateTimeField(allow_null=True)
    callback_url = serializers.URLField(
        help_text="The redirect URI to register at the outside service."
    )


class OutsideClientInput(serializers.Serializer[Any]):
    client_id = serializers.CharField(allow_blank=True, trim_whitespace=True)
    client_secret = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        write_only=True,
        help_text="Write-only; leave it out (or empty) to keep the stored one.",
    )


class TestAcrossOutput(serializers.Serializer[Any]):
    installation = serializers.IntegerField(source="installation_id")
    account = serializers.SerializerMethodField()
    version = serializers.CharField(source="installation.version.number")
    passed = serializers.BooleanField()
    status = serializers.IntegerField(allow_null=True, source="status_code")
    latency_ms = serializers.IntegerField(allow_null=True)
    failure = serializers.CharField()
    trigger = serializers.CharField()
    tested_at = serializers.DateTimeField()

    def get_account(self, result: ConnectionTestResult) -> dict[str, str]:
        account = result.installation.account
        return {"name": account.name, "domain": account.slug}
