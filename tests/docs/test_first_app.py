"""docs/oauth.md's "Your first app" is what a new app developer types, command by command:
every curl it shows must reach an endpoint that takes that method, the authorize address
must use parameters the authorize step reads, the manifest must validate as shown, and
the whole walk-through (create the app, check the manifest, create the draft, authorize
it on the developer's own account with ``version=``, exchange the code, call
``/api/v1/users/me``) must work when done exactly as written."""

import json
import re
import shlex
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve

from apps.catalog.manifests import manifest_validate
from apps.oauth import views as oauth_views
from tests.apps.api.helpers import api_client
from tests.factories import AccountFactory, ApiKeyFactory, MembershipFactory, UserFactory
from tests.factories.oauth import pkce_pair

DOC = Path(__file__).resolve().parents[2] / "docs" / "oauth.md"
HEADING = "## Your first app: from the manifest to the first API call"
APP_CODE = "0b7c64ce-3f5e-4d4b-a1c4-4b7c2d8e9f10"

# What /oauth/authorize/ reads: the OAuth parameters oauthlib takes, and ours.
AUTHORIZE_PARAMS = {
    "client_id",
    "response_type",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
    oauth_views.ACCOUNT_PARAM,
    oauth_views.VERSION_PARAM,
    oauth_views.LINK_PARAM,
}


@pytest.fixture(scope="module")
def section() -> str:
    text = DOC.read_text()
    assert HEADING in text
    assert "](#your-first-app-from-the-manifest-to-the-first-api-call)" in text
    return text.split(HEADING, 1)[1].split("\n## ", 1)[0]


def blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


def curls(section: str) -> list[list[str]]:
    """Every curl command of the shell blocks (and of the prose), as shell words."""
    commands = []
    for text in blocks(section, "sh"):
        for match in re.finditer(r"curl [^\n]*", text.replace("\\\n", " ")):
            commands.append(shlex.split(match.group(0), comments=True))
    for match in re.finditer(r"`(curl [^`]*)`", section):
        commands.append(shlex.split(match.group(1).replace("\n", " ")))
    return commands


def method_and_path(words: list[str]) -> tuple[str, str]:
    method = "GET"
    if "-X" in words:
        method = words[words.index("-X") + 1]
    elif any(w in words for w in ("-d", "-F", "--data-binary")):
        method = "POST"
    url = next(w for w in words if w.startswith("$BASE"))
    return method, url.replace("$BASE", "").replace("$APP_CODE", APP_CODE)


def option_values(words: list[str], option: str) -> list[str]:
    return [words[i + 1] for i, w in enumerate(words) if w == option]


def test_every_curl_reaches_an_endpoint_that_takes_its_method(section):
    commands = curls(section)
    seen = {method_and_path(words) for words in commands}
    assert seen >= {
        ("POST", "/api/v1/apps"),
        ("POST", "/api/v1/manifests/validate"),
        ("POST", f"/api/v1/apps/{APP_CODE}/versions"),
        ("GET", f"/api/v1/apps/{APP_CODE}/credentials"),
        ("POST", "/oauth/token/"),
        ("GET", "/api/v1/users/me"),
    }
    for method, path in seen:
        try:
            match = resolve(path)
        except Resolver404:
            pytest.fail(f"{method} {path}: no such endpoint")
        view = match.func.view_class  # type: ignore[attr-defined]
        assert hasattr(view, method.lower()), f"{method} {path}: {view.__name__} refuses it"


def test_the_paths_named_in_the_prose_are_served(section):
    assert "(`/accounts/api-keys/new/`)" in section
    assert resolve("/accounts/api-keys/new/").url_name == "api_key-create"
    assert "`POST\n$BASE/api/v1/apps/$APP_CODE/credentials/rotate`" in section
    rotate = resolve(f"/api/v1/apps/{APP_CODE}/credentials/rotate").func.view_class  # type: ignore[attr-defined]
    assert hasattr(rotate, "post")


def test_the_authorize_address_uses_parameters_the_authorize_step_reads(section):
    line = next(line for line in section.splitlines() if "/oauth/authorize/?" in line)
    query = line.split("?", 1)[1].rstrip('"')
    names = [pair.split("=", 1)[0] for pair in query.split("&")]
    assert set(names) <= AUTHORIZE_PARAMS
    assert {"client_id", "response_type", "redirect_uri", "state", "version", "account"} <= set(
        names
    )
    assert "version=1.0.0" in query
    assert resolve("/oauth/authorize/").func.view_class is oauth_views.AuthorizeView


def test_the_manifest_validates_as_the_guide_shows(section):
    (manifest,) = blocks(section, "yaml")
    check = manifest_validate(yaml.safe_load(manifest))
    shown = json.loads(blocks(section, "json")[1])
    assert check.as_dict() == shown
    assert check.manifest is not None
    redirect = re.search(r"^REDIRECT=(\S+)$", section, flags=re.M).group(1)
    assert check.manifest.redirect_uris == (redirect,)


@pytest.mark.django_db
def test_the_walkthrough_works_as_written(section, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    commands = {method_and_path(words)[1]: words for words in curls(section)}
    # The developer's own account, as in the demo: dev@devstudio.test, developer and admin.
    account = AccountFactory(slug="devstudio", name="Dev Studio")
    dev = UserFactory(email="dev@devstudio.test")
    MembershipFactory(account=account, user=dev, is_admin=True, is_developer=True)
    _key, mpk = ApiKeyFactory(account=account, name="walkthrough")
    automation = api_client(key=mpk)

    # 1. Create the app, with the body the guide sends.
    body = json.loads(option_values(commands["/api/v1/apps"], "-d")[0])
    created = automation.post("/api/v1/apps", body, format="json")
    assert created.status_code == 201, created.content
    answer = created.json()
    shown = json.loads(blocks(section, "json")[0])
    assert set(shown) - {"..."} <= set(answer)
    assert set(shown["credentials"]) == set(answer["credentials"])
    app_code = answer["code"]
    client_id = answer["credentials"]["client_id"]
    client_secret = answer["credentials"]["client_secret"]

    # 2. Check the manifest, sent as the guide sends it.
    (manifest,) = blocks(section, "yaml")
    validate = commands["/api/v1/manifests/validate"]
    content_type = option_values(validate, "-H")[1].split(": ", 1)[1]
    checked = automation.post("/api/v1/manifests/validate", manifest, content_type=content_type)
    assert checked.status_code == 200, checked.content
    assert checked.json() == json.loads(blocks(section, "json")[1])

    # 3. Create the version: a multipart upload named as in the guide.
    fields = dict(
        f.split("=", 1) for f in option_values(commands[f"/api/v1/apps/{APP_CODE}/versions"], "-F")
    )
    assert fields["manifest"] == "@manifest.yaml"
    version = automation.post(
        f"/api/v1/apps/{app_code}/versions",
        {
            "manifest": SimpleUploadedFile("manifest.yaml", manifest.encode()),
            "changelog": fields["changelog"],
        },
        format="multipart",
    )
    assert version.status_code == 201, version.content
    assert version.json()["status"] == "draft"

    # 4. The client id again (never the secret).
    credentials = automation.get(f"/api/v1/apps/{app_code}/credentials").json()
    assert credentials["client_id"] == client_id
    assert "client_secret" not in credentials

    # 5. Authorize the draft on the developer's own account, with the guide's address.
    verifier, challenge = pkce_pair()
    line = next(line for line in section.splitlines() if "/oauth/authorize/?" in line)
    redirect = re.search(r"^REDIRECT=(\S+)$", section, flags=re.M).group(1)
    address = (
        line.split('"')[1]
        .replace("$BASE", "")
        .replace("$CLIENT_ID", client_id)
        .replace("$REDIRECT", redirect)
        .replace("$STATE", "st-1")
        .replace("$CHALLENGE", challenge)
    )
    browser = Client()
    browser.force_login(dev)
    consent = browser.get(address)
    assert consent.status_code == 200, consent.content[:500]
    heading = re.search(r"\*Install Hello Marketplace on Dev Studio\?\*", section)
    assert heading is not None
    assert "Install Hello Marketplace on Dev Studio?" in consent.content.decode()
    allowed = browser.post(
        address,
        {
            "decision": "allow",
            "version_id": consent.context["version_stamp"],
            "mode": consent.context["mode"],
        },
    )
    assert allowed.status_code == 302
    assert allowed["Location"].startswith(redirect + "?")
    callback = {k: v[0] for k, v in parse_qs(urlparse(allowed["Location"]).query).items()}
    assert set(callback) == {"code", "state", "iss", "account"}
    assert callback["state"] == "st-1"
    assert callback["account"] == "devstudio"

    # 6. Exchange the code with the fields the guide sends.
    token_words = commands["/oauth/token/"]
    values = {
        "$CODE": callback["code"],
        "$REDIRECT": redirect,
        "$VERIFIER": verifier,
        "$CLIENT_ID": client_id,
        "$CLIENT_SECRET": client_secret,
    }
    data = {}
    for pair in option_values(token_words, "-d"):
        name, value = pair.split("=", 1)
        data[name] = values.get(value, value)
    assert set(data) == {
        "grant_type",
        "code",
        "redirect_uri",
        "code_verifier",
        "client_id",
        "client_secret",
    }
    tokens = Client().post("/oauth/token/", data)
    assert tokens.status_code == 200, tokens.content
    access = tokens.json()["access_token"]

    # 7. The first API call answers what the guide shows.
    me = Client().get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert me.status_code == 200, me.content
    shown_me = json.loads(blocks(section, "json")[2])
    assert set(me.json()) == set(shown_me)
    assert me.json()["email"] == shown_me["email"] == "dev@devstudio.test"
