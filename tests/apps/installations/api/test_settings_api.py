"""App-level and user-level settings through the API: values of every type, secrets that
never come back, files uploaded, downloaded and cleared, and errors by key."""

import json

import pytest

from apps.core.crypto import decrypt
from apps.installations.models import SettingValue
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.installations.api.helpers import snapshot, upload, url

pytestmark = pytest.mark.django_db

SECRET = "tok_live_9f8e7d6c5b4a3210abcd"


def _patch(client, installation, values, suffix="/settings", **extra):
    return client.patch(url(installation, suffix), {"values": values, **extra}, format="json")


def _by_key(body):
    return {row["key"]: row for row in body}


def test_get_lists_app_settings_with_defaults(admin, installation):
    body = api_client(admin).get(url(installation, "/settings")).json()
    assert [row["key"] for row in body] == [
        "company_name",
        "notes",
        "payment_days",
        "send_copies",
        "currency",
        "default_customer",
        "api_token",
        "letterhead",
    ]
    rows = _by_key(body)
    assert rows["company_name"] == {
        "key": "company_name",
        "type": "string",
        "label": "Company name",
        "help": "",
        "required": True,
        "options": [],
        "value": None,
        "is_set": False,
        "file": None,
    }
    assert rows["payment_days"]["value"] == 30
    assert rows["currency"]["options"] == [
        {"value": "EUR", "label": "Euro"},
        {"value": "USD", "label": "US dollar"},
    ]
    assert rows["api_token"]["value"] == {"is_set": False, "masked": ""}


def test_patch_saves_every_type(admin, installation):
    from apps.modules.models import CrmAccount

    customer = CrmAccount.objects.create(account=installation.account, name="Initech")
    values = {
        "company_name": "  Acme Corp  ",
        "notes": "Line one\r\nLine two",
        "payment_days": "45",
        "send_copies": True,
        "currency": "USD",
        "default_customer": customer.pk,
        "api_token": SECRET,
    }
    response = _patch(api_client(admin), installation, values)
    assert response.status_code == 200, response.content
    rows = _by_key(response.json())
    assert rows["company_name"]["value"] == "Acme Corp"
    assert rows["notes"]["value"] == "Line one\nLine two"
    assert rows["payment_days"]["value"] == 45
    assert rows["send_copies"]["value"] is True
    assert rows["currency"]["value"] == "USD"
    assert rows["default_customer"]["value"] == customer.pk
    assert rows["api_token"]["value"] == {"is_set": True, "masked": "••••••••abcd"}
    stored = SettingValue.objects.get(installation=installation, key="api_token", user=None)
    assert stored.secret != SECRET
    assert decrypt(stored.secret) == SECRET


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("company_name", "two\nlines"),
        ("company_name", "x" * 501),
        ("company_name", ""),
        ("company_name", 12),
        ("notes", "x" * 10_001),
        ("payment_days", "thirty"),
        ("payment_days", True),
        ("payment_days", "1e20"),
        ("send_copies", "maybe"),
        ("currency", "GBP"),
        ("default_customer", "abc"),
        ("default_customer", 0),
        ("api_token", "••••••••"),
        ("api_token", 1234),
        ("letterhead", "not a file"),
        ("unknown_key", "x"),
        ("signature", "a user-level key at the app level"),
    ],
)
def test_invalid_values_are_refused_by_key_and_nothing_is_saved(admin, installation, key, value):
    client = api_client(admin)
    _patch(client, installation, {"company_name": "Acme"})
    before = snapshot()
    values = {"notes": "would be saved if the whole request were valid", key: value}
    response = _patch(client, installation, values)
    assert_error(response, 400, "invalid", fields={key})
    assert snapshot() == before


def test_a_required_setting_must_be_given_once(admin, installation):
    before = snapshot()
    response = _patch(api_client(admin), installation, {"notes": "x"})
    assert_error(response, 400, "invalid", fields={"company_name"})
    assert snapshot() == before


def test_several_errors_come_back_at_once(admin, installation):
    response = _patch(
        api_client(admin), installation, {"company_name": "Acme", "currency": "X", "nope": 1}
    )
    assert_error(response, 400, "invalid", fields={"currency", "nope"})


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"values": ["company_name"]}, {"values"}),
        ({"values": {}, "clear": "letterhead"}, {"clear"}),
        ({"values": {}, "extra": 1}, {"extra"}),
        (["values"], {"non_field_errors"}),
    ],
)
def test_malformed_bodies_name_the_field(admin, installation, body, fields):
    before = snapshot()
    response = api_client(admin).patch(url(installation, "/settings"), body, format="json")
    assert_error(response, 400, "invalid", fields=fields)
    assert snapshot() == before


def test_invalid_json_is_a_parse_error(admin, installation):
    response = api_client(admin).patch(
        url(installation, "/settings"), data="{", content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_an_empty_secret_keeps_the_stored_one(admin, installation):
    client = api_client(admin)
    _patch(client, installation, {"company_name": "Acme", "api_token": SECRET})
    response = _patch(client, installation, {"api_token": ""})
    assert response.status_code == 200
    stored = SettingValue.objects.get(installation=installation, key="api_token")
    assert decrypt(stored.secret) == SECRET


def test_secrets_never_appear_in_any_response(admin, account_key, installation):
    client = api_client(admin)
    responses = [
        _patch(client, installation, {"company_name": "Acme", "api_token": SECRET}),
        client.patch(
            url(installation, "/users/me/settings"),
            {"values": {"personal_token": SECRET + "-user"}},
            format="json",
        ),
        client.get(url(installation, "/settings")),
        client.get(url(installation, "/users/me/settings")),
        client.get(url(installation)),
        client.get(f"{API}/installations"),
        client.get(url(installation, "/history")),
        api_client(key=account_key).get(url(installation, f"/users/{admin.pk}/settings")),
    ]
    for response in responses:
        assert response.status_code == 200, response.content
        text = response.content.decode()
        assert SECRET not in text
        assert SECRET[:-4] not in text
    stored = SettingValue.objects.filter(key__in=["api_token", "personal_token"])
    assert stored.count() == 2
    assert all(row.secret not in text for row in stored)


# --- files -----------------------------------------------------------------------------------


def test_multipart_uploads_a_file_with_values_and_downloads_it(admin, installation):
    client = api_client(admin)
    response = client.patch(
        url(installation, "/settings"),
        {"company_name": "Acme", "send_copies": "true", "letterhead": upload()},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    rows = _by_key(response.json())
    assert rows["send_copies"]["value"] is True
    file = rows["letterhead"]["file"]
    assert file["name"] == "letterhead.pdf"
    assert file["size"] == len(b"%PDF-1.4 letterhead")
    assert file["url"] == f"http://testserver{url(installation, '/settings/letterhead/file')}"
    assert rows["letterhead"]["value"] is None
    download = client.get(file["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 letterhead"
    assert download["Content-Type"] == "application/octet-stream"
    assert 'attachment; filename="letterhead.pdf"' in download["Content-Disposition"]


def test_clear_removes_a_stored_file(admin, installation):
    client = api_client(admin)
    client.patch(
        url(installation, "/settings"),
        {"company_name": "Acme", "letterhead": upload()},
        format="multipart",
    )
    response = client.patch(
        url(installation, "/settings"), {"clear": "letterhead"}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert _by_key(response.json())["letterhead"]["file"] is None
    assert not SettingValue.objects.filter(key="letterhead").exists()
    missing = client.get(url(installation, "/settings/letterhead/file"))
    assert_error(missing, 404, "not_found")


def test_clear_in_json(admin, installation):
    client = api_client(admin)
    client.patch(
        url(installation, "/settings"),
        {"company_name": "Acme", "letterhead": upload()},
        format="multipart",
    )
    response = _patch(client, installation, {}, clear=["letterhead"])
    assert response.status_code == 200, response.content
    assert not SettingValue.objects.filter(key="letterhead").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("macro.exe", b"MZ"), ("empty.pdf", b""), ("big.pdf", b"x" * (5 * 1024 * 1024 + 1))],
)
def test_refused_files_name_the_key(admin, installation, name, content):
    client = api_client(admin)
    _patch(client, installation, {"company_name": "Acme"})
    before = snapshot()
    response = client.patch(
        url(installation, "/settings"),
        {"notes": "x", "letterhead": upload(name, content)},
        format="multipart",
    )
    assert_error(response, 400, "invalid", fields={"letterhead"})
    assert snapshot() == before


def test_a_file_for_a_plain_setting_is_refused(admin, installation):
    response = api_client(admin).patch(
        url(installation, "/settings"),
        {"company_name": upload()},
        format="multipart",
    )
    assert_error(response, 400, "invalid", fields={"company_name"})


def test_a_file_of_a_key_that_is_not_a_file_setting_is_404(admin, installation):
    client = api_client(admin)
    _patch(client, installation, {"company_name": "Acme"})
    assert_error(client.get(url(installation, "/settings/company_name/file")), 404, "not_found")


# --- user level ------------------------------------------------------------------------------


def test_user_settings_are_per_user(admin, member, sales_role, installation):
    api_client(admin).put(
        url(installation, "/access"), {"roles": [sales_role.pk], "groups": []}, format="json"
    )
    mine = api_client(member)
    response = mine.patch(
        url(installation, "/users/me/settings"),
        {"values": {"signature": "Best, M."}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [row["key"] for row in response.json()] == ["signature", "personal_token", "avatar"]
    assert _by_key(response.json())["signature"]["value"] == "Best, M."
    theirs = api_client(admin).get(url(installation, f"/users/{member.pk}/settings")).json()
    assert _by_key(theirs)["signature"]["value"] == "Best, M."
    own = api_client(admin).get(url(installation, "/users/me/settings")).json()
    assert _by_key(own)["signature"]["value"] is None
    assert SettingValue.objects.get(key="signature").user == member


def test_admin_edits_a_members_settings_and_file(admin, member, installation):
    client = api_client(admin)
    response = client.patch(
        url(installation, f"/users/{member.pk}/settings"),
        {"signature": "Set by admin", "avatar": upload("me.png", b"\x89PNG")},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    avatar = _by_key(response.json())["avatar"]["file"]
    assert avatar["url"].endswith(url(installation, f"/users/{member.pk}/settings/avatar/file"))
    assert b"".join(client.get(avatar["url"]).streaming_content) == b"\x89PNG"
    # the member's own file is not the admin's
    assert_error(client.get(url(installation, "/users/me/settings/avatar/file")), 404, "not_found")


def test_an_app_level_key_at_the_user_level_is_refused(admin, installation):
    before = snapshot()
    response = api_client(admin).patch(
        url(installation, "/users/me/settings"),
        {"values": {"company_name": "Acme"}},
        format="json",
    )
    assert_error(response, 400, "invalid", fields={"company_name"})
    assert snapshot() == before


@pytest.mark.parametrize("ref", ["abc", "0", "999999"])
def test_an_unknown_user_is_404(admin, installation, ref):
    assert_error(
        api_client(admin).get(url(installation, f"/users/{ref}/settings")), 404, "not_found"
    )


def test_settings_of_an_uninstalling_app_cannot_change(admin, installation):
    client = api_client(admin)
    client.post(url(installation, "/uninstall"))
    before = snapshot()
    response = _patch(client, installation, {"company_name": "Acme"})
    assert_error(response, 409, "not_active")
    assert snapshot() == before
    assert json.loads(client.get(url(installation, "/settings")).content)
