"""The account admin's list of installed apps."""

import pytest
from django.urls import reverse

from apps.catalog.services import app_delete
from apps.installations.models import Installation
from tests.console.conftest import login_url
from tests.console.installations.conftest import install
from tests.factories import make_app, make_version

URL = reverse("console:installations:installation-list")

pytestmark = pytest.mark.django_db


class TestAccess:
    def test_anonymous_signs_in_first(self, client_for, installation):
        response = client_for(None).get(URL)

        assert response.status_code == 302
        assert response.url == login_url(URL)

    def test_a_member_without_admin_is_refused(self, client_for, member, installation):
        assert client_for(member).get(URL).status_code == 403

    def test_an_outsider_sees_only_their_own_account(self, client_for, outsider, installation):
        response = client_for(outsider).get(URL)

        assert response.status_code == 200
        assert response.context["rows"] == []
        assert "Invoicer" not in response.content.decode()

    def test_an_admin_sees_the_installations(self, client_for, admin, installation):
        response = client_for(admin).get(URL)

        assert response.status_code == 200
        assert [r["installation"] for r in response.context["rows"]] == [installation]


class TestContent:
    def test_a_row_says_version_status_publisher_and_installer(
        self, client_for, admin, installation
    ):
        html = client_for(admin).get(URL).content.decode()

        detail = reverse(
            "console:installations:installation-detail",
            kwargs={"installation_id": installation.pk},
        )
        assert f'href="{detail}">Invoicer</a>' in html
        assert "<td>Globex</td>" in html
        assert "<code>1.0.0</code>" in html
        assert '<span class="status status--active">Active</span>' in html
        assert "by admin@acme.test" in html
        assert "Update available" not in html

    def test_a_newer_published_version_shows_the_badge(
        self, client_for, admin, installation, invoicer
    ):
        make_version(app=invoicer, number="1.2.0", status="published")
        make_version(app=invoicer, number="2.0.0", status="submitted")

        response = client_for(admin).get(URL)

        assert response.context["rows"][0]["update"].number == "1.2.0"
        assert "Update available: 1.2.0" in response.content.decode()

    def test_an_uninstalling_app_says_so(self, client_for, admin, installation):
        Installation.objects.filter(pk=installation.pk).update(status="uninstalling")

        html = client_for(admin).get(URL).content.decode()

        assert "Uninstalling…" in html

    def test_the_empty_list_points_to_the_marketplace(self, client_for, admin):
        html = client_for(admin).get(URL).content.decode()

        assert 'id="installations-empty"' in html
        assert f'href="{reverse("console:marketplace:app-list")}"' in html


def test_queries_do_not_grow_with_installations(
    client_for, admin, account, other_account, django_assert_max_num_queries
):
    def add(n: int) -> None:
        app = make_app(account=other_account, name=f"App {n}", type="public")
        make_version(app=app, number="1.0.0", status="published")
        make_version(app=app, number="1.1.0", status="published")
        install(account=account, version=app.versions.get(number="1.0.0"), admin_user=admin)

    client = client_for(admin)
    add(0)
    client.get(URL)  # warm the session
    with django_assert_max_num_queries(12) as one:
        assert client.get(URL).status_code == 200
    for n in range(1, 10):
        add(n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(URL)
    assert len(response.context["rows"]) == 10
    assert all(row["update"].number == "1.1.0" for row in response.context["rows"])


DELETING = (
    "Its developer is deleting this app: it no longer works here and will be removed from "
    "this account automatically."
)


class TestAppBeingDeleted:
    def test_the_row_says_its_developer_is_deleting_it_and_offers_no_update(
        self, client_for, admin, installation, invoicer
    ):
        make_version(app=invoicer, number="1.2.0", status="published")
        app_delete(app=invoicer)

        response = client_for(admin).get(URL)

        html = response.content.decode()
        row = html.split(f'data-installation="{installation.pk}"')[1].split("</tr>")[0]
        assert f'<p class="notice app-deleting">{DELETING}</p>' in row
        assert "Update available" not in row
        assert "installation-update" not in row
        assert response.context["rows"][0]["app_deleting"] is True
        assert response.context["rows"][0]["update"] is None

    def test_other_rows_are_not_marked(self, client_for, admin, installation):
        html = client_for(admin).get(URL).content.decode()

        assert "app-deleting" not in html

    def test_a_member_or_an_outsider_does_not_see_it(
        self, client_for, member, outsider, installation, invoicer
    ):
        app_delete(app=invoicer)

        assert client_for(member).get(URL).status_code == 403
        assert DELETING not in client_for(outsider).get(URL).content.decode()


def test_apps_being_deleted_cost_no_query_per_row(
    client_for, admin, account, other_account, django_assert_max_num_queries
):
    def add(n: int) -> None:
        app = make_app(account=other_account, name=f"App {n}", type="public")
        version = make_version(app=app, number="1.0.0", status="published")
        install(account=account, version=version, admin_user=admin)
        app_delete(app=app)

    client = client_for(admin)
    add(0)
    client.get(URL)  # warm the session
    with django_assert_max_num_queries(12) as one:
        assert client.get(URL).status_code == 200
    for n in range(1, 6):
        add(n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(URL)
    assert [row["app_deleting"] for row in response.context["rows"]] == [True] * 6
