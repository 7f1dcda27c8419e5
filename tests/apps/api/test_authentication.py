"""The two ways into the API: an account API key, and the console session with CSRF."""

import pytest
from django.middleware.csrf import _get_new_csrf_string

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_revoke
from tests.apps.api.helpers import API, api_client, assert_error, snapshot
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db


class TestSessionCsrf:
    def test_unsafe_request_without_the_csrf_token_is_refused(self, admin):
        client = api_client(admin, csrf=True)
        before = snapshot()

        response = client.post(f"{API}/api-keys", {"name": "CI"}, format="json")

        error = assert_error(response, 403, "permission_denied")
        assert "CSRF" in error["message"]
        assert snapshot() == before
        assert ApiKey.objects.count() == 0

    def test_unsafe_request_with_the_csrf_token_passes(self, admin, settings):
        client = api_client(admin, csrf=True)
        token = _get_new_csrf_string()
        client.cookies[settings.CSRF_COOKIE_NAME] = token

        response = client.post(
            f"{API}/api-keys", {"name": "CI"}, format="json", headers={"X-CSRFToken": token}
        )

        assert response.status_code == 201
        assert ApiKey.objects.count() == 1

    def test_safe_request_needs_no_token(self, admin):
        response = api_client(admin, csrf=True).get(f"{API}/api-keys")

        assert response.status_code == 200

    def test_api_keys_need_no_csrf_token(self, account):
        key, raw = ApiKeyFactory(account=account)
        client = api_client(key=raw, csrf=True)

        response = client.post(f"{API}/api-keys/{key.pk}/revoke")

        assert response.status_code == 200
        key.refresh_from_db()
        assert key.revoked_at is not None


class TestAuthorizationHeader:
    @pytest.mark.parametrize(
        "header",
        [
            "Bearer some-oauth-token",
            "Basic dXNlcjpwYXNz",
            "Token mpk_abc_def",
            "mpk_abc_def",
            "Bearer",
            "",
        ],
    )
    def test_values_that_are_not_api_keys_are_left_alone(self, header, account):
        ApiKeyFactory(account=account)
        client = api_client()
        client.credentials(HTTP_AUTHORIZATION=header)

        response = client.get(f"{API}/account")

        assert_error(response, 401, "not_authenticated")

    def test_a_bad_api_key_wins_over_a_valid_session(self, admin, account):
        key, raw = ApiKeyFactory(account=account)
        api_key_revoke(key=key, revoked_by=None)

        response = api_client(admin, key=raw).get(f"{API}/account")

        assert_error(response, 401, "authentication_failed")

    def test_a_valid_api_key_wins_over_a_session(self, outsider, account):
        _, raw = ApiKeyFactory(account=account)

        body = api_client(outsider, key=raw).get(f"{API}/account").json()

        assert body["via"] == "api_key"
        assert body["account"]["domain"] == "acme"

    def test_surrounding_whitespace_is_ignored(self, account):
        _, raw = ApiKeyFactory(account=account)

        response = api_client(key=f"  {raw}  ").get(f"{API}/account")

        assert response.status_code == 200
