"""App-level settings of an installed app: a form generated from the manifest, errors
by field with nothing saved, secrets never in a page, files served to admins."""

import io

import pytest

from apps.installations.models import Installation, SettingValue
from apps.installations.policies import MASK
from tests.console.conftest import login_url
from tests.console.installations.conftest import SECRET, snapshot, url

pytestmark = pytest.mark.django_db


def upload(name: str = "letterhead.pdf", content: bytes = b"%PDF-1.4 letterhead") -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def post(client, installation, **values):
    data = {f"setting-{key}": value for key, value in values.items()}
    return client.post(url("installation-settings", installation), data)


def stored(installation) -> dict:
    return {v.key: v for v in SettingValue.objects.filter(installation=installation, user=None)}


class TestAccess:
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_anonymous_signs_in_first(self, client_for, installation, method):
        before = snapshot(installation)
        target = url("installation-settings", installation)

        response = getattr(client_for(None), method)(target)

        assert response.status_code == 302
        assert response.url == login_url(target)
        assert snapshot(installation) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_an_outsider_gets_404(self, client_for, outsider, installation, method):
        before = snapshot(installation)

        response = getattr(client_for(outsider), method)(
            url("installation-settings", installation), {"setting-company_name": "Evil"}
        )

        assert response.status_code == 404
        assert snapshot(installation) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_member_without_admin_gets_403(self, client_for, member, installation, method):
        before = snapshot(installation)

        response = getattr(client_for(member), method)(
            url("installation-settings", installation), {"setting-company_name": "Evil"}
        )

        assert response.status_code == 403
        assert snapshot(installation) == before


def test_the_form_has_a_field_per_app_setting(client_for, admin, installation):
    response = client_for(admin).get(url("installation-settings", installation))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="setting-company_name"' in html and 'type="text"' in html
    assert '<textarea name="setting-footer"' in html
    assert 'type="number" name="setting-due_days" value="30"' in html
    assert 'type="checkbox" name="setting-send_copy"' in html
    assert '<option value="usd">US dollar</option>' in html
    assert "The id of a crm.account record" in html
    assert 'type="password" name="setting-api_token"' in html
    assert 'type="file" name="setting-letterhead"' in html
    # user-level settings are not on the app's form
    assert "setting-signature" not in html


def test_an_admin_saves_every_type(client_for, admin, installation):
    from apps.modules.models import CrmAccount

    customer = CrmAccount.objects.create(account=installation.account, name="Initech")
    client = client_for(admin)
    response = client.post(
        url("installation-settings", installation),
        {
            "setting-company_name": "Acme Corp",
            "setting-footer": "Thanks!\nPay soon.",
            "setting-due_days": "14",
            "setting-send_copy": "on",
            "setting-currency": "usd",
            "setting-default_account": str(customer.pk),
            "setting-api_token": SECRET,
            "setting-letterhead": upload(),
        },
    )

    assert response.status_code == 302
    assert response.url == url("installation-settings", installation)
    values = stored(installation)
    assert values["company_name"].value == "Acme Corp"
    assert values["footer"].value == "Thanks!\nPay soon."
    assert values["due_days"].value == 14
    assert values["send_copy"].value is True
    assert values["currency"].value == "usd"
    assert values["default_account"].value == customer.pk
    assert values["api_token"].secret and SECRET not in values["api_token"].secret
    assert values["letterhead"].file_name == "letterhead.pdf"
    page = client.get(response.url).content.decode()
    assert "Settings saved." in page
    assert SECRET not in page
    assert MASK + "WXYZ" in page
    assert "Leave empty to keep it." in page
    assert "letterhead.pdf" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("due_days", "thirty", "Enter a number"),
        ("currency", "gbp", "Choose one of: eur, usd."),
        ("company_name", "x" * 501, "Use at most 500 characters"),
        ("default_account", "-3", "Enter the id of a crm.account record"),
    ],
)
def test_a_bad_value_is_named_on_its_field_and_nothing_is_saved(
    client_for, admin, installation, field, value, message
):
    before = snapshot(installation)

    response = post(client_for(admin), installation, **{"company_name": "Acme", field: value})

    assert response.status_code == 200
    errors = response.context["form"].errors[f"setting-{field}"]
    assert any(message in e for e in errors), errors
    assert snapshot(installation) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("letterhead.exe", b"MZ", "Upload one of these file types"),
        ("letterhead.pdf", b"x" * (5 * 1024 * 1024 + 1), "upload at most 5 MB"),
    ],
)
def test_a_wrong_file_is_named_on_its_field_and_nothing_is_saved(
    client_for, admin, installation, name, content, message
):
    before = snapshot(installation)

    response = client_for(admin).post(
        url("installation-settings", installation),
        {"setting-company_name": "Acme", "setting-letterhead": upload(name, content)},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["setting-letterhead"]
    assert any(message in e for e in errors), errors
    assert snapshot(installation) == before


def test_a_secret_is_never_sent_back_even_with_errors(client_for, admin, installation):
    response = post(client_for(admin), installation, api_token=SECRET, due_days="nope")

    html = response.content.decode()
    assert response.status_code == 200
    assert SECRET not in html
    assert not SettingValue.objects.filter(installation=installation).exists()
    assert response.context["form"].errors["setting-api_token"] == [
        "Nothing was saved: type the secret again."
    ]


def test_an_empty_secret_keeps_the_stored_one(client_for, admin, installation):
    client = client_for(admin)
    post(client, installation, api_token=SECRET)
    kept = stored(installation)["api_token"].secret

    post(client, installation, api_token="", company_name="Acme")

    assert stored(installation)["api_token"].secret == kept


def test_an_optional_secret_can_be_removed(client_for, admin, installation):
    client = client_for(admin)
    post(client, installation, api_token=SECRET)
    page = client.get(url("installation-settings", installation)).content.decode()
    assert 'name="setting-api_token-clear"' in page
    assert SECRET not in page

    client.post(url("installation-settings", installation), {"setting-api_token-clear": "on"})

    assert "api_token" not in stored(installation)


def test_a_file_downloads_for_admins_and_can_be_removed(client_for, admin, member, installation):
    client = client_for(admin)
    client.post(
        url("installation-settings", installation),
        {"setting-letterhead": upload(content=b"%PDF-1.4 the letterhead")},
    )
    file_url = url("installation-file", installation, key="letterhead")
    assert file_url in client.get(url("installation-settings", installation)).content.decode()

    response = client.get(file_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 the letterhead"
    assert response["Content-Disposition"].startswith('attachment; filename="letterhead.pdf"')
    assert client_for(member).get(file_url).status_code == 403
    assert client_for(None).get(file_url).status_code == 302

    client.post(url("installation-settings", installation), {"setting-letterhead-clear": "on"})
    assert "letterhead" not in stored(installation)
    assert client.get(file_url).status_code == 404


def test_an_outsider_cannot_download_a_file(client_for, admin, outsider, installation):
    client_for(admin).post(
        url("installation-settings", installation), {"setting-letterhead": upload()}
    )

    response = client_for(outsider).get(url("installation-file", installation, key="letterhead"))

    assert response.status_code == 404


def test_while_uninstalling_nothing_changes(client_for, admin, installation):
    Installation.objects.filter(pk=installation.pk).update(status="uninstalling")
    before = snapshot(installation)

    response = post(client_for(admin), installation, company_name="Changed")

    assert response.status_code == 302
    assert response.url == url("installation-detail", installation)
    assert snapshot(installation) == before
