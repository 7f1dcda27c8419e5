"""The keyed fast hasher for machine secrets: verifies, depends on the pepper, and is
never the default for user passwords."""

import importlib

import pytest
from django.contrib.auth.hashers import (
    check_password,
    get_hasher,
    identify_hasher,
    make_password,
)

from apps.core.hashers import HMACSHA256PepperHasher

HASHER = "hmac_sha256_pepper"
DOTTED = "apps.core.hashers.HMACSHA256PepperHasher"
SECRET = "a-long-random-machine-secret-0123456789abcdef"


def test_make_password_verifies():
    encoded = make_password(SECRET, hasher=HASHER)

    assert encoded.startswith(f"{HASHER}$")
    assert SECRET not in encoded
    assert check_password(SECRET, encoded) is True
    assert check_password(SECRET + "x", encoded) is False
    assert check_password("", encoded) is False
    assert isinstance(identify_hasher(encoded), HMACSHA256PepperHasher)


def test_each_hash_has_its_own_salt():
    first, second = make_password(SECRET, hasher=HASHER), make_password(SECRET, hasher=HASHER)

    assert first != second
    assert check_password(SECRET, first) and check_password(SECRET, second)
    assert len(first.split("$")[1]) == 16


def test_a_different_pepper_does_not_verify(settings):
    settings.SECRET_PEPPER = "pepper-one"
    encoded = make_password(SECRET, hasher=HASHER)

    settings.SECRET_PEPPER = "pepper-two"
    assert check_password(SECRET, encoded) is False

    settings.SECRET_PEPPER = "pepper-one"
    assert check_password(SECRET, encoded) is True


def test_without_a_pepper_the_key_derives_from_secret_key(settings):
    settings.SECRET_PEPPER = ""
    encoded = make_password(SECRET, hasher=HASHER)

    assert check_password(SECRET, encoded) is True
    settings.SECRET_KEY = settings.SECRET_KEY + "-rotated"
    assert check_password(SECRET, encoded) is False


def test_summary_masks_salt_and_hash():
    encoded = make_password(SECRET, hasher=HASHER)
    _, salt, digest = encoded.split("$")

    summary = get_hasher(HASHER).safe_summary(encoded)

    assert summary["algorithm"] == HASHER
    assert salt not in summary["salt"]
    assert digest not in summary["hash"]


def test_never_asks_for_an_upgrade():
    assert get_hasher(HASHER).must_update(make_password(SECRET, hasher=HASHER)) is False


def test_it_is_not_the_default_password_hasher():
    base = importlib.import_module("marketplace.settings.base")

    assert base.PASSWORD_HASHERS[0] != DOTTED
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert base.PASSWORD_HASHERS[-1] == DOTTED
    assert base.OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"] == HASHER


@pytest.mark.django_db
def test_user_passwords_use_the_default_hasher_not_this_one(settings):
    from tests.factories import UserFactory

    user = UserFactory()

    assert not user.password.startswith(f"{HASHER}$")
    assert identify_hasher(user.password).algorithm == get_hasher("default").algorithm
    assert settings.PASSWORD_HASHERS[0] != DOTTED
