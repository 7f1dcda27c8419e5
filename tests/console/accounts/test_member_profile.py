"""A member's profile page: every member of the account opens it (the people
directory); another account's user is a 404; admins find their actions through it; the
apps' ``users.profile.card`` cards show on it as record cards do on record pages."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from apps.accounts.models import Membership
from apps.embedding.selectors import jwks
from apps.installations.models import InstallationAccess
from tests.console.conftest import login_url
from tests.console.installations.conftest import install
from tests.factories import GroupFactory, make_app, make_version

pytestmark = pytest.mark.django_db

PROFILE_CARD = {
    "id": "profile-card",
    "location": "users.profile.card",
    "code": "app.person",
    "url": "https://people.example.com/embed/person",
    "title": "Timesheets",
}
SCOPES = [
    {"code": "users", "level": "read", "reason": "Shows the person's timesheets."},
    {"code": "fin.invoices", "level": "read", "reason": "Shows their invoices."},
]


def url(user) -> str:
    return reverse("console:accounts:member-profile", kwargs={"user_id": user.pk})


def bridge(installation) -> str:
    return reverse(
        "console:embedding:launch-token",
        kwargs={"installation_id": installation.pk, "embedding_id": "profile-card"},
    )


def frame_src(html: str) -> str:
    start = html.index('class="embedded__frame" src="') + len('class="embedded__frame" src="')
    return html[start : html.index('"', start)].replace("&amp;", "&")


def claims_of(token: str) -> dict:
    return jwt.decode(token, KeySet.import_key_set(jwks()), algorithms=["ES256"]).claims


@pytest.fixture
def carded(other_account, account, admin, sales_role):
    """Timesheets with a user profile card, reading the users module, open to Sales."""
    app = make_app(account=other_account, name="Timesheets", type="public")
    version = make_version(
        app=app, number="1.0.0", status="published", scopes=SCOPES, embeddings=[PROFILE_CARD]
    )
    installation = install(account=account, version=version, admin_user=admin)
    InstallationAccess.objects.create(installation=installation, role=sales_role)
    return installation


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client_for, member):
        response = client_for(None).get(url(member))
        assert response.status_code == 302
        assert response.url == login_url(url(member))

    def test_a_member_opens_another_members_profile(self, client_for, member, admin, account):
        membership = Membership.objects.get(user=admin, account=account)
        membership.groups.add(GroupFactory(account=account, name="Support"))
        admin.full_name = "Ada Admin"
        admin.save(update_fields=["full_name"])
        response = client_for(member).get(url(admin))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Ada Admin" in html
        assert "admin@acme.test" in html
        assert "Account admin" in html
        assert "Support" in html
        assert "Active" in html
        # Admin actions stay on the admin's page: a member finds no way there.
        assert reverse("console:accounts:member-edit", kwargs={"user_id": admin.pk}) not in html

    def test_an_admin_finds_the_member_page_from_the_profile(self, client_for, admin, member):
        html = client_for(admin).get(url(member)).content.decode()
        assert reverse("console:accounts:member-edit", kwargs={"user_id": member.pk}) in html
        assert "Sales" in html

    def test_a_deactivated_member_shows_as_such(self, client_for, member, admin, account):
        Membership.objects.filter(user=admin, account=account).update(is_active=False)
        # An admin is needed to open pages: the member reads the admin's status.
        html = client_for(member).get(url(admin)).content.decode()
        assert "Deactivated" in html

    def test_another_accounts_user_is_404_both_ways(self, client_for, member, outsider):
        assert client_for(member).get(url(outsider)).status_code == 404
        assert client_for(outsider).get(url(member)).status_code == 404

    def test_an_unknown_id_is_404(self, client_for, member):
        response = client_for(member).get(
            reverse("console:accounts:member-profile", kwargs={"user_id": 10**12})
        )
        assert response.status_code == 404

    def test_platform_people_without_an_account_are_refused(self, client_for, staff, member):
        assert client_for(staff).get(url(member)).status_code == 403

    def test_the_members_list_links_names_to_profiles(self, client_for, admin, member):
        html = client_for(admin).get(reverse("console:accounts:member-list")).content.decode()
        assert f'href="{url(member)}"' in html


class TestProfileCards:
    def test_a_member_who_may_use_the_app_sees_the_card_with_the_user(
        self, client_for, member, admin, carded, sales_role
    ):
        sales_role.rights = {**sales_role.rights, "users": "read"}
        sales_role.save(update_fields=["rights"])
        html = client_for(member).get(url(admin)).content.decode()
        assert f'data-record-card="{carded.pk}:profile-card"' in html
        assert 'sandbox="allow-scripts allow-forms allow-popups allow-same-origin"' in html
        query = parse_qs(urlsplit(frame_src(html)).query)
        assert query["record"] == [f"users.user:{admin.pk}"]
        assert query["record_id"] == [str(admin.pk)]
        claims = claims_of(query["launch_token"][0])
        assert claims["record"] == {"model": "users.user", "id": admin.pk}
        assert claims["location"] == "users.profile.card"
        assert claims["sub"] == str(member.pk)
        assert claims["access"] == ["users:read"]

    def test_a_member_without_access_to_the_app_sees_no_card(
        self, client_for, member, admin, carded, sales_role
    ):
        InstallationAccess.objects.filter(installation=carded, role=sales_role).delete()
        client = client_for(member)
        html = client.get(url(admin)).content.decode()
        assert "data-record-card=" not in html
        assert "<iframe" not in html
        assert client.post(bridge(carded) + f"?record=users.user:{admin.pk}").status_code == 403

    def test_no_card_while_the_access_does_not_read_users(self, client_for, member, admin, carded):
        """The grant reads users, the member's role has no right on the users module:
        the effective access does not read users.user, so no card (the profile opens)."""
        client = client_for(member)
        response = client.get(url(admin))
        assert response.status_code == 200
        # Sales has crm and task rights only: nothing on users.
        assert "data-record-card=" not in response.content.decode()
        refused = client.post(bridge(carded) + f"?record=users.user:{admin.pk}")
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "no_such_embedding"

    def test_no_card_while_the_installation_does_not_grant_users(
        self, client_for, admin, member, carded
    ):
        carded.granted_scopes = []
        carded.save(update_fields=["granted_scopes"])
        html = client_for(admin).get(url(member)).content.decode()
        assert "data-record-card=" not in html

    def test_the_fresh_launch_token_names_the_profile_and_needs_a_member(
        self, client_for, admin, member, outsider, carded
    ):
        client = client_for(admin)
        response = client.post(bridge(carded) + f"?record=users.user:{member.pk}")
        assert response.status_code == 200
        assert claims_of(response.json()["launch_token"])["record"] == {
            "model": "users.user",
            "id": member.pk,
        }
        refused = client.post(bridge(carded) + f"?record=users.user:{outsider.pk}")
        assert refused.status_code == 404
        wrong = client.post(bridge(carded) + f"?record=crm.account:{member.pk}")
        assert wrong.status_code == 400
        assert "record" in wrong.json()["error"]["fields"]
