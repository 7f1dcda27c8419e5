"""The connection page of an installed app: its parameters form, the sensitive value
never in a page, errors by field with nothing saved."""

import pytest

from apps.connections.models import ConnectionValue
from apps.core.crypto import decrypt
from apps.installations.policies import MASK
from tests.apps.connections.conftest import API_KEY, GENERIC
from tests.console.installations.conftest import url
from tests.factories import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(account, admin, other_account):
    app = make_app(account=other_account, name="Weather")
    version = make_version(app=app, number="1.0.0", status="published", connection=GENERIC)
    return make_installation(account=account, version=version, by_user=admin)


def post(client, installation, **values):
    data = {f"setting-{key}": value for key, value in values.items()}
    return client.post(url("installation-connection", installation), data)


def test_the_installed_app_page_links_to_its_connection(client_for, admin, connected):
    page = client_for(admin).get(url("installation-detail", connected)).content.decode()

    assert url("installation-connection", connected) in page


def test_the_form_asks_for_the_required_parameters(client_for, admin, connected):
    page = client_for(admin).get(url("installation-connection", connected)).content.decode()

    assert 'id="connection-needs-setup"' in page
    assert "API key, Region" in page
    assert 'data-parameter="api_key" data-sensitive="true"' in page
    assert 'type="password"' in page


def test_a_save_stores_the_key_encrypted_and_never_shows_it_again(client_for, admin, connected):
    client = client_for(admin)

    response = post(client, connected, api_key=API_KEY, region="eu")

    assert response.status_code == 302
    assert response.url == url("installation-connection", connected)
    row = ConnectionValue.objects.get(installation=connected, key="api_key")
    assert decrypt(row.secret) == API_KEY
    page = client.get(response.url).content.decode()
    assert API_KEY not in page
    assert f"{MASK}WXYZ" in page
    assert "Connection saved." in page
    assert 'id="connection-needs-setup"' not in page


def test_errors_are_shown_by_field_and_nothing_is_saved(client_for, admin, connected):
    response = post(client_for(admin), connected, api_key=API_KEY, region="mars")

    page = response.content.decode()
    assert response.status_code == 200
    assert API_KEY not in page
    assert "Nothing was saved: type the value again." in page
    assert ConnectionValue.objects.filter(installation=connected).count() == 0


def test_an_app_without_a_connection_says_so(client_for, admin, account, other_account):
    app = make_app(account=other_account, name="Plain")
    version = make_version(app=app, number="1.0.0", status="published")
    plain = make_installation(account=account, version=version, by_user=admin)

    page = client_for(admin).get(url("installation-connection", plain)).content.decode()

    assert "connects to no outside service" in page
    assert (
        url("installation-connection", plain)
        not in client_for(admin).get(url("installation-detail", plain)).content.decode()
    )
