"""The life of an account API key, through the HTTP API: create, use, list, revoke."""

import pytest
from django.db import connection

from apps.accounts.models import ApiKey
from apps.core.crypto import keyed_digest
from apps.jobs.models import Job
from tests.apps.api.helpers import API, api_client, assert_error, snapshot
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db

KEY_FIELDS = {
    "id",
    "name",
    "prefix",
    "is_active",
    "created_at",
    "created_by",
    "last_used_at",
    "revoked_at",
    "revoked_by",
}


def tables_containing(text: str) -> list[str]:
    """The database tables with a column value that contains ``text``."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode(errors="ignore")
                    if text in str(value):
                        found.append(table)
    return found


def create_key(user, name="CI pipeline"):
    """Create a key as ``user`` through the API; returns the response body."""
    response = api_client(user).post(f"{API}/api-keys", {"name": name}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


class TestCreate:
    def test_admin_creates_a_key_shown_once(self, admin, account):
        body = create_key(admin)

        key = ApiKey.objects.get()
        assert set(body) == KEY_FIELDS | {"key"}
        assert body["key"].startswith("mpk_")
        assert body["key"].startswith(f"mpk_{key.key_id}_")
        assert body["id"] == key.pk
        assert body["name"] == "CI pipeline"
        assert body["prefix"] == f"mpk_{key.key_id}"
        assert body["is_active"] is True
        assert body["created_by"] == "admin@acme.test"
        assert body["last_used_at"] is None
        assert body["revoked_at"] is None
        assert body["revoked_by"] is None
        assert (key.account, key.created_by, key.name) == (account, admin, "CI pipeline")
        assert key.key_hash == keyed_digest(body["key"])

    def test_list_and_detail_never_show_the_key_or_its_hash(self, admin):
        raw = create_key(admin)["key"]
        key = ApiKey.objects.get()
        client = api_client(admin)

        listing = client.get(f"{API}/api-keys")
        detail = client.get(f"{API}/api-keys/{key.pk}")

        assert listing.status_code == 200
        assert detail.status_code == 200
        assert listing.json()["count"] == 1
        assert set(listing.json()["results"][0]) == KEY_FIELDS
        assert set(detail.json()) == KEY_FIELDS
        secret = raw.split("_", 2)[2]
        for response in (listing, detail):
            content = response.content.decode()
            assert raw not in content
            assert secret not in content
            assert key.key_hash not in content
            assert '"key"' not in content

    def test_the_raw_key_is_stored_nowhere(self, admin):
        """Only ``key_id`` and a keyed hash are stored: no column of any table holds the
        key or its secret part."""
        raw = create_key(admin)["key"]
        secret = raw.split("_", 2)[2]
        api_client(key=raw).get(f"{API}/account")  # a use writes too (last_used_at)

        assert tables_containing(raw) == []
        assert tables_containing(secret) == []
        assert ApiKey.objects.filter(key_hash=keyed_digest(raw)).count() == 1

    def test_no_endpoint_gives_the_key_back(self, admin):
        raw = create_key(admin)["key"]
        key = ApiKey.objects.get()
        client = api_client(admin)

        responses = [
            client.get(f"{API}/api-keys"),
            client.get(f"{API}/api-keys/{key.pk}"),
            client.post(f"{API}/api-keys/{key.pk}/revoke"),
            client.get(f"{API}/account"),
        ]

        for response in responses:
            assert response.status_code == 200
            assert raw not in response.content.decode()

    def test_an_api_key_cannot_create_keys(self, account):
        _, raw = ApiKeyFactory(account=account)
        client = api_client(key=raw)
        client.get(f"{API}/account")  # records the use first, so only the POST is compared
        before = snapshot()

        response = client.post(f"{API}/api-keys", {"name": "sneaky"}, format="json")

        assert_error(response, 403, "permission_denied")
        assert snapshot() == before


class TestUse:
    @pytest.mark.parametrize("scheme", ["Bearer", "Api-Key", "bearer", "API-KEY"])
    def test_the_key_authenticates_for_its_account(self, admin, account, scheme):
        raw = create_key(admin)["key"]

        response = api_client(key=raw, scheme=scheme).get(f"{API}/account")

        assert response.status_code == 200
        body = response.json()
        assert body["via"] == "api_key"
        assert body["account"] == {
            "id": account.pk,
            "domain": "acme",
            "name": "Acme Corp",
            "language": "en",
            "is_active": True,
        }
        assert body["is_admin"] is False
        assert body["is_developer"] is False
        assert body["rights"] == {}

    def test_a_use_updates_last_used_at(self, admin):
        raw = create_key(admin)["key"]
        key = ApiKey.objects.get()
        assert key.last_used_at is None

        api_client(key=raw).get(f"{API}/account")

        key.refresh_from_db()
        assert key.last_used_at is not None
        detail = api_client(admin).get(f"{API}/api-keys/{key.pk}").json()
        assert detail["last_used_at"] is not None

    def test_the_key_ignores_the_account_header(self, account, other_account, outsider):
        _, raw = ApiKeyFactory(account=account)

        response = api_client(key=raw).get(f"{API}/account", headers={"X-Account": "globex"})

        assert response.status_code == 200
        assert response.json()["account"]["domain"] == "acme"

    def test_a_revoked_key_is_refused(self, admin):
        raw = create_key(admin)["key"]
        key = ApiKey.objects.get()
        api_client(admin).post(f"{API}/api-keys/{key.pk}/revoke")

        response = api_client(key=raw).get(f"{API}/account")

        assert_error(response, 401, "authentication_failed")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'

    @pytest.mark.parametrize(
        "value",
        [
            "mpk_",
            "mpk_abc",
            "mpk_abc_",
            "mpk__secret",
            "mpk_ffffffffffff_notthesecret",
            "mpk_\u00e9\u00e9_x",
        ],
    )
    def test_a_malformed_or_unknown_key_is_refused(self, account, value):
        ApiKeyFactory(account=account)

        response = api_client(key=value).get(f"{API}/account")

        assert_error(response, 401, "authentication_failed")

    def test_a_known_key_id_with_a_wrong_secret_is_refused(self, account):
        key, _ = ApiKeyFactory(account=account)

        response = api_client(key=f"mpk_{key.key_id}_{'x' * 43}").get(f"{API}/account")

        assert_error(response, 401, "authentication_failed")
        key.refresh_from_db()
        assert key.last_used_at is None

    def test_keys_of_an_inactive_account_are_refused(self, account):
        _, raw = ApiKeyFactory(account=account)
        account.is_active = False
        account.save()

        for path in ("account", "api-keys", "jobs"):
            assert_error(api_client(key=raw).get(f"{API}/{path}"), 401, "authentication_failed")


class TestIsolation:
    def test_a_key_sees_only_its_own_accounts_keys_and_jobs(self, account, other_account):
        own, raw = ApiKeyFactory(account=account, name="own")
        theirs, _ = ApiKeyFactory(account=other_account, name="theirs")
        own_job = Job.objects.create(kind="system.diagnostic", account=account)
        their_job = Job.objects.create(
            kind="system.diagnostic", account=other_account, state=Job.State.FAILED
        )
        client = api_client(key=raw)
        client.get(f"{API}/account")
        before = snapshot()

        keys = client.get(f"{API}/api-keys").json()
        jobs = client.get(f"{API}/jobs").json()

        assert [k["id"] for k in keys["results"]] == [own.pk]
        assert [j["id"] for j in jobs["results"]] == [own_job.pk]
        assert_error(client.get(f"{API}/api-keys/{theirs.pk}"), 404, "not_found")
        assert_error(client.post(f"{API}/api-keys/{theirs.pk}/revoke"), 404, "not_found")
        assert_error(client.get(f"{API}/jobs/{their_job.pk}"), 404, "not_found")
        assert_error(client.post(f"{API}/jobs/{their_job.pk}/retry"), 404, "not_found")
        assert snapshot() == before


class TestRevoke:
    def test_an_api_key_can_list_and_revoke(self, account, admin):
        other, _ = ApiKeyFactory(account=account, name="other", created_by=admin)
        _, raw = ApiKeyFactory(account=account, name="automation")
        client = api_client(key=raw)

        listing = client.get(f"{API}/api-keys")
        revoked = client.post(f"{API}/api-keys/{other.pk}/revoke")

        assert listing.status_code == 200
        assert {k["name"] for k in listing.json()["results"]} == {"other", "automation"}
        assert revoked.status_code == 200
        assert revoked.json()["is_active"] is False
        assert revoked.json()["revoked_by"] is None
        other.refresh_from_db()
        assert other.revoked_at is not None
        assert other.revoked_by is None

    def test_a_key_that_revokes_itself_is_refused_from_then_on(self, account):
        key, raw = ApiKeyFactory(account=account)
        client = api_client(key=raw)

        assert client.post(f"{API}/api-keys/{key.pk}/revoke").status_code == 200
        assert_error(client.get(f"{API}/account"), 401, "authentication_failed")

    def test_revoking_twice_is_idempotent(self, account, admin):
        key, _ = ApiKeyFactory(account=account)
        client = api_client(admin)

        first = client.post(f"{API}/api-keys/{key.pk}/revoke")
        second = client.post(f"{API}/api-keys/{key.pk}/revoke")

        assert first.status_code == second.status_code == 200
        assert first.json() == second.json()
        assert first.json()["revoked_by"] == "admin@acme.test"
        assert first.json()["is_active"] is False
        key.refresh_from_db()
        assert key.revoked_by == admin
        assert ApiKey.objects.count() == 1

    def test_revoked_keys_stay_listed_as_inactive(self, account, admin):
        key, _ = ApiKeyFactory(account=account)
        client = api_client(admin)
        client.post(f"{API}/api-keys/{key.pk}/revoke")

        results = client.get(f"{API}/api-keys").json()["results"]

        assert [(k["id"], k["is_active"]) for k in results] == [(key.pk, False)]
