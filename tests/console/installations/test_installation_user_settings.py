"""An admin opens a member's own settings of an installed app."""

import pytest

from apps.installations.models import SettingValue
from tests.console.conftest import login_url
from tests.console.installations.conftest import SECRET, snapshot, url

pytestmark = pytest.mark.django_db


def target(installation, user) -> str:
    return url("installation-user_settings", installation, user_id=user.pk)


class TestAccess:
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_anonymous_signs_in_first(self, client_for, installation, member, method):
        before = snapshot(installation)

        response = getattr(client_for(None), method)(target(installation, member))

        assert response.status_code == 302
        assert response.url == login_url(target(installation, member))
        assert snapshot(installation) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_an_outsider_gets_404(self, client_for, outsider, installation, member, method):
        before = snapshot(installation)

        response = getattr(client_for(outsider), method)(
            target(installation, member), {"setting-signature": "Evil"}
        )

        assert response.status_code == 404
        assert snapshot(installation) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_member_without_admin_gets_403_even_for_themselves(
        self, client_for, installation, member, method
    ):
        before = snapshot(installation)

        response = getattr(client_for(member), method)(
            target(installation, member), {"setting-signature": "Mine"}
        )

        assert response.status_code == 403
        assert snapshot(installation) == before


def test_an_admin_edits_a_members_settings(client_for, admin, member, installation):
    client = client_for(admin)
    page = client.get(target(installation, member))
    assert page.status_code == 200
    html = page.content.decode()
    assert "member@acme.test\N{RIGHT SINGLE QUOTATION MARK}s settings of Invoicer" in html
    assert 'name="setting-signature"' in html
    assert "setting-company_name" not in html

    response = client.post(
        target(installation, member), {"setting-signature": "Best, M.", "setting-my_token": SECRET}
    )

    assert response.status_code == 302
    row = SettingValue.objects.get(installation=installation, user=member, key="signature")
    assert row.value == "Best, M."
    assert row.updated_by == admin
    again = client.get(target(installation, member)).content.decode()
    assert SECRET not in again
    assert "Leave empty to keep it." in again
