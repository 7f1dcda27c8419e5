"""The manifest's connection section: typed values, the simple test form, the diff and
when it asks the admin to connect again."""

from typing import Any

import pytest

from apps.catalog.manifests import manifest_diff, manifest_schema, manifest_validate
from apps.catalog.manifests.connection import (
    Connection,
    ConnectionTest,
    OAuth2Service,
    placeholders,
    placeholders_fill,
)
from apps.scopes.catalog import get_catalog
from tests.apps.catalog.manifests.fixtures import valid_manifest

OAUTH2: dict[str, Any] = {
    "type": "oauth2",
    "parameters": [
        {"key": "tenant", "label": "Tenant", "required": True},
        {"key": "api_key", "label": "API key", "type": "text", "sensitive": True},
    ],
    "oauth2": {
        "authorize_url": "https://provider.example.com/oauth/authorize",
        "token_url": "https://provider.example.com/oauth/token",
        "revoke_url": "https://provider.example.com/oauth/revoke",
        "scopes": ["profile", "notes:read"],
        "authorize_params": {"tenant": "{{tenant}}", "prompt": "consent"},
        "token_auth": "client_secret_post",
    },
    "test": {
        "url": "https://api.example.com/me?tenant={{tenant}}",
        "headers": {"Authorization": "Bearer {{access_token}}", "X-Key": "{{api_key}}"},
        "expect_status": [200, 204],
    },
}


def manifest_with(connection: dict[str, Any] | None, *, version: str = "2.1.0") -> Any:
    data = valid_manifest()
    data["version"] = version
    if connection is not None:
        data.pop("connection_test_url")
        data["connection"] = connection
    check = manifest_validate(data)
    assert check.errors == (), check.errors
    return check.manifest


def test_an_oauth2_connection_reads_into_typed_values():
    connection = manifest_with(OAUTH2).connection

    assert connection.type == "oauth2"
    assert [p.key for p in connection.parameters] == ["tenant", "api_key"]
    assert connection.sensitive_keys == {"api_key"}
    assert connection.oauth2 == OAuth2Service(
        authorize_url="https://provider.example.com/oauth/authorize",
        token_url="https://provider.example.com/oauth/token",
        revoke_url="https://provider.example.com/oauth/revoke",
        scopes=("profile", "notes:read"),
        authorize_params=(("prompt", "consent"), ("tenant", "{{tenant}}")),
        token_auth="client_secret_post",
    )
    assert connection.oauth2.pkce is True
    assert connection.oauth2.token_refresh_url == "https://provider.example.com/oauth/token"
    assert connection.test.method == "GET"
    assert connection.test.passes(204) and not connection.test.passes(201)


def test_without_a_section_the_connection_is_none_and_the_simple_test_url_is_its_test():
    connection = manifest_with(None).connection

    assert connection == Connection(
        type="none", test=ConnectionTest(url="https://invoicer.example.com/check")
    )
    assert connection.test.passes(201) and not connection.test.passes(302)


def test_placeholders_are_found_and_filled():
    text = "Bearer {{access_token}} for {{ tenant }}"

    assert placeholders(text) == ["access_token", "tenant"]
    assert (
        placeholders_fill(text, {"access_token": "t0k", "tenant": "acme"}) == "Bearer t0k for acme"
    )
    assert placeholders_fill("{{missing}}!", {}) == "!"


def test_the_schema_serves_the_connection_section():
    schema = manifest_schema(get_catalog())
    connection = schema["properties"]["connection"]

    assert connection["properties"]["type"]["enum"] == ["none", "generic", "oauth2"]
    assert set(connection["properties"]) == {"type", "parameters", "oauth2", "test"}


def changed(**oauth2: Any) -> dict[str, Any]:
    return {**OAUTH2, "oauth2": {**OAUTH2["oauth2"], **oauth2}}


@pytest.mark.parametrize(
    ("new", "reconnect"),
    [
        (changed(token_url="https://provider.example.com/v2/token"), True),
        (changed(revoke_url="https://provider.example.com/v2/revoke"), True),
        (changed(scopes=["profile", "notes:read", "notes:write"]), True),
        (changed(scopes=["profile"]), False),
        (changed(authorize_params={"prompt": "login"}), False),
        ({**OAUTH2, "test": {"url": "https://api.example.com/v2/me"}}, False),
    ],
)
def test_the_diff_asks_to_reconnect_only_when_the_authorization_no_longer_fits(new, reconnect):
    diff = manifest_diff(manifest_with(OAUTH2), manifest_with(new, version="2.2.0"))

    assert diff.changed is True
    assert diff.needs_reconnect is reconnect
    assert diff.as_dict()["connection"]["needs_reconnect"] is reconnect


def test_a_change_of_type_to_oauth2_asks_to_connect_and_lists_parameters():
    old = manifest_with(
        {"type": "generic", "parameters": [{"key": "api_key", "label": "K", "sensitive": True}]}
    )
    diff = manifest_diff(old, manifest_with(OAUTH2, version="3.0.0"))
    shown = diff.as_dict()["connection"]

    assert shown["changes"]["type"] == {"from": "generic", "to": "oauth2"}
    assert shown["parameters"] == {"added": ["tenant"], "removed": [], "changed": ["api_key"]}
    assert shown["needs_reconnect"] is True


def test_leaving_oauth2_needs_no_reconnect():
    diff = manifest_diff(manifest_with(OAUTH2), manifest_with(None, version="3.0.0"))

    assert diff.as_dict()["connection"]["changes"]["type"] == {"from": "oauth2", "to": "none"}
    assert diff.needs_reconnect is False
