"""Manifest check page: developers paste or upload a manifest and read every problem."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.models import ApiKey
from apps.jobs.models import Job
from tests.console.conftest import login_url

URL = reverse("console:developer:manifest-check")

VALID = {
    "manifest_version": 1,
    "version": "1.0.0",
    "authorization": "account",
    "redirect_uris": ["https://app.example.com/cb"],
    "scopes": [
        {"code": "crm.accounts", "level": "read", "reason": "Shows the customer."},
        {"code": "crm", "level": "read", "reason": "Reads deals."},
    ],
}


def _rows() -> tuple[int, int]:
    return ApiKey.objects.count(), Job.objects.count()


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client_for, db):
        for method in ("get", "post"):
            response = getattr(client_for(None), method)(URL)

            assert response.status_code == 302
            assert response.url == login_url(URL)

    @pytest.mark.parametrize("persona", ["member", "admin", "outsider"])
    def test_member_without_the_developer_right_is_refused(self, client_for, request, persona):
        user = request.getfixturevalue(persona)
        before = _rows()

        for response in (
            client_for(user).get(URL),
            client_for(user).post(URL, {"manifest": json.dumps(VALID)}),
        ):
            assert response.status_code == 403
            assert "developer right" in response.content.decode()
        assert _rows() == before

    def test_user_without_an_account_gets_404(self, client_for, staff):
        assert client_for(staff).get(URL).status_code == 404

    def test_developer_opens_the_page(self, client_for, developer):
        response = client_for(developer).get(URL)

        assert response.status_code == 200
        assert "Check manifest" in response.content.decode()


class TestCheck:
    def test_a_valid_manifest_shows_effective_scopes_and_the_precedence_warning(
        self, client_for, developer
    ):
        before = _rows()

        response = client_for(developer).post(URL, {"manifest": json.dumps(VALID)})

        assert response.status_code == 200
        check = response.context["check"]
        assert check.valid
        assert [row["scope"] for row in response.context["effective"]] == ["crm:read"]
        html = response.content.decode()
        assert 'id="manifest-valid"' in html
        assert "View everything in the CRM" in html
        assert "Reason: Reads deals." in html
        assert "scope_overridden_by_module" in html
        assert "$.scopes[0]" in html
        assert _rows() == before

    def test_every_problem_is_shown_with_its_path_and_code(self, client_for, developer):
        broken = {**VALID, "version": "1.0", "authorization": "team", "scopes": [{"code": "crm"}]}

        response = client_for(developer).post(URL, {"manifest": json.dumps(broken)})

        html = response.content.decode()
        assert "4 problems" in html
        for path, code in [
            ("$.version", "invalid_semver"),
            ("$.authorization", "invalid_choice"),
            ("$.scopes[0].level", "missing_field"),
            ("$.scopes[0].reason", "missing_field"),
        ]:
            assert path in html
            assert code in html
        assert json.dumps(broken) in response.context["form"]["manifest"].value()

    def test_a_yaml_file_can_be_uploaded(self, client_for, developer):
        upload = SimpleUploadedFile(
            "app.yaml",
            b"manifest_version: 1\nversion: '2.0.0'\nauthorization: user\n"
            b"redirect_uris: [http://localhost:8001/cb]\nscopes: []\n",
        )

        response = client_for(developer).post(URL, {"manifest_file": upload})

        assert response.context["check"].valid
        assert "asks for no scopes" in response.content.decode()

    def test_unreadable_text_is_a_problem_not_an_error_page(self, client_for, developer):
        response = client_for(developer).post(URL, {"manifest": "{not json"})

        assert response.status_code == 200
        assert [p.code for p in response.context["check"].errors] == ["invalid_json"]

    def test_nothing_to_check_is_a_form_error(self, client_for, developer):
        response = client_for(developer).post(URL, {"manifest": "   "})

        assert response.status_code == 200
        assert "Paste a manifest or choose a file." in response.content.decode()
        assert "check" not in response.context

    def test_an_oversized_file_is_refused_before_reading(self, client_for, developer):
        upload = SimpleUploadedFile("big.json", b" " * (256 * 1024 + 1))

        response = client_for(developer).post(URL, {"manifest_file": upload})

        assert "256 KB at most" in response.content.decode()
        assert "check" not in response.context
