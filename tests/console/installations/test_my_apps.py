"""Every member's My apps page: the installed apps they may use, where they appear, and
their own settings."""

import io

import pytest
from django.urls import reverse

from apps.accounts.actors import actor_for_user
from apps.installations.models import Installation, InstallationAccess, SettingValue
from tests.console.conftest import login_url
from tests.console.installations.conftest import SECRET, snapshot

pytestmark = pytest.mark.django_db

LIST = reverse("console:installations:my_app-list")


def settings_url(installation) -> str:
    return reverse(
        "console:installations:my_app-settings", kwargs={"installation_id": installation.pk}
    )


@pytest.fixture
def open_to_sales(installation, sales_role):
    InstallationAccess.objects.create(installation=installation, role=sales_role)
    return installation


class TestList:
    def test_anonymous_signs_in_first(self, client_for, installation):
        response = client_for(None).get(LIST)

        assert response.status_code == 302
        assert response.url == login_url(LIST)

    def test_someone_without_an_account_is_refused(self, client_for, moderator):
        assert client_for(moderator).get(LIST).status_code == 403

    def test_an_outsider_sees_nothing_of_acme(self, client_for, outsider, open_to_sales):
        response = client_for(outsider).get(LIST)

        assert response.status_code == 200
        assert response.context["rows"] == []

    def test_a_member_without_access_sees_nothing(self, client_for, member, installation):
        response = client_for(member).get(LIST)

        assert response.context["rows"] == []
        assert 'id="my-apps-empty"' in response.content.decode()

    def test_a_member_with_access_sees_the_app_and_its_embeddings(
        self, client_for, member, open_to_sales
    ):
        response = client_for(member).get(LIST)

        html = response.content.decode()
        assert [r["installation"] for r in response.context["rows"]] == [open_to_sales]
        assert 'Invoicer</a> <code class="muted">main_menu</code>' in html
        assert (
            reverse(
                "console:installations:my_app-open",
                kwargs={"installation_id": open_to_sales.pk, "embedding_id": "menu"},
            )
            in html
        )
        assert settings_url(open_to_sales) in html

    def test_the_page_is_named_like_its_sidebar_item(self, client_for, member, open_to_sales):
        html = client_for(member).get(LIST).content.decode()

        assert '<h1 class="page-header__title">My apps</h1>' in html
        assert '<li aria-current="page">My apps</li>' in html
        own_settings = client_for(member).get(settings_url(open_to_sales)).content.decode()
        assert f'<a href="{LIST}">My apps</a>' in own_settings

    def test_an_admin_always_sees_installed_apps(self, client_for, admin, installation):
        assert [r["installation"] for r in client_for(admin).get(LIST).context["rows"]] == [
            installation
        ]

    def test_an_uninstalling_app_is_gone(self, client_for, member, open_to_sales):
        Installation.objects.filter(pk=open_to_sales.pk).update(status="uninstalling")

        assert client_for(member).get(LIST).context["rows"] == []


class TestMySettings:
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_anonymous_signs_in_first(self, client_for, open_to_sales, method):
        before = snapshot(open_to_sales)

        response = getattr(client_for(None), method)(settings_url(open_to_sales))

        assert response.status_code == 302
        assert snapshot(open_to_sales) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_an_outsider_gets_404(self, client_for, outsider, open_to_sales, method):
        before = snapshot(open_to_sales)

        response = getattr(client_for(outsider), method)(
            settings_url(open_to_sales), {"setting-signature": "Evil"}
        )

        assert response.status_code == 404
        assert snapshot(open_to_sales) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_member_without_access_gets_403(self, client_for, member, installation, method):
        before = snapshot(installation)

        response = getattr(client_for(member), method)(
            settings_url(installation), {"setting-signature": "Mine"}
        )

        assert response.status_code == 403
        assert snapshot(installation) == before

    def test_a_member_saves_their_own_settings(self, client_for, member, admin, open_to_sales):
        client = client_for(member)
        page = client.get(settings_url(open_to_sales)).content.decode()
        assert "My settings of Invoicer" in page
        assert "setting-company_name" not in page

        response = client.post(
            settings_url(open_to_sales),
            {"setting-signature": "Cheers", "setting-my_token": SECRET},
        )

        assert response.status_code == 302
        rows = SettingValue.objects.filter(installation=open_to_sales, user=member)
        assert sorted(rows.values_list("key", flat=True)) == ["my_token", "signature"]
        assert not SettingValue.objects.filter(installation=open_to_sales, user=admin).exists()
        assert SECRET not in client.get(settings_url(open_to_sales)).content.decode()

    def test_too_long_text_is_named_on_its_field(self, client_for, member, open_to_sales):
        before = snapshot(open_to_sales)

        response = client_for(member).post(
            settings_url(open_to_sales), {"setting-signature": "x" * 10_001}
        )

        assert response.status_code == 200
        assert response.context["form"].errors["setting-signature"]
        assert snapshot(open_to_sales) == before


def test_a_member_downloads_only_their_own_file(client_for, member, admin, other_account):
    from apps.installations.services import installation_install
    from tests.factories import make_app, make_version

    app = make_app(account=other_account, name="Docs", type="public")
    version = make_version(
        app=app,
        status="published",
        settings=[{"key": "cv", "level": "user", "type": "file", "label": "CV"}],
    )
    installation = installation_install(
        account=admin.memberships.get().account,
        version=version,
        actor=actor_for_user(user=admin, membership=admin.memberships.get()),
    )
    InstallationAccess.objects.create(installation=installation, role=member.memberships.get().role)
    handle = io.BytesIO(b"my cv")
    handle.name = "cv.txt"
    client = client_for(member)
    client.post(settings_url(installation), {"setting-cv": handle})
    file_url = reverse(
        "console:installations:my_app-file",
        kwargs={"installation_id": installation.pk, "key": "cv"},
    )

    response = client.get(file_url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"my cv"
    # the admin has no file of their own under that key
    assert client_for(admin).get(file_url).status_code == 404
    admin_url = reverse(
        "console:installations:installation-user_file",
        kwargs={"installation_id": installation.pk, "user_id": member.pk, "key": "cv"},
    )
    assert client_for(admin).get(admin_url).status_code == 200
    assert client_for(member).get(admin_url).status_code == 403


def test_the_list_costs_the_same_queries_for_one_app_and_several(
    client_for, member, sales_role, other_account, django_assert_max_num_queries
):
    from apps.accounts.models import Membership
    from apps.installations.services import installation_install
    from tests.factories.catalog import make_app, make_version

    admin_membership = Membership.objects.filter(account=sales_role.account, is_admin=True).first()
    if admin_membership is None:
        from tests.factories import MembershipFactory, UserFactory

        admin_membership = MembershipFactory(
            account=sales_role.account, user=UserFactory(email="boss@acme.test"), is_admin=True
        )

    def install_one(name: str) -> None:
        app = make_app(account=other_account, name=name)
        version = make_version(app=app, status="published")
        installation = installation_install(
            account=sales_role.account,
            version=version,
            actor=actor_for_user(user=admin_membership.user, membership=admin_membership),
        )
        InstallationAccess.objects.create(installation=installation, role=sales_role)

    client = client_for(member)
    install_one("App 0")
    client.get(LIST)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert len(client.get(LIST).context["rows"]) == 1
    for i in range(1, 6):
        install_one(f"App {i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(LIST).context["rows"]) == 6
