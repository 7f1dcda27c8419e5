"""The new API key's page: it shows the key once, to the session that created it; reload,
Back or anyone else finds only what to do if it was lost, and nothing is created again."""

import pytest
from django.urls import reverse

from apps.accounts.models import ApiKey
from tests.console.conftest import login_url
from tests.factories import ApiKeyFactory, MembershipFactory, UserFactory

CREATE = reverse("console:accounts:api_key-create")


def created_url(key: ApiKey) -> str:
    return reverse("console:accounts:api_key-created", kwargs={"key_id": key.pk})


def keys() -> list:
    return list(ApiKey.objects.order_by("pk").values())


@pytest.fixture
def other_admin(account):
    """A second admin of ``account``, signed in elsewhere."""
    return MembershipFactory(
        account=account, user=UserFactory(email="admin2@acme.test"), is_admin=True
    ).user


@pytest.fixture
def admin_client(client_for, admin):
    return client_for(admin)


@pytest.fixture
def created(admin_client):
    """The admin has just created a key: (the key, the redirect to its page)."""
    response = admin_client.post(CREATE, {"name": "Deploy pipeline"})
    return ApiKey.objects.get(name="Deploy pipeline"), response


class TestShownOnce:
    def test_the_redirect_shows_the_key_once(self, admin_client, created):
        key, response = created

        page = admin_client.get(response.url)

        assert page.status_code == 200
        assert "no-store" in page["Cache-Control"]
        raw = page.context["raw_key"]
        assert raw.startswith(f"{key.display_prefix}_")
        assert f'value="{raw}"' in page.content.decode()

    def test_a_reload_shows_it_no_more_and_creates_nothing(self, admin_client, created):
        key, response = created
        raw = admin_client.get(response.url).context["raw_key"]
        before = keys()

        reloaded = admin_client.get(response.url)

        assert reloaded.status_code == 200
        assert "no-store" in reloaded["Cache-Control"]
        assert reloaded.context["raw_key"] is None
        html = reloaded.content.decode()
        assert raw not in html
        assert "This key was shown once" in html
        assert "revoke it and create a new key" in html
        assert f'href="{CREATE}"' in html
        revoke = reverse("console:accounts:api_key-revoke", kwargs={"key_id": key.pk})
        assert f'href="{revoke}"' in html
        assert f"<code>{key.display_prefix}…</code>" in html
        assert keys() == before
        assert ApiKey.objects.count() == 1

    def test_reloads_never_change_the_number_of_keys(self, admin_client, created):
        _key, response = created
        for _ in range(3):
            admin_client.get(response.url)

        assert ApiKey.objects.count() == 1

    def test_two_keys_made_in_two_tabs_each_show_once(self, admin_client):
        first = admin_client.post(CREATE, {"name": "First"})
        second = admin_client.post(CREATE, {"name": "Second"})

        second_raw = admin_client.get(second.url).context["raw_key"]
        first_raw = admin_client.get(first.url).context["raw_key"]

        assert first_raw.startswith(ApiKey.objects.get(name="First").display_prefix)
        assert second_raw.startswith(ApiKey.objects.get(name="Second").display_prefix)
        assert admin_client.get(first.url).context["raw_key"] is None
        assert admin_client.get(second.url).context["raw_key"] is None

    def test_a_revoked_key_says_so_and_offers_no_revoke(self, admin_client, created):
        key, response = created
        admin_client.get(response.url)
        admin_client.post(reverse("console:accounts:api_key-revoke", kwargs={"key_id": key.pk}))

        html = admin_client.get(response.url).content.decode()

        assert ">Revoked</span>" in html
        assert "Revoke this key" not in html


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client_for, created):
        _key, response = created

        page = client_for(None).get(response.url)

        assert page.status_code == 302
        assert page.url == login_url(response.url)

    @pytest.mark.parametrize("persona", ["member", "developer"])
    def test_members_without_the_admin_right_are_refused(
        self, client_for, request, persona, created
    ):
        key, response = created

        page = client_for(request.getfixturevalue(persona)).get(response.url)

        assert page.status_code == 403
        assert key.display_prefix not in page.content.decode()

    def test_another_accounts_admin_gets_404(self, client_for, outsider, created):
        key, response = created

        page = client_for(outsider).get(response.url)

        assert page.status_code == 404
        assert key.display_prefix not in page.content.decode()

    def test_another_admins_session_never_sees_the_key(
        self, client_for, admin_client, other_admin, created
    ):
        _key, response = created

        page = client_for(other_admin).get(response.url)

        assert page.status_code == 200
        assert page.context["raw_key"] is None
        # ...and the session that created it still gets it once.
        assert admin_client.get(response.url).context["raw_key"] is not None

    def test_a_key_of_another_account_is_404_even_in_the_creating_session(
        self, admin_client, other_account, outsider
    ):
        globex_key, _raw = ApiKeyFactory(account=other_account, name="Globex CI")

        assert admin_client.get(created_url(globex_key)).status_code == 404

    def test_an_unknown_key_is_404(self, admin_client):
        url = reverse("console:accounts:api_key-created", kwargs={"key_id": 999999})

        assert admin_client.get(url).status_code == 404

    def test_answers_get_only(self, admin_client, created):
        _key, response = created

        assert admin_client.post(response.url).status_code == 405
        assert ApiKey.objects.count() == 1
