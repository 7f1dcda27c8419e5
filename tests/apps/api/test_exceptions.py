"""Every API error has one body: ``{"error": {"code", "message", "fields"}}``."""

import pytest

from apps.accounts.models import ApiKey
from tests.apps.api.helpers import API, api_client, assert_error, snapshot
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db


class TestValidation:
    @pytest.mark.parametrize(
        "payload, message",
        [
            ({"name": ""}, "This field may not be blank."),
            ({"name": "   "}, "This field may not be blank."),
            ({}, "This field is required."),
            ({"name": None}, "This field may not be null."),
            ({"name": "x" * 101}, "Ensure this field has no more than 100 characters."),
        ],
    )
    def test_bad_name_is_400_naming_name(self, admin, payload, message):
        response = api_client(admin).post(f"{API}/api-keys", payload, format="json")

        error = assert_error(response, 400, "invalid", fields={"name"})
        assert error["fields"]["name"] == [message]
        assert "name" in error["message"]
        assert ApiKey.objects.count() == 0

    def test_a_json_array_is_400_not_500(self, admin):
        response = api_client(admin).post(f"{API}/api-keys", ["CI"], format="json")

        assert_error(response, 400, "invalid", fields={"non_field_errors"})
        assert ApiKey.objects.count() == 0

    def test_malformed_json_is_a_parse_error(self, admin):
        response = api_client(admin).post(
            f"{API}/api-keys", '{"name": "CI"', content_type="application/json"
        )

        assert_error(response, 400, "parse_error")
        assert ApiKey.objects.count() == 0

    def test_form_encoded_body_is_415(self, admin):
        response = api_client(admin).post(
            f"{API}/api-keys", "name=CI", content_type="application/x-www-form-urlencoded"
        )

        error = assert_error(response, 415, "unsupported_media_type")
        assert "application/x-www-form-urlencoded" in error["message"]
        assert ApiKey.objects.count() == 0

    def test_multipart_body_is_415(self, admin):
        response = api_client(admin).post(f"{API}/api-keys", {"name": "CI"}, format="multipart")

        assert_error(response, 415, "unsupported_media_type")
        assert ApiKey.objects.count() == 0


class TestStatusCodes:
    def test_401(self, db):
        assert_error(api_client().get(f"{API}/api-keys"), 401, "not_authenticated")

    def test_403(self, member):
        assert_error(api_client(member).get(f"{API}/api-keys"), 403, "permission_denied")

    def test_404_from_a_view(self, admin):
        assert_error(api_client(admin).get(f"{API}/api-keys/999999"), 404, "not_found")

    @pytest.mark.parametrize(
        "path",
        [f"{API}/nope", f"{API}/api-keys/abc", f"{API}/api-keys/", "/api/v2/account", "/api/"],
    )
    def test_404_for_an_unknown_url_under_the_api(self, admin, path):
        response = api_client(admin).get(path)

        error = assert_error(response, 404, "not_found")
        assert path in error["message"]

    def test_404_outside_the_api_is_not_json(self, client, db):
        response = client.get("/no-such-page/")

        assert response.status_code == 404
        assert not response["Content-Type"].startswith("application/json")

    @pytest.mark.parametrize(
        "method, path",
        [
            ("delete", "/account"),
            ("put", "/account"),
            ("post", "/account"),
            ("delete", "/api-keys"),
            ("get", "/api-keys/{key}/revoke"),
            ("delete", "/jobs"),
        ],
    )
    def test_405(self, admin, account, method, path):
        key, _ = ApiKeyFactory(account=account)
        before = snapshot()

        response = getattr(api_client(admin), method)(API + path.format(key=key.pk))

        error = assert_error(response, 405, "method_not_allowed")
        assert method.upper() in error["message"]
        assert snapshot() == before

    def test_405_is_checked_after_authentication(self, db):
        assert_error(api_client().delete(f"{API}/account"), 401, "not_authenticated")

    def test_406_for_an_unacceptable_accept_header(self, admin):
        response = api_client(admin).get(f"{API}/account", headers={"Accept": "text/csv"})

        assert_error(response, 406, "not_acceptable")


class TestServerError:
    def test_unexpected_exception_is_500_without_a_traceback(self, admin, monkeypatch, caplog):
        def explode(**kwargs):
            raise RuntimeError("secret internal detail /srv/app/db.py line 42")

        monkeypatch.setattr("apps.accounts.api.views.api_key_list_for_account", explode)

        response = api_client(admin).get(f"{API}/api-keys")

        error = assert_error(response, 500, "server_error")
        content = response.content.decode()
        assert "Traceback" not in content
        assert "RuntimeError" not in content
        assert "secret internal detail" not in content
        assert "Something went wrong on our side" in error["message"]
        assert any(
            record.exc_info and record.exc_info[0] is RuntimeError for record in caplog.records
        )
