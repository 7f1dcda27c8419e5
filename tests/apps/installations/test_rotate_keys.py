"""``manage.py rotate_encryption_keys``: secrets move to the first key, in batches, and
values under a key no longer configured are reported by id with exit code 1."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from apps.core.crypto import DecryptionFailed, decrypt, encrypt
from apps.installations.models import SettingValue
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db

OLD = "old-key-material-that-is-long-enough-0001"
NEW = "new-key-material-that-is-long-enough-0002"
LOST = "a-key-nobody-configured-any-longer-00003"


@pytest.fixture
def installation(account, other_account, admin):
    app = make_app(account=other_account)
    version = make_version(
        app=app,
        status="published",
        settings=[
            {"key": f"token_{n}", "level": "app", "type": "secret", "label": f"T{n}"}
            for n in range(5)
        ]
        + [{"key": "company_name", "level": "app", "type": "string", "label": "Company"}],
    )
    return make_installation(account=account, version=version, by_user=admin)


def _store(installation, key: str, secret: str, under: str) -> SettingValue:
    with override_settings(ENCRYPTION_KEYS=[under]):
        return SettingValue.objects.create(
            installation=installation, key=key, secret=encrypt(secret), secret_hint=secret[-4:]
        )


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_values_under_the_old_key_are_readable_with_only_the_new_key_after_rotation(
    installation,
):
    rows = [_store(installation, f"token_{n}", f"secret-{n}", OLD) for n in range(5)]
    plain = SettingValue.objects.create(installation=installation, key="company_name", value="A")
    updated_at = {r.pk: r.updated_at for r in rows}
    with override_settings(ENCRYPTION_KEYS=[NEW]), pytest.raises(DecryptionFailed):
        decrypt(rows[0].secret)
    with override_settings(ENCRYPTION_KEYS=[NEW, OLD]):
        out, err = _run("--batch-size", "2")
    assert out.strip() == "Rotated 5 secret setting value(s) to the first key."
    assert err == ""
    with override_settings(ENCRYPTION_KEYS=[NEW]):
        for n, row in enumerate(rows):
            row.refresh_from_db()
            assert decrypt(row.secret) == f"secret-{n}"
            assert row.updated_at == updated_at[row.pk]
    plain.refresh_from_db()
    assert plain.value == "A"
    assert plain.secret == ""


def test_running_twice_keeps_values_readable(installation):
    row = _store(installation, "token_0", "secret-0", OLD)
    with override_settings(ENCRYPTION_KEYS=[NEW, OLD]):
        _run()
        out, _err = _run()
    assert "Rotated 1 " in out
    with override_settings(ENCRYPTION_KEYS=[NEW]):
        row.refresh_from_db()
        assert decrypt(row.secret) == "secret-0"


def test_values_under_a_lost_key_are_reported_and_the_rest_rotated(installation):
    good = _store(installation, "token_0", "secret-0", OLD)
    lost = [_store(installation, f"token_{n}", "gone", LOST) for n in (1, 2)]
    lost_before = [r.secret for r in lost]
    with override_settings(ENCRYPTION_KEYS=[NEW, OLD]):
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError) as failure:
            call_command("rotate_encryption_keys", "--batch-size", "1", stdout=out, stderr=err)
    assert failure.value.returncode == 1
    assert "Rotated 1 " in out.getvalue()
    assert f"Failed 2: setting value id(s) {lost[0].pk}, {lost[1].pk}" in err.getvalue()
    with override_settings(ENCRYPTION_KEYS=[NEW]):
        good.refresh_from_db()
        assert decrypt(good.secret) == "secret-0"
    assert [SettingValue.objects.get(pk=r.pk).secret for r in lost] == lost_before


def test_nothing_to_rotate(db):
    out, _err = _run()
    assert out.strip() == "Rotated 0 secret setting value(s) to the first key."


def test_batch_size_must_be_positive(db):
    with pytest.raises(CommandError, match="--batch-size"):
        _run("--batch-size", "0")
