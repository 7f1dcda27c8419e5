"""Pure rules of installations: setting values by type, file checks, consent splits,
who may use an app and where a version may be installed."""

from decimal import Decimal

import pytest

from apps.catalog.manifests.types import Setting, SettingOption
from apps.installations.policies import (
    ACCOUNT_DEACTIVATED,
    FILE_MAX_BYTES,
    MASK,
    NO_ACCESS,
    NO_LONGER_MEMBER,
    SECRET_MAX,
    STRING_MAX,
    TEXT_MAX,
    UNINSTALLED,
    CleanValue,
    SettingInvalid,
    consent_split,
    install_refusal,
    installation_unusable_reason,
    member_may_use_app,
    member_refusal,
    scopes_within,
    secret_hint,
    secret_masked,
    setting_file_problem,
    setting_value_clean,
)


def setting(type: str, required: bool = False, **extra) -> Setting:
    return Setting(key="k", level="app", type=type, label="K", required=required, **extra)


SELECT = setting(
    "select", options=(SettingOption("eu", "Europe"), SettingOption("us", "United States"))
)
REFERENCE = setting("reference", model="crm.account")


@pytest.mark.parametrize(
    ("definition", "raw", "expected"),
    [
        (setting("string"), "  Acme  ", CleanValue(value="Acme")),
        (setting("string"), "x" * STRING_MAX, CleanValue(value="x" * STRING_MAX)),
        (setting("text"), "line 1\r\nline 2", CleanValue(value="line 1\nline 2")),
        (setting("text"), "  kept  ", CleanValue(value="  kept  ")),
        (setting("number"), 30, CleanValue(value=30)),
        (setting("number"), "2,5", CleanValue(value=2.5)),
        (setting("number"), " 2.0 ", CleanValue(value=2)),
        (setting("number"), -7.25, CleanValue(value=-7.25)),
        (setting("boolean"), True, CleanValue(value=True)),
        (setting("boolean"), "on", CleanValue(value=True)),
        (setting("boolean"), "No", CleanValue(value=False)),
        (setting("boolean"), "0", CleanValue(value=False)),
        (SELECT, "us", CleanValue(value="us")),
        (REFERENCE, "42", CleanValue(value=42)),
        (REFERENCE, 7, CleanValue(value=7)),
        (setting("secret"), "s3cr3t", CleanValue(secret="s3cr3t")),
        (setting("secret"), " spaces kept ", CleanValue(secret=" spaces kept ")),
        (setting("string"), "", CleanValue(clear=True)),
        (setting("number"), None, CleanValue(clear=True)),
        (setting("secret", required=True), "", CleanValue(clear=True)),  # keep the stored one
    ],
)
def test_setting_value_clean_accepts(definition, raw, expected):
    assert setting_value_clean(definition, raw) == expected


@pytest.mark.parametrize(
    ("definition", "raw", "message"),
    [
        (setting("string", required=True), "  ", "This setting is required."),
        (setting("number", required=True), None, "This setting is required."),
        (setting("string"), 12, "Enter text."),
        (setting("string"), "two\nlines", "Enter a single line."),
        (setting("string"), "x" * (STRING_MAX + 1), f"Use at most {STRING_MAX} characters"),
        (setting("text"), "x" * (TEXT_MAX + 1), f"Use at most {TEXT_MAX} characters"),
        (setting("string"), "nul\x00", "Remove the NUL character."),
        (setting("number"), "abc", "Enter a number, e.g. 30 or 2.5."),
        (setting("number"), True, "Enter a number."),
        (setting("number"), [1], "Enter a number."),
        (setting("number"), "NaN", "Enter a finite number"),
        (setting("number"), "Infinity", "Enter a finite number"),
        (setting("number"), str(Decimal("1e15")), "Enter a finite number"),
        (setting("boolean"), "maybe", "Choose yes or no"),
        (setting("boolean"), 1, "Choose yes or no"),
        (SELECT, "asia", "Choose one of: eu, us."),
        (SELECT, ["eu"], "Choose one of: eu, us."),
        (REFERENCE, "abc", "Enter the id of a crm.account record (a whole number)."),
        (REFERENCE, 0, "(a positive whole number)"),
        (REFERENCE, True, "Enter the id of a crm.account record."),
        (setting("secret"), MASK, "Enter the new secret, or leave the field empty"),
        (setting("secret"), 5, "Enter the secret as text."),
        (setting("secret"), "x" * (SECRET_MAX + 1), f"Use at most {SECRET_MAX} characters."),
        (setting("secret"), "a\x00b", "Remove the NUL character."),
        (setting("file"), "name.pdf", "Upload a file for this setting."),
        (setting("color"), "red", "cannot be edited here"),
    ],
)
def test_setting_value_clean_refuses(definition, raw, message):
    with pytest.raises(SettingInvalid) as refused:
        setting_value_clean(definition, raw)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("name", "size", "problem"),
    [
        ("contract.pdf", 1024, None),
        ("LOGO.PNG", FILE_MAX_BYTES, None),
        ("photo.jpeg", 10, None),
        ("data.csv", 10, None),
        ("script.exe", 10, "Upload one of these file types"),
        ("no-extension", 10, "Upload one of these file types"),
        ("archive.pdf.zip", 10, "Upload one of these file types"),
        ("big.pdf", FILE_MAX_BYTES + 1, "upload at most 5 MB"),
        ("empty.pdf", 0, "The file is empty."),
    ],
)
def test_setting_file_problem(name, size, problem):
    result = setting_file_problem(name=name, size=size)
    if problem is None:
        assert result is None
    else:
        assert problem in result


def test_secret_hint_only_for_long_secrets():
    assert secret_hint("short-secret") == ""
    assert secret_hint("a-long-secret-value-1234") == "1234"
    assert secret_masked("") == MASK
    assert secret_masked("1234") == MASK + "1234"


@pytest.mark.parametrize(
    ("requested", "approved", "already", "new"),
    [
        (["crm.accounts:read"], None, (), ("crm.accounts:read",)),
        (["crm.accounts:read", "users:read"], [], (), ("crm.accounts:read", "users:read")),
        (["crm.accounts:read"], ["crm:full"], ("crm.accounts:read",), ()),
        (["crm.accounts:full"], ["crm.accounts:read"], (), ("crm.accounts:full",)),
        (
            ["crm.accounts:read", "crm.deals:read"],
            ["crm.accounts:read"],
            ("crm.accounts:read",),
            ("crm.deals:read",),
        ),
        # the same code at both levels counts once, at full
        (
            ["fin.invoices:read", "fin.invoices:full"],
            ["fin.invoices:full"],
            ("fin.invoices:full",),
            (),
        ),
        (["user.me:read"], ["users:read"], ("user.me:read",), ()),
    ],
)
def test_consent_split(requested, approved, already, new):
    split = consent_split(requested=requested, approved=approved)
    assert split.already_approved == already
    assert split.new == new
    assert split.asks_for_more is bool(new)


def test_scopes_within():
    assert scopes_within(["crm.accounts:read"], ["crm:read"])
    assert scopes_within([], [])
    assert not scopes_within(["crm.accounts:full"], ["crm:read"])
    assert not scopes_within(["users:read"], ["user.me:read"])


@pytest.mark.parametrize(
    ("app_type", "app_status", "version_status", "own", "link", "refusal"),
    [
        ("public", "active", "published", False, False, None),
        ("public", "active", "approved", False, False, "version_not_published"),
        ("public", "active", "draft", False, False, "version_not_published"),
        ("public", "active", "draft", True, False, None),
        ("public", "active", "submitted", False, True, None),
        ("private", "active", "published", False, False, "private_app"),
        ("private", "active", "published", False, True, None),
        ("private", "active", "draft", True, False, None),
        ("public", "active", "rejected", True, False, "version_not_installable"),
        ("public", "active", "rejected", False, True, "version_not_installable"),
        ("public", "inactive", "published", False, False, "app_inactive"),
        ("private", "inactive", "published", True, False, "app_inactive"),
    ],
)
def test_install_refusal(app_type, app_status, version_status, own, link, refusal):
    assert (
        install_refusal(
            app_type=app_type,
            app_status=app_status,
            version_status=version_status,
            own_account=own,
            via_link=link,
        )
        == refusal
    )


@pytest.mark.parametrize(
    ("app_type", "app_status", "version_status", "refusal"),
    [
        ("private", "active", "published", None),
        ("public", "active", "published", None),
        ("private", "active", "approved", "version_not_published"),
        ("private", "active", "draft", "version_not_published"),
        ("private", "inactive", "published", "app_inactive"),
        ("private", "active", "rejected", "version_not_installable"),
    ],
)
def test_an_installed_app_takes_its_published_versions_as_updates(
    app_type, app_status, version_status, refusal
):
    """An account that has a private app (it came through an install link) may update it
    to the app's published versions without a link."""
    assert (
        install_refusal(
            app_type=app_type,
            app_status=app_status,
            version_status=version_status,
            own_account=False,
            via_link=False,
            installed=True,
        )
        == refusal
    )


# --- the installation is usable; this member may use the app --------------------------------


@pytest.mark.parametrize(
    ("status", "account_is_active", "reason"),
    [
        ("active", True, None),
        ("uninstalling", True, UNINSTALLED),
        ("active", False, ACCOUNT_DEACTIVATED),
        ("uninstalling", False, UNINSTALLED),
    ],
)
def test_installation_unusable_reason(status, account_is_active, reason):
    assert (
        installation_unusable_reason(status=status, account_is_active=account_is_active) == reason
    )


@pytest.mark.parametrize(
    ("membership_account_id", "is_admin", "admitted", "allowed", "refusal"),
    [
        (1, True, False, True, None),  # admins always
        (1, False, True, True, None),  # a rule names their role or a group of theirs
        (1, False, False, False, NO_ACCESS),  # no rule: admins only
        (None, True, True, False, NO_LONGER_MEMBER),  # removed from the account
        (2, True, True, False, NO_LONGER_MEMBER),  # another account's member
    ],
)
def test_member_may_use_app(membership_account_id, is_admin, admitted, allowed, refusal):
    facts = {
        "membership_account_id": membership_account_id,
        "installation_account_id": 1,
        "is_admin": is_admin,
        "admitted_by_rule": admitted,
    }
    assert member_may_use_app(**facts) is allowed
    assert member_refusal(**facts) == refusal
