"""One installed app's page: facts, scopes in words, webhooks, embeddings, access,
history; while uninstalling, the state and no edit actions."""

import pytest

from apps.catalog.services import app_delete
from apps.installations.models import Installation
from tests.console.conftest import login_url
from tests.console.installations.conftest import snapshot, url
from tests.factories import MembershipFactory, UserFactory, make_version

pytestmark = pytest.mark.django_db


class TestAccess:
    def test_anonymous_signs_in_first(self, client_for, installation):
        target = url("installation-detail", installation)

        response = client_for(None).get(target)

        assert response.status_code == 302
        assert response.url == login_url(target)

    def test_an_outsider_gets_404(self, client_for, outsider, installation):
        before = snapshot(installation)

        assert client_for(outsider).get(url("installation-detail", installation)).status_code == 404
        assert snapshot(installation) == before

    def test_a_member_without_admin_gets_403(self, client_for, member, installation):
        assert client_for(member).get(url("installation-detail", installation)).status_code == 403

    def test_an_unknown_id_is_404(self, client_for, admin, installation):
        response = client_for(admin).get(
            url("installation-detail", installation).replace(
                str(installation.pk), str(installation.pk + 100)
            )
        )
        assert response.status_code == 404


class TestContent:
    def test_the_page_shows_what_the_app_may_do_and_where(self, client_for, admin, installation):
        response = client_for(admin).get(url("installation-detail", installation))

        assert response.status_code == 200
        html = response.content.decode()
        assert '<code class="muted">crm.accounts:read</code>' in html
        hook = "<code>fin.invoices.updated</code> → https://invoicer.example.com/hooks/invoices"
        assert hook in html
        assert 'Invoicer <code class="muted">main_menu</code>' in html
        assert "Admins only." in html
        assert "Installed version 1.0.0." in html
        for name in (
            "installation-access",
            "installation-settings",
            "installation-uninstall",
        ):
            assert url(name, installation) in html
        assert url("installation-update", installation) not in html

    def test_scopes_read_in_plain_words(self, client_for, admin, installation):
        response = client_for(admin).get(url("installation-detail", installation))

        rows = response.context["scopes"]
        assert [r["scope"] for r in rows] == ["crm.accounts:read", "fin.invoices:full"]
        assert all(r["phrase"].startswith("View") for r in rows)

    def test_a_newer_version_offers_the_update(self, client_for, admin, installation, invoicer):
        make_version(app=invoicer, number="1.1.0", status="published")

        html = client_for(admin).get(url("installation-detail", installation)).content.decode()

        assert "Update to 1.1.0" in html
        assert url("installation-update", installation) in html

    def test_the_member_picker_lists_the_members(self, client_for, admin, member, installation):
        html = client_for(admin).get(url("installation-detail", installation)).content.decode()

        assert url("installation-user_pick", installation) in html
        assert f'<option value="{member.pk}">member@acme.test</option>' in html

    def test_uninstalling_shows_the_state_and_no_edit_action(self, client_for, admin, installation):
        Installation.objects.filter(pk=installation.pk).update(status="uninstalling")

        html = client_for(admin).get(url("installation-detail", installation)).content.decode()

        assert 'id="installation-uninstalling"' in html
        assert "Its tokens are already refused" in html
        for name in ("installation-access", "installation-settings", "installation-uninstall"):
            assert url(name, installation) not in html


def test_the_picker_opens_a_members_settings(client_for, admin, member, installation):
    response = client_for(admin).get(
        url("installation-user_pick", installation), {"user": member.pk}
    )

    assert response.status_code == 302
    assert response.url == url("installation-user_settings", installation, user_id=member.pk)


def test_the_picker_refuses_someone_outside_the_account(client_for, admin, installation):
    stranger = UserFactory(email="stranger@example.test")

    response = client_for(admin).get(
        url("installation-user_pick", installation), {"user": stranger.pk}
    )

    assert response.status_code == 302
    assert response.url == url("installation-detail", installation)


def test_a_member_of_another_account_is_not_pickable(
    client_for, admin, other_account, installation
):
    globex_user = MembershipFactory(account=other_account).user

    response = client_for(admin).get(
        url("installation-user_settings", installation, user_id=globex_user.pk)
    )

    assert response.status_code == 404


def test_post_is_not_allowed_and_changes_nothing(client_for, admin, installation):
    before = snapshot(installation)

    assert client_for(admin).post(url("installation-detail", installation)).status_code == 405
    assert snapshot(installation) == before


class TestAppBeingDeleted:
    """While its developer deletes the app, its page says so and offers nothing to
    update, pin or set up."""

    def test_the_page_says_so_and_hides_update_pin_and_settings(
        self, client_for, admin, member, installation, invoicer
    ):
        make_version(app=invoicer, number="1.1.0", status="published")
        app_delete(app=invoicer)

        html = client_for(admin).get(url("installation-detail", installation)).content.decode()

        notice = html.split('id="app-deleting"')[1].split("</p>")[0]
        assert (
            "Its developer is deleting this app: it no longer works here and will be removed "
            "from this account automatically."
        ) in notice
        for name in (
            "installation-settings",
            "installation-update",
            "installation-pin",
            "installation-user_pick",
        ):
            assert url(name, installation) not in html, name
        assert 'id="installation-pin"' not in html
        assert "Update available" not in html
        assert url("installation-access", installation) in html
        assert url("installation-uninstall", installation) in html

    def test_an_active_app_shows_no_such_notice(self, client_for, admin, installation):
        html = client_for(admin).get(url("installation-detail", installation)).content.decode()

        assert 'id="app-deleting"' not in html
        assert url("installation-pin", installation) in html

    def test_a_member_or_an_outsider_is_refused_and_nothing_changes(
        self, client_for, member, outsider, installation, invoicer
    ):
        app_delete(app=invoicer)
        before = snapshot(installation)

        assert client_for(member).get(url("installation-detail", installation)).status_code == 403
        assert client_for(outsider).get(url("installation-detail", installation)).status_code == 404
        assert snapshot(installation) == before
