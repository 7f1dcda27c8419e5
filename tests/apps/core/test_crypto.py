"""Keyed digests of machine secrets."""

import hashlib
import hmac

from apps.core.crypto import keyed_digest, pepper


def test_pepper_is_the_setting_when_set(settings):
    settings.SECRET_PEPPER = "the-pepper"

    assert pepper() == b"the-pepper"


def test_pepper_derives_from_secret_key_when_unset(settings):
    settings.SECRET_PEPPER = ""

    expected = hmac.new(settings.SECRET_KEY.encode(), b"marketplace.pepper", hashlib.sha256)
    assert pepper() == expected.digest()
    assert settings.SECRET_KEY.encode() not in pepper()


def test_keyed_digest_depends_on_value_and_pepper(settings):
    settings.SECRET_PEPPER = "one"
    digest = keyed_digest("mpk_abc_secret")

    assert digest == hmac.new(b"one", b"mpk_abc_secret", hashlib.sha256).hexdigest()
    assert len(digest) == 64
    assert keyed_digest("mpk_abc_secret") == digest
    assert keyed_digest("mpk_abc_secreT") != digest
    settings.SECRET_PEPPER = "two"
    assert keyed_digest("mpk_abc_secret") != digest
