"""docs/oauth.md is what app developers build against: the refusals it quotes must be the
ones the API sends, and the endpoints and lifetimes it names the ones served."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

import apps.api.app_api as app_api
import apps.installations.policies as installation_policies
import apps.oauth.policies as token_policies

DOC = Path(__file__).resolve().parents[2] / "docs" / "oauth.md"


@pytest.fixture(scope="module")
def text() -> str:
    return DOC.read_text()


def test_the_quoted_token_refusals_are_the_apis(text):
    section = text.split("## When tokens stop working", 1)[1].split("\n## ", 1)[0]
    quoted = re.findall(r'\| "([^"]+?)(?: …)?" \|', section)
    assert len(quoted) == 8
    source = "".join(
        Path(module.__file__).read_text()
        for module in (app_api, token_policies, installation_policies)
    )
    for message in quoted:
        assert message.rstrip(";…. ") in source.replace('"\n                "', ""), message


def test_the_lifetimes_are_the_defaults(text):
    provider = settings.OAUTH2_PROVIDER
    assert provider["ACCESS_TOKEN_EXPIRE_SECONDS"] == 3600
    assert provider["REFRESH_TOKEN_EXPIRE_SECONDS"] == 31536000
    assert provider["AUTHORIZATION_CODE_EXPIRE_SECONDS"] == 600
    assert "`OAUTH_ACCESS_TOKEN_SECONDS` (default `3600`)" in text
    assert "| authorization code | **10 minutes**, single use |" in text
    assert "valid for **10 minutes**" in text
    assert "60 seconds" not in text
    assert "`OAUTH_REFRESH_TOKEN_SECONDS` (default `31536000`)" in text


@pytest.mark.django_db
def test_the_endpoints_are_the_ones_the_metadata_lists(text):
    metadata = Client().get("/.well-known/oauth-authorization-server").json()
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ):
        path = "/" + metadata[key].split("/", 3)[3]
        assert f"`{path}`" in text or f"`POST {path}`" in text or f"`GET {path}`" in text, path
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_post",
        "client_secret_basic",
    }
