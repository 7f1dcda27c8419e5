"""Opening an installed app's page inside the console, with the launch context and a
signed launch token."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from apps.catalog.services import app_deactivate
from apps.embedding.selectors import jwks
from apps.installations.models import InstallationAccess
from apps.installations.services import installation_uninstall
from tests.console.conftest import login_url
from tests.factories.accounts import acting_as
from tests.factories.catalog import by

pytestmark = pytest.mark.django_db


def open_url(installation, embedding_id: str = "menu") -> str:
    return reverse(
        "console:installations:my_app-open",
        kwargs={"installation_id": installation.pk, "embedding_id": embedding_id},
    )


@pytest.fixture
def open_to_sales(installation, sales_role):
    InstallationAccess.objects.create(installation=installation, role=sales_role)
    return installation


def test_anonymous_signs_in_first(client_for, installation):
    response = client_for(None).get(open_url(installation))
    assert response.status_code == 302
    assert response.url == login_url(open_url(installation))


def test_an_outsider_gets_404(client_for, outsider, open_to_sales):
    assert client_for(outsider).get(open_url(open_to_sales)).status_code == 404


def test_a_member_without_access_is_refused(client_for, member, installation):
    assert client_for(member).get(open_url(installation)).status_code == 403


def test_a_member_with_access_gets_the_frame_with_the_launch_context(
    client_for, member, account, open_to_sales
):
    response = client_for(member).get(open_url(open_to_sales))

    assert response.status_code == 200
    frame = response.context["frame"]
    parts = urlsplit(frame["src"])
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://invoicer.example.com/embed/home"
    )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    token = query.pop("launch_token")
    assert query == {
        "protocol": "http",
        "domain": "acme.localhost",
        "lang": account.language,
        "code": "app.home",
        "embedding": "app.home",
        "embedding_id": "menu",
        "app": str(open_to_sales.app.code),
        "version": open_to_sales.version.number,
        "host_origin": "http://testserver",
    }
    claims = jwt.decode(token, KeySet.import_key_set(jwks()), algorithms=["ES256"]).claims
    assert claims["sub"] == str(member.pk)
    assert claims["aud"] == open_to_sales.app.oauth_application.client_id
    assert claims["embedding_id"] == "menu" and claims["location"] == "main_menu"
    html = response.content.decode()
    assert 'id="embedded-app"' in html
    assert 'sandbox="allow-scripts allow-forms allow-popups allow-same-origin"' in html
    assert 'data-origin="https://invoicer.example.com"' in html
    assert "Loading Invoicer…" in html
    assert "Invoicer does not answer." in html


def test_an_unknown_embedding_is_404(client_for, admin, installation):
    assert client_for(admin).get(open_url(installation, "nope")).status_code == 404


def test_an_uninstalling_app_is_404(client_for, admin, installation):
    from apps.accounts.models import Membership

    installation_uninstall(
        installation=installation,
        actor=acting_as(
            by(admin), Membership.objects.get(user=admin, account=installation.account)
        ),
    )
    assert client_for(admin).get(open_url(installation)).status_code == 404


def test_an_app_deactivated_by_its_developer_is_not_opened(client_for, admin, installation):
    app_deactivate(app=installation.app)
    assert client_for(admin).get(open_url(installation)).status_code == 404


def test_a_page_on_the_marketplaces_own_origin_is_not_framed(
    client_for, admin, account, other_account
):
    from apps.accounts.models import Membership
    from apps.installations.services import installation_install
    from tests.factories.catalog import make_app, make_version

    app = make_app(account=other_account, name="Same origin")
    version = make_version(
        app=app,
        status="published",
        embeddings=[
            {
                "id": "menu",
                "location": "main_menu",
                "code": "home",
                "url": "https://testserver/admin/",
                "title": "Same origin",
            }
        ],
    )
    installation = installation_install(
        account=account,
        version=version,
        actor=acting_as(by(admin), Membership.objects.get(user=admin, account=account)),
    )

    response = client_for(admin).get(open_url(installation), secure=True)

    assert response.status_code == 404
    # the same page is framed for a marketplace on another origin (here: plain http)
    assert client_for(admin).get(open_url(installation)).status_code == 200
