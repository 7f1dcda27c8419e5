"""A NUL character anywhere in the address is a 400 that says so, before any view runs:
PostgreSQL cannot compare text with it, so a lookup would otherwise be a server error."""

import pytest

from tests.apps.api.helpers import assert_error
from tests.factories.catalog import make_app, make_version

pytestmark = pytest.mark.django_db

MESSAGE = "The address contains a NUL character (%00); remove it and try again."


@pytest.fixture
def app(account):
    app = make_app(account=account)
    make_version(app=app)
    return app


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/apps/{code}/versions/1.0%00",
        "/api/v1/install-links/mil_ab%00cd_x",
        "/api/v1/apps?search=a%00b",
        "/api/v1/marketplace/apps?search=%00",
    ],
)
def test_api_addresses_with_nul_get_the_api_error_body(client_for, developer, app, url):
    response = client_for(developer).get(url.format(code=app.code))

    error = assert_error(response, 400, "invalid")
    assert error["message"] == MESSAGE


@pytest.mark.parametrize(
    "url",
    [
        "/developer/apps/{code}/versions/1.0%00/",
        "/install/mil_ab%00cd_x/",
        "/marketplace/?q=a%00",
    ],
)
def test_console_addresses_with_nul_get_a_plain_400(client_for, developer, app, url):
    response = client_for(developer).get(url.format(code=app.code))

    assert response.status_code == 400
    assert response.content.decode() == MESSAGE


def test_addresses_without_nul_pass(client_for, developer, app):
    assert client_for(developer).get(f"/api/v1/apps/{app.code}/versions/1.0.0").status_code == 200
    assert client_for(None).get("/marketplace/?q=%2500").status_code == 200
