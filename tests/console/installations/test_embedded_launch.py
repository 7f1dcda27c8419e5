"""Home widgets launch lazily: the home page gives each widget's frame a signed launch URL
of the marketplace, and only loading it signs a launch token and sends the frame on to
the app's page with the launch context and the token, as an eagerly launched frame has
them. The URL works for its member, in their session, while they may open the widget."""

import html as htmllib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from apps.embedding.models import SigningKey
from apps.embedding.selectors import jwks
from apps.installations.models import InstallationAccess
from console.embedding import launch
from tests.console.installations.test_embedded_frames import placed  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

WIDGET_URL = "https://invoicer.example.com/embed/widget"


def widget_src(client, installation):
    page = client.get("/").content.decode()
    found = re.search(
        rf'data-widget="{installation.pk}:widget".*?<iframe[^>]* src="([^"]+)"', page, re.S
    )
    assert found, "no widget frame"
    return htmllib.unescape(found.group(1)), page


def launched(response):
    assert response.status_code == 302, response.content
    assert response["Cache-Control"] == "no-store"
    location = response["Location"]
    query = {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
    return location, query


def claims_of(token):
    return jwt.decode(token, KeySet.import_key_set(jwks()), algorithms=["ES256"]).claims


def test_the_home_signs_no_launch_token_and_the_frame_gets_one_when_it_loads(
    client_for,
    member,
    placed,  # noqa: F811
):
    client = client_for(member)
    src, page = widget_src(client, placed)
    path = reverse(
        "console:embedding:launch", kwargs={"installation_id": placed.pk, "embedding_id": "widget"}
    )
    assert src.startswith(path + "?launch=")
    assert f'data-launch-url="{htmllib.escape(src)}"' in page
    assert "launch_token=" not in page
    assert not SigningKey.objects.exists()  # nothing was signed with a key yet

    location, query = launched(client.get(src))
    assert location.startswith(WIDGET_URL + "?")
    assert query["embedding_id"] == "widget" and query["embedding"] == "app.widget"
    assert query["host_origin"] == "http://testserver" and query["lang"] == "en"
    claims = claims_of(query["launch_token"])
    assert claims["sub"] == str(member.pk)
    assert claims["location"] == "dashboard.widget" and claims["embedding_id"] == "widget"
    assert claims["installation"] == placed.pk and claims["record"] is None
    # Loaded again (a reload of the frame): a new token.
    _, again = launched(client.get(src))
    assert claims_of(again["launch_token"])["jti"] != claims["jti"]


def test_a_launch_frames_only_in_the_marketplaces_own_pages(client_for, member, placed):  # noqa: F811
    client = client_for(member)
    src, _ = widget_src(client, placed)
    assert client.get(src)["X-Frame-Options"] == "SAMEORIGIN"


def test_a_modal_of_the_widget_opens_a_page_of_the_apps_origin_with_its_own_token(
    client_for,
    member,
    placed,  # noqa: F811
):
    client = client_for(member)
    src, _ = widget_src(client, placed)
    location, query = launched(client.get(src + "&to=https://invoicer.example.com/embed/dialog"))
    assert location.startswith("https://invoicer.example.com/embed/dialog?")
    assert claims_of(query["launch_token"])["location"] == "dashboard.widget"
    for elsewhere in ("https://evil.example/embed/dialog", "javascript:alert(1)", "/embed"):
        response = client.get(src + "&to=" + elsewhere)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/plain")
        assert b"to: only pages of https://invoicer.example.com" in response.content


def test_a_launch_url_is_its_members_in_their_session_only(
    client_for,
    member,
    admin,
    placed,  # noqa: F811
):
    src, _ = widget_src(client_for(member), placed)
    for other in (client_for(admin), client_for(member)):  # someone else; a new session
        response = other.get(src)
        assert response.status_code == 403
        assert b"made for someone else" in response.content
        assert "Location" not in response
    tampered = src[:-3] + ("aaa" if not src.endswith("aaa") else "bbb")
    response = client_for(member).get(tampered)
    assert response.status_code in (400, 403)
    assert "Location" not in response
    assert Client().get(src).status_code == 302  # anonymous: to the login page
    assert "/login/" in Client().get(src)["Location"]


def test_an_old_launch_url_asks_for_a_reload(client_for, member, placed, monkeypatch):  # noqa: F811
    client = client_for(member)
    src, _ = widget_src(client, placed)
    monkeypatch.setattr(launch, "LAUNCH_URL_MAX_AGE", -1)
    response = client.get(src)
    assert response.status_code == 410
    assert response.content.decode() == "This app's frame has expired: reload the page."


def test_a_member_who_lost_access_gets_no_launch(client_for, member, placed, sales_role):  # noqa: F811
    client = client_for(member)
    src, _ = widget_src(client, placed)
    InstallationAccess.objects.filter(installation=placed, role=sales_role).delete()
    response = client.get(src)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert "Location" not in response
    assert not SigningKey.objects.exists()
