"""API keys: list, create (shown once), revoke with confirmation, bulk revoke."""

import pytest
from django.urls import reverse

from apps.accounts.models import ApiKey
from tests.console.conftest import login_url
from tests.factories import ApiKeyFactory

LIST = reverse("console:accounts:api_key-list")
CREATE = reverse("console:accounts:api_key-create")


def created_url(key: ApiKey) -> str:
    return reverse("console:accounts:api_key-created", kwargs={"key_id": key.pk})


def revoke_url(key: ApiKey) -> str:
    return reverse("console:accounts:api_key-revoke", kwargs={"key_id": key.pk})


@pytest.fixture
def acme_key(account, admin):
    key, _raw = ApiKeyFactory(account=account, name="Acme CI", created_by=admin)
    return key


@pytest.fixture
def globex_key(other_account, outsider):
    key, _raw = ApiKeyFactory(account=other_account, name="Globex CI", created_by=outsider)
    return key


def assert_active(*keys: ApiKey) -> None:
    for key in keys:
        key.refresh_from_db()
        assert key.is_active, f"{key.name} was revoked"
        assert key.revoked_by is None


class TestListAccess:
    def test_anonymous_is_sent_to_login(self, client_for):
        response = client_for(None).get(LIST)

        assert response.status_code == 302
        assert response.url == login_url(LIST)

    @pytest.mark.parametrize("persona", ["member", "developer"])
    def test_member_without_admin_right_is_refused(self, client_for, request, persona, acme_key):
        response = client_for(request.getfixturevalue(persona)).get(LIST)

        assert response.status_code == 403
        assert "Acme CI" not in response.content.decode()

    def test_outsider_sees_only_their_own_keys(self, client_for, outsider, acme_key, globex_key):
        response = client_for(outsider).get(LIST)

        assert response.status_code == 200
        assert response.context["cl"].rows == [globex_key]
        assert "Acme CI" not in response.content.decode()

    def test_admin_sees_the_keys_with_their_details(self, client_for, admin, acme_key, globex_key):
        response = client_for(admin).get(LIST)

        assert response.status_code == 200
        assert response.context["cl"].rows == [acme_key]
        html = response.content.decode()
        assert "Acme CI" in html
        assert f"<code>{acme_key.display_prefix}…</code>" in html
        assert "admin@acme.test" in html
        assert '<span class="muted">Never</span>' in html
        assert '<span class="status status--active">Active</span>' in html
        assert "Globex CI" not in html

    def test_empty_state_offers_to_create_one(self, client_for, admin):
        html = client_for(admin).get(LIST).content.decode()

        assert "No API keys yet." in html
        assert f'href="{CREATE}"' in html


class TestCreate:
    def test_anonymous_is_sent_to_login_and_nothing_is_created(self, client_for, account):
        response = client_for(None).post(CREATE, {"name": "Sneaky"})

        assert response.status_code == 302
        assert response.url == login_url(CREATE)
        assert not ApiKey.objects.exists()

    @pytest.mark.parametrize("persona", ["member", "developer"])
    def test_member_without_admin_right_is_refused(self, client_for, request, persona):
        client = client_for(request.getfixturevalue(persona))

        assert client.get(CREATE).status_code == 403
        assert client.post(CREATE, {"name": "Sneaky"}).status_code == 403
        assert not ApiKey.objects.exists()

    def test_outsider_creates_in_their_own_account_only(
        self, client_for, outsider, account, other_account
    ):
        response = client_for(outsider).post(CREATE, {"name": "Globex deploy"})

        assert response.status_code == 302
        assert list(ApiKey.objects.values_list("account", flat=True)) == [other_account.pk]

    def test_creates_the_key_and_redirects_to_show_it_once(self, client_for, admin, account):
        client = client_for(admin)
        assert client.get(CREATE).status_code == 200

        response = client.post(CREATE, {"name": "  Deploy pipeline  "})

        # Post/redirect/get: the key's page shows it, so a reload never posts again.
        key = ApiKey.objects.get()
        assert response.status_code == 302
        assert response.url == created_url(key)
        assert key.account == account
        assert key.name == "Deploy pipeline"
        assert key.created_by == admin

        page = client.get(response.url)

        raw = page.context["raw_key"]
        assert raw.startswith(f"{key.display_prefix}_")
        html = page.content.decode()
        assert f'value="{raw}"' in html
        assert "cannot be shown again" in html
        assert 'data-copy="#new-api-key"' in html
        assert "no-store" in page["Cache-Control"]

        # ...and never again: not in the session, not on any page about the key.
        assert raw not in str(dict(client.session.items()))
        for url in (created_url(key), LIST, CREATE, revoke_url(key), reverse("console:home")):
            assert raw not in client.get(url).content.decode()
        assert raw not in "".join(str(v) for v in ApiKey.objects.values().get().values())

    @pytest.mark.parametrize(
        ("name", "error"),
        [
            ("", "This field is required."),
            ("   ", "This field is required."),
            ("x" * 101, "Use at most 100 characters."),
        ],
    )
    def test_service_errors_show_under_the_field(self, client_for, admin, name, error):
        response = client_for(admin).post(CREATE, {"name": name})

        assert response.status_code == 200
        assert response.context["form"].errors == {"name": [error]}
        assert error in response.content.decode()
        assert "raw_key" not in response.context
        assert not ApiKey.objects.exists()


class TestRevoke:
    def test_anonymous_is_sent_to_login_and_the_key_stays(self, client_for, acme_key):
        response = client_for(None).post(revoke_url(acme_key))

        assert response.status_code == 302
        assert response.url == login_url(revoke_url(acme_key))
        assert_active(acme_key)

    @pytest.mark.parametrize("persona", ["member", "developer"])
    def test_member_without_admin_right_is_refused(self, client_for, request, persona, acme_key):
        client = client_for(request.getfixturevalue(persona))

        assert client.get(revoke_url(acme_key)).status_code == 403
        assert client.post(revoke_url(acme_key)).status_code == 403
        assert_active(acme_key)

    def test_outsider_gets_404_and_the_key_stays(self, client_for, outsider, acme_key):
        client = client_for(outsider)

        assert client.get(revoke_url(acme_key)).status_code == 404
        assert client.post(revoke_url(acme_key)).status_code == 404
        assert_active(acme_key)

    def test_admin_confirms_then_revokes(self, client_for, admin, acme_key):
        client = client_for(admin)

        confirm = client.get(revoke_url(acme_key))
        assert confirm.status_code == 200
        assert "stops working at once" in confirm.content.decode()
        assert_active(acme_key)

        response = client.post(revoke_url(acme_key), follow=True)

        assert response.redirect_chain == [(LIST, 302)]
        acme_key.refresh_from_db()
        assert not acme_key.is_active
        assert acme_key.revoked_by == admin
        html = response.content.decode()
        assert "The API key “Acme CI” is revoked." in html
        assert '<span class="status status--revoked"' in html

    def test_revoking_twice_changes_nothing(self, client_for, admin, member, acme_key):
        client = client_for(admin)
        client.post(revoke_url(acme_key))
        acme_key.refresh_from_db()
        revoked_at = acme_key.revoked_at

        response = client.post(revoke_url(acme_key), follow=True)

        acme_key.refresh_from_db()
        assert acme_key.revoked_at == revoked_at
        assert "was already revoked" in response.content.decode()

    def test_unknown_key_is_404(self, client_for, admin):
        url = reverse("console:accounts:api_key-revoke", kwargs={"key_id": 999999})

        assert client_for(admin).get(url).status_code == 404


class TestBulkRevoke:
    @pytest.fixture
    def keys(self, account, admin):
        return [ApiKeyFactory(account=account, name=f"Key {n}")[0] for n in range(3)]

    def test_asks_for_confirmation_first(self, client_for, admin, keys):
        response = client_for(admin).post(
            LIST, {"action": "revoke", "selected": [keys[0].pk, keys[1].pk]}
        )

        assert response.status_code == 200
        assert "Revoke 2 API keys?" in response.content.decode()
        assert_active(*keys)

    def test_revokes_the_selected_keys_after_confirmation(self, client_for, admin, keys):
        response = client_for(admin).post(
            f"{LIST}?status=active",
            {"action": "revoke", "confirm": "yes", "selected": [keys[0].pk, keys[1].pk]},
        )

        assert response.status_code == 302
        assert response.url == f"{LIST}?status=active"
        for key in keys[:2]:
            key.refresh_from_db()
            assert not key.is_active
            assert key.revoked_by == admin
        assert_active(keys[2])

    def test_another_accounts_keys_cannot_be_slipped_in(self, client_for, admin, keys, globex_key):
        client_for(admin).post(
            LIST, {"action": "revoke", "confirm": "yes", "selected": [keys[0].pk, globex_key.pk]}
        )

        keys[0].refresh_from_db()
        assert not keys[0].is_active
        assert_active(globex_key)

    def test_outsider_cannot_revoke_acme_keys(self, client_for, outsider, keys):
        response = client_for(outsider).post(
            LIST,
            {"action": "revoke", "confirm": "yes", "selected": [k.pk for k in keys]},
            follow=True,
        )

        assert "Choose an action and tick at least one key." in response.content.decode()
        assert_active(*keys)

    def test_member_is_refused(self, client_for, member, keys):
        response = client_for(member).post(
            LIST, {"action": "revoke", "confirm": "yes", "selected": [k.pk for k in keys]}
        )

        assert response.status_code == 403
        assert_active(*keys)

    @pytest.mark.parametrize(
        "data", [{"action": "revoke"}, {"action": "", "selected": ["1"]}, {"action": "delete"}]
    )
    def test_nothing_selected_or_no_action_changes_nothing(self, client_for, admin, keys, data):
        data = {**data, "confirm": "yes"}
        if "selected" in data:
            data["selected"] = [keys[0].pk]

        response = client_for(admin).post(LIST, data, follow=True)

        assert "Choose an action and tick at least one key." in response.content.decode()
        assert_active(*keys)

    def test_the_list_offers_the_bulk_action(self, client_for, admin, keys):
        html = client_for(admin).get(LIST).content.decode()

        assert '<option value="revoke">Revoke selected keys</option>' in html
        assert f'<input type="checkbox" name="selected" value="{keys[0].pk}"' in html


class TestFilterAndQueries:
    def test_filters_by_status(self, client_for, admin, account):
        active, _ = ApiKeyFactory(account=account, name="Live")
        revoked, _ = ApiKeyFactory(account=account, name="Dead")
        client = client_for(admin)
        client.post(revoke_url(revoked))

        assert client.get(LIST, {"status": "active"}).context["cl"].rows == [active]
        assert client.get(LIST, {"status": "revoked"}).context["cl"].rows == [revoked]
        assert len(client.get(LIST).context["cl"].rows) == 2

    def test_searches_by_name(self, client_for, admin, account):
        ApiKeyFactory(account=account, name="Deploy")
        ApiKeyFactory(account=account, name="Backup")

        rows = client_for(admin).get(LIST, {"q": "depl"}).context["cl"].rows

        assert [key.name for key in rows] == ["Deploy"]

    @pytest.mark.parametrize("rows", [3, 60])
    def test_query_count_does_not_grow_with_rows(
        self, client_for, admin, account, rows, django_assert_max_num_queries
    ):
        for n in range(rows):
            ApiKeyFactory(account=account, name=f"Key {n}", created_by=admin)
        client = client_for(admin)

        # session, user, current membership, switcher's memberships, COUNT, the page.
        with django_assert_max_num_queries(6):
            response = client.get(LIST)

        assert response.context["cl"].count == rows
        assert "1\u2013" in response.content.decode()
