"""The Example Connector's CRM account card against launch tokens the marketplace really
signs: shown only for a verified token whose ``record`` names a CRM account; its backend
tells the record of a fresh token."""

import pytest

from apps.accounts.actors import actor_for_user
from apps.catalog.models import VersionStatus
from apps.embedding.selectors import jwks, placement_get_for
from apps.embedding.services import launch_token_issue
from examples.connector.card import account_card_page
from examples.connector.embedded import whoami
from examples.connector.launch import LaunchVerifier
from tests.examples.test_connector_launch import ISSUER, _config
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db

CARD = {
    "id": "account-card",
    "location": "crm.account.card",
    "code": "connector.account",
    "url": "https://invoicer.example.com/embed/account",
    "title": "Contacts",
}
MENU = {
    "id": "menu",
    "location": "main_menu",
    "code": "app.home",
    "url": "https://invoicer.example.com/embed/home",
    "title": "Invoicer",
}


@pytest.fixture
def installation(account, admin, developer):
    app = make_app(account=account, type="private", user=developer)
    version = make_version(app=app, status=VersionStatus.PUBLISHED, embeddings=[MENU, CARD])
    return make_installation(account=account, version=version, by_user=admin)


@pytest.fixture
def verifier(tmp_path, installation):
    config = _config(tmp_path, installation.app.oauth_application.client_id)
    return LaunchVerifier(config, fetch_jwks=jwks)


def _issue(installation, admin, embedding_id, record=None):
    actor = actor_for_user(user=admin, membership=admin.memberships.get())
    placement = placement_get_for(
        actor=actor, installation_id=installation.pk, embedding_id=embedding_id, host_origin=ISSUER
    )
    return launch_token_issue(actor=actor, placement=placement, issuer=ISSUER, record=record).token


def test_the_card_shows_for_a_verified_token_naming_a_crm_account(
    tmp_path, verifier, installation, admin
):
    token = _issue(installation, admin, "account-card", {"model": "crm.account", "id": 42})
    config = _config(tmp_path, "x")
    status, _, content = account_card_page(config, verifier, {"launch_token": token})
    assert status == 200
    assert f"user <code>{admin.pk}</code> of <code>acme</code> on CRM account <code>42" in content
    assert "crm/contact/?crm_account=" in content and "ui.notify" in content


def test_the_card_refuses_a_token_without_its_record(tmp_path, verifier, installation, admin):
    config = _config(tmp_path, "x")
    for query in (
        {"launch_token": _issue(installation, admin, "menu")},
        {"launch_token": "x.y.z", "record": "crm.account:42"},
        {"record": "crm.account:42"},
    ):
        status, _, content = account_card_page(config, verifier, query)
        assert status == 403 and "Launch token refused" in content
        assert "crm/contact" not in content


def test_the_backend_tells_the_record_of_a_cards_token(verifier, installation, admin):
    token = _issue(installation, admin, "account-card", {"model": "crm.account", "id": 7})
    status, body = whoami(verifier, f"Bearer {token}")
    assert status == 200
    assert body["record"] == {"model": "crm.account", "id": 7}
    assert body["location"] == "crm.account.card"
