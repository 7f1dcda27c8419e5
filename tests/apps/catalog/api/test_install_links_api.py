"""Install links through the API: create (token shown once), list, revoke, and the
preview of what a link will install. The access matrix is in test_access_matrix_api.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.catalog.models import InstallLink
from apps.catalog.services import app_deactivate, install_link_revoke
from apps.core.crypto import keyed_digest
from tests.apps.accounts.api.test_api_keys import tables_containing
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.catalog.api.helpers import catalog_snapshot, version_url
from tests.factories.catalog import by, make_app, make_install_link, make_version

pytestmark = pytest.mark.django_db

LINK_FIELDS = {
    "id",
    "label",
    "prefix",
    "state",
    "expires_at",
    "created_at",
    "created_by",
    "revoked_at",
    "revoked_by",
}


@pytest.fixture
def dev(developer):
    return api_client(developer)


@pytest.fixture
def version(account):
    return make_version(app=make_app(account=account), status="submitted")


class TestCreate:
    def test_the_token_and_url_are_shown_once(self, dev, version):
        before = timezone.now()

        response = dev.post(
            version_url(version, "/install-links"),
            {"label": "Beta testers", "expires_in_days": 14},
            format="json",
        )

        assert response.status_code == 201, response.content
        body = response.json()
        link = InstallLink.objects.get()
        assert set(body) == LINK_FIELDS | {"token", "url"}
        token = body["token"]
        assert token.startswith(f"mil_{link.token_id}_")
        assert body["url"] == f"http://testserver/install/{token}/"
        assert (body["label"], body["state"], body["created_by"]) == (
            "Beta testers",
            "active",
            "dev@acme.test",
        )
        assert link.token_hash == keyed_digest(token)
        assert before + timedelta(days=14) <= link.expires_at
        assert link.expires_at <= timezone.now() + timedelta(days=14)
        assert tables_containing(token) == []

        listed = dev.get(version_url(version, "/install-links"))
        assert listed.json()["count"] == 1
        assert set(listed.json()["results"][0]) == LINK_FIELDS
        assert token not in listed.content.decode()
        # The secret part follows the token id; it may itself hold "_" (token_urlsafe).
        secret = token.removeprefix(InstallLink.PREFIX).partition("_")[2]
        assert len(secret) == 32
        assert secret not in listed.content.decode()

    def test_defaults_to_seven_days_without_a_label(self, dev, version):
        response = dev.post(version_url(version, "/install-links"), {}, format="json")

        assert response.status_code == 201
        link = InstallLink.objects.get()
        assert link.label == ""
        assert timedelta(days=7) - timedelta(minutes=1) < link.expires_at - timezone.now()

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"expires_in_days": 0}, "expires_in_days"),
            ({"expires_in_days": 91}, "expires_in_days"),
            ({"expires_in_days": "soon"}, "expires_in_days"),
            ({"label": "x" * 101}, "label"),
        ],
    )
    def test_bad_input_names_the_field(self, dev, version, data, field):
        before = catalog_snapshot()

        response = dev.post(version_url(version, "/install-links"), data, format="json")

        assert_error(response, 400, "invalid", fields={field})
        assert catalog_snapshot() == before

    def test_a_rejected_version_cannot_be_linked(self, dev, account):
        version = make_version(app=make_app(account=account), status="rejected")
        before = catalog_snapshot()

        response = dev.post(version_url(version, "/install-links"), {}, format="json")

        assert_error(response, 409, "version_not_installable")
        assert catalog_snapshot() == before

    def test_an_inactive_app_cannot_be_linked(self, dev, version):
        app_deactivate(app=version.app)
        before = catalog_snapshot()

        response = dev.post(version_url(version, "/install-links"), {}, format="json")

        assert_error(response, 409, "app_inactive")
        assert catalog_snapshot() == before


class TestListAndRevoke:
    def test_states(self, dev, version):
        make_install_link(version=version, label="Active")
        revoked, _ = make_install_link(version=version, label="Revoked")
        install_link_revoke(link=revoked, actor=by())
        expired, _ = make_install_link(version=version, label="Expired")
        InstallLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now())

        body = dev.get(version_url(version, "/install-links")).json()

        assert [(r["label"], r["state"]) for r in body["results"]] == [
            ("Expired", "expired"),
            ("Revoked", "revoked"),
            ("Active", "active"),
        ]

    def test_who_created_and_revoked_may_be_null_as_the_schema_says(
        self, client, account_key, version
    ):
        """A link created by an API key has no creator, and an active link no revoker:
        the schema must allow null where the answers hold it."""
        created = api_client(key=account_key).post(
            version_url(version, "/install-links"), {"label": "CI"}, format="json"
        )
        body = api_client(key=account_key).get(version_url(version, "/install-links")).json()
        schema = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]

        assert created.status_code == 201, created.content
        assert (body["results"][0]["created_by"], body["results"][0]["revoked_by"]) == (None, None)
        for name in ("InstallLinkOutput", "InstallLinkCreatedOutput"):
            for field in ("created_by", "revoked_by"):
                assert schema[name]["properties"][field].get("nullable") is True, (name, field)

    def test_revoke_is_idempotent(self, dev, developer, version):
        link, _ = make_install_link(version=version)
        url = version_url(version, f"/install-links/{link.pk}/revoke")

        first = dev.post(url)
        revoked_at = InstallLink.objects.get().revoked_at
        second = dev.post(url)

        assert first.status_code == second.status_code == 200
        assert first.json()["state"] == "revoked"
        assert first.json()["revoked_by"] == "dev@acme.test"
        assert InstallLink.objects.get().revoked_at == revoked_at
        assert InstallLink.objects.get().revoked_by == developer

    def test_a_link_of_another_version_is_not_found(self, dev, version):
        other = make_version(app=version.app, number="2.0.0")
        link, _ = make_install_link(version=other)
        before = catalog_snapshot()

        response = dev.post(version_url(version, f"/install-links/{link.pk}/revoke"))

        assert_error(response, 404, "not_found")
        assert catalog_snapshot() == before


class TestPreview:
    def test_shows_what_will_be_installed(self, member, version):
        _, token = make_install_link(version=version)

        response = api_client(member).get(f"{API}/install-links/{token}")

        assert response.status_code == 200
        body = response.json()
        app = version.app
        assert body["app"] == {
            "code": str(app.code),
            "name": "Invoicer",
            "summary": "",
            "logo_url": None,
        }
        assert body["publisher"] == {"name": "Acme Corp", "domain": "acme"}
        assert body["version"] == {
            "number": "1.0.0",
            "changelog": "First release.",
            "authorization": "account",
        }
        assert [(s["scope"], s["reason"]) for s in body["scopes"]] == [
            ("crm.accounts:read", "Shows the customer on invoices."),
            ("fin.invoices:full", "Creates invoices from deals."),
        ]
        assert all(s["phrase"] for s in body["scopes"])
        assert body["expires_at"]

    @pytest.mark.parametrize("token", ["nonsense", "mil_", "mil_000000000000_wrong", "mpk_abc_def"])
    def test_an_unknown_token_is_404(self, member, version, token):
        make_install_link(version=version)

        assert_error(api_client(member).get(f"{API}/install-links/{token}"), 404, "not_found")

    def test_a_real_id_with_a_wrong_secret_is_404(self, member, version):
        link, _ = make_install_link(version=version)

        response = api_client(member).get(f"{API}/install-links/mil_{link.token_id}_forged")

        assert_error(response, 404, "not_found")

    @pytest.mark.parametrize(
        ("spoil", "message"),
        [
            (
                lambda link: install_link_revoke(link=link, actor=by()),
                "The developer revoked this install link. Ask them for a new one.",
            ),
            (
                lambda link: InstallLink.objects.filter(pk=link.pk).update(
                    expires_at=timezone.now() - timedelta(minutes=1)
                ),
                "This install link expired on",
            ),
            (
                lambda link: app_deactivate(app=link.version.app),
                "The app “Invoicer” cannot be installed at the moment.",
            ),
        ],
        ids=["revoked", "expired", "inactive-app"],
    )
    def test_an_unusable_link_is_410(self, member, version, spoil, message):
        link, token = make_install_link(version=version)
        spoil(link)

        response = api_client(member).get(f"{API}/install-links/{token}")

        error = assert_error(response, 410, "link_unusable")
        assert error["message"].startswith(message)
