"""Access "everyone": an installed app given to every member of the account, whatever
their role and groups; recorded in the installation's history; by console and API."""

import pytest
from django.urls import reverse

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.models import Installation, InstallationEvent
from apps.installations.selectors import installation_ids_usable_by, installation_member_may_use
from apps.installations.services import installation_access_set
from tests.apps.api.helpers import api_client
from tests.factories import MembershipFactory, UserFactory, make_app, make_version
from tests.factories.installations import issue_token, make_installation
from tests.factories.oauth import api_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def installation(account, admin):
    app = make_app(account=account, name="Notes")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "user.me", "level": "read", "reason": "Greets you."}],
        webhooks=[],
    )
    return make_installation(account=account, version=version, by_user=admin)


@pytest.fixture
def newcomer(account):
    """A member without role or group."""
    return MembershipFactory(account=account, user=UserFactory(email="new@acme.test"))


def as_admin(admin):
    return actor_for_user(user=admin, membership=Membership.objects.get(user=admin))


def test_everyone_lets_a_member_without_role_use_the_app_and_its_tokens(
    installation, admin, newcomer
):
    token = issue_token(installation=installation, user=newcomer.user)
    assert api_get("/api/v1/users/me", token).status_code == 401

    installation_access_set(
        installation=installation, role_ids=[], group_ids=[], everyone=True, actor=as_admin(admin)
    )

    assert api_get("/api/v1/users/me", token).status_code == 200
    installation.refresh_from_db()
    assert installation_member_may_use(installation=installation, membership=newcomer)
    assert installation.pk in installation_ids_usable_by(membership=newcomer)
    event = InstallationEvent.objects.filter(kind="access_changed").last()
    assert event.detail["after"] == {"roles": [], "groups": [], "everyone": True}

    installation_access_set(
        installation=installation, role_ids=[], group_ids=[], everyone=False, actor=as_admin(admin)
    )

    assert api_get("/api/v1/users/me", token).status_code == 401


def test_the_console_form_gives_the_app_to_everyone(client_for, admin, installation):
    response = client_for(admin).post(
        reverse("console:installations:installation-access", args=[installation.pk]),
        {"everyone": "on"},
    )

    assert response.status_code == 302
    assert Installation.objects.get(pk=installation.pk).access_everyone is True
    page = client_for(admin).get(response.url).content.decode()
    assert "Every member of the account." in page
    assert "Access set to every member." in page


def test_the_api_reads_and_sets_everyone(admin, account, installation):
    client = api_client(admin)
    url = f"/api/v1/installations/{installation.pk}/access"

    before = client.get(url).json()
    after = client.put(url, {"everyone": True, "roles": [], "groups": []}, format="json").json()
    kept = client.put(url, {"roles": [], "groups": []}, format="json").json()

    assert (before["everyone"], before["admins_only"]) == (False, True)
    assert (after["everyone"], after["admins_only"]) == (True, False)
    assert kept["everyone"] is True  # left out: as it was
    detail = client.get(f"/api/v1/installations/{installation.pk}").json()
    assert detail["access"]["everyone"] is True
