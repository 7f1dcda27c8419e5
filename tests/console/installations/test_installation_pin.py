"""Pinning an installed app to its version from its page: POST only, with CSRF, for the
account's admins; the state shows on the page, in the list and in the history."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.installations.models import InstallationEvent
from tests.console.conftest import login_url
from tests.console.installations.conftest import snapshot, url

pytestmark = pytest.mark.django_db

LIST = reverse("console:installations:installation-list")
PINNED = (
    "<strong>Pinned to version 1.0.0</strong>: new versions are not installed automatically; "
    "you can still update by hand."
)
UNPINNED = "New versions that ask for no new access are installed automatically. Pin to stop that."


@pytest.fixture
def pinned(client_for, admin, installation):
    client_for(admin).post(url("installation-pin", installation))
    installation.refresh_from_db()
    assert installation.is_pinned
    return installation


ACTIONS = ["installation-pin", "installation-unpin"]


class TestAccess:
    @pytest.mark.parametrize("action", ACTIONS)
    def test_anonymous_signs_in_first(self, client_for, pinned, action):
        before = snapshot(pinned)
        target = url(action, pinned)

        response = client_for(None).post(target)

        assert response.status_code == 302
        assert response.url == login_url(target)
        assert snapshot(pinned) == before

    @pytest.mark.parametrize("action", ACTIONS)
    def test_an_outsider_gets_404(self, client_for, outsider, pinned, action):
        before = snapshot(pinned)

        response = client_for(outsider).post(url(action, pinned))

        assert response.status_code == 404
        assert snapshot(pinned) == before

    @pytest.mark.parametrize("action", ACTIONS)
    def test_a_member_without_admin_gets_403(self, client_for, member, pinned, action):
        before = snapshot(pinned)

        response = client_for(member).post(url(action, pinned))

        assert response.status_code == 403
        assert snapshot(pinned) == before

    @pytest.mark.parametrize("action", ACTIONS)
    def test_get_is_not_allowed(self, client_for, admin, installation, action):
        before = snapshot(installation)

        response = client_for(admin).get(url(action, installation))

        assert response.status_code == 405
        assert snapshot(installation) == before

    def test_a_post_without_the_csrf_token_is_refused(self, admin, installation):
        client = Client(enforce_csrf_checks=True)
        client.force_login(admin)
        before = snapshot(installation)

        response = client.post(url("installation-pin", installation))

        assert response.status_code == 403
        assert snapshot(installation) == before


def test_the_page_offers_to_pin_with_a_csrf_protected_form(client_for, admin, installation):
    html = client_for(admin).get(url("installation-detail", installation)).content.decode()

    assert 'id="installation-pin"' in html
    assert f'action="{url("installation-pin", installation)}"' in html
    assert "Pin to this version" in html
    assert UNPINNED in html
    assert "Pinned to version" not in html
    form = html.split(f'action="{url("installation-pin", installation)}"')[1].split("</form>")[0]
    assert "csrfmiddlewaretoken" in form


def test_an_admin_pins_and_sees_it(client_for, admin, installation):
    client = client_for(admin)

    response = client.post(url("installation-pin", installation))

    assert response.status_code == 302
    assert response.url == url("installation-detail", installation)
    installation.refresh_from_db()
    assert installation.is_pinned
    html = client.get(response.url).content.decode()
    assert "is pinned to version 1.0.0" in html
    assert "Pinned to version 1.0.0" in html
    assert f'action="{url("installation-unpin", installation)}"' in html
    assert ">Unpin</button>" in html
    assert "Pin to this version" not in html
    assert PINNED in html
    assert UNPINNED not in html
    list_html = client.get(LIST).content.decode()
    assert 'class="badge badge--violet pinned"' in list_html


def test_an_admin_unpins(client_for, admin, pinned):
    client = client_for(admin)

    response = client.post(url("installation-unpin", pinned))

    assert response.url == url("installation-detail", pinned)
    pinned.refresh_from_db()
    assert not pinned.is_pinned
    assert list(pinned.events.values_list("kind", flat=True)) == [
        InstallationEvent.Kind.INSTALLED,
        InstallationEvent.Kind.PINNED,
        InstallationEvent.Kind.UNPINNED,
    ]
    html = client.get(url("installation-detail", pinned)).content.decode()
    assert "Unpinned: new versions that ask for no more access are installed automatically." in html
    assert UNPINNED in html
    assert ">Pin to this version</button>" in html
    assert 'class="badge badge--violet pinned"' not in client.get(LIST).content.decode()


def test_pinning_twice_records_once(client_for, admin, pinned):
    before = snapshot(pinned)

    response = client_for(admin).post(url("installation-pin", pinned))

    assert response.status_code == 302
    assert snapshot(pinned) == before


def test_an_uninstalling_app_cannot_be_pinned(client_for, admin, installation):
    client = client_for(admin)
    client.post(url("installation-uninstall", installation))
    before = snapshot(installation)

    response = client.post(url("installation-pin", installation), follow=True)

    assert response.redirect_chain[0][0] == url("installation-detail", installation)
    assert "nothing about it can change any more" in response.content.decode()
    assert snapshot(installation) == before
    assert 'id="installation-pin"' not in response.content.decode()
