"""A user's own preferences page: the interface language, used for the apps' launch
context and launch token (``lang``), falling back to the account's; the page tells the
user's other tabs once after a change (``lang.changed``)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from apps.accounts.models import User
from apps.embedding.selectors import jwks
from tests.console.accounts.test_member_profile import PROFILE_CARD, SCOPES, frame_src
from tests.console.conftest import login_url
from tests.console.installations.conftest import install
from tests.factories import make_app, make_version

pytestmark = pytest.mark.django_db

URL = reverse("console:accounts:preferences")


@pytest.fixture
def carded(other_account, account, admin):
    """A user profile card reading users; admins always may use it and read users."""
    app = make_app(account=other_account, name="Timesheets", type="public")
    version = make_version(
        app=app, number="1.0.0", status="published", scopes=SCOPES, embeddings=[PROFILE_CARD]
    )
    return install(account=account, version=version, admin_user=admin)


def launch_lang(client, user) -> tuple[str, str]:
    """The ``lang`` of the profile card's launch context and of its launch token."""
    html = client.get(reverse("console:accounts:member-profile", args=[user.pk])).content
    query = parse_qs(urlsplit(frame_src(html.decode())).query)
    claims = jwt.decode(
        query["launch_token"][0], KeySet.import_key_set(jwks()), algorithms=["ES256"]
    ).claims
    return query["lang"][0], claims["lang"]


def test_anonymous_is_sent_to_login(client_for):
    response = client_for(None).post(URL, {"language": "pt"})
    assert response.status_code == 302
    assert response.url == login_url(URL)


def test_the_page_offers_the_languages_and_following_the_account(client_for, member, account):
    account.language = "es"
    account.save(update_fields=["language"])
    html = client_for(member).get(URL).content.decode()
    assert "Follow the account (Español)" in html
    assert '<option value="pt">Português</option>' in html
    assert "data-lang-changed" not in html


def test_a_user_saves_their_language_and_the_page_announces_it_once(client_for, member):
    client = client_for(member)
    response = client.post(URL, {"language": "pt"})
    assert response.status_code == 302 and response.url == URL
    assert User.objects.get(pk=member.pk).language == "pt"
    html = client.get(URL).content.decode()
    assert f'data-lang-changed="pt" data-user="{member.pk}"' in html
    assert "Apps now speak Português to you" in html
    assert "data-lang-changed" not in client.get(URL).content.decode()
    # Saving the same language again changes nothing and announces nothing.
    client.post(URL, {"language": "pt"})
    assert "data-lang-changed" not in client.get(URL).content.decode()


def test_following_the_account_again_announces_the_accounts_language(client_for, member):
    User.objects.filter(pk=member.pk).update(language="pt")
    client = client_for(member)
    client.post(URL, {"language": ""})
    assert User.objects.get(pk=member.pk).language == ""
    assert 'data-lang-changed="en"' in client.get(URL).content.decode()


def test_an_unknown_language_is_refused_under_the_field(client_for, member):
    User.objects.filter(pk=member.pk).update(language="es")
    response = client_for(member).post(URL, {"language": "fr"})
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["language"]
    assert "Choose one of en (English)" in form.errors["language"][0]
    assert User.objects.get(pk=member.pk).language == "es"


def test_a_user_without_an_account_has_preferences_too(client_for, staff):
    response = client_for(staff).post(URL, {"language": "es"})
    assert response.status_code == 302
    assert User.objects.get(pk=staff.pk).language == "es"


def test_the_launch_context_and_token_speak_the_users_language(
    client_for, admin, member, account, carded
):
    account.language = "es"
    account.save(update_fields=["language"])
    client = client_for(admin)
    assert launch_lang(client, member) == ("es", "es")  # none of their own: the account's
    client.post(URL, {"language": "pt"})
    assert launch_lang(client, member) == ("pt", "pt")
    bridge = reverse(
        "console:embedding:launch-token",
        kwargs={"installation_id": carded.pk, "embedding_id": "profile-card"},
    )
    fresh = client.post(bridge + f"?record=users.user:{member.pk}").json()["launch_token"]
    assert (
        jwt.decode(fresh, KeySet.import_key_set(jwks()), algorithms=["ES256"]).claims["lang"]
        == "pt"
    )


def test_the_own_profile_links_the_preferences_and_shows_the_language(client_for, member):
    User.objects.filter(pk=member.pk).update(language="pt")
    client = client_for(member)
    html = client.get(reverse("console:accounts:member-profile", args=[member.pk])).content
    assert URL in html.decode() and "Português" in html.decode()
