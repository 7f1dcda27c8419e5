"""Keyed hashing of machine secrets, and encryption at rest with key rotation."""

import hashlib
import hmac
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet


def pepper() -> bytes:
    """The server-side key for hashes of machine secrets.

    ``SECRET_PEPPER`` when set (production requires it), else a key derived from
    ``SECRET_KEY`` so a laptop needs no extra configuration.
    """
    configured: str = settings.SECRET_PEPPER
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"marketplace.pepper", hashlib.sha256).digest()


# The HMAC keyed with the pepper, before any message (copied for each digest): every app
# request hashes its token with it. Forgotten when SECRET_PEPPER or SECRET_KEY changes
# (``forget_keyed_digest``, on Django's ``setting_changed``), so a request reads no
# setting for it.
_keyed: "hmac.HMAC | None" = None


def keyed_digest(value: str) -> str:
    """HMAC-SHA256 of ``value`` under the pepper, hex: a lookup key that leaks nothing."""
    global _keyed
    if _keyed is None:
        _keyed = hmac.new(pepper(), digestmod=hashlib.sha256)
    keyed = _keyed.copy()
    keyed.update(value.encode())
    return keyed.hexdigest()


def forget_keyed_digest(*, setting: str, **kwargs: object) -> None:
    """Drop the keyed HMAC when a setting it derives from changes (tests, overrides)."""
    global _keyed
    if setting in ("SECRET_PEPPER", "SECRET_KEY"):
        _keyed = None


# --- encryption at rest (secret setting values) ---------------------------------------------


def _fernet_key(material: str) -> bytes:
    """A Fernet key from ``material``: used as is when it already is one (44 url-safe
    base64 characters), else derived with SHA-256 so any long random string works."""
    import base64

    raw = material.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32 and len(raw) == 44:
            return raw
    except ValueError:
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest())


def _encryptor() -> "MultiFernet":
    from cryptography.fernet import Fernet, MultiFernet

    keys: list[str] = list(getattr(settings, "ENCRYPTION_KEYS", []) or [])
    if not keys:
        keys = [
            hmac.new(settings.SECRET_KEY.encode(), b"marketplace.encryption", "sha256").hexdigest()
        ]
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


class DecryptionFailed(ValueError):
    """A stored value was encrypted with a key that is no longer configured."""


def encrypt(plaintext: str) -> str:
    """Encrypt with the first of ``settings.ENCRYPTION_KEYS`` (authenticated, Fernet)."""
    return _encryptor().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt with any configured key; ``DecryptionFailed`` when none fits."""
    from cryptography.fernet import InvalidToken

    try:
        return _encryptor().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionFailed(
            "The value was encrypted with a key that is no longer in ENCRYPTION_KEYS."
        ) from exc


def reencrypt(token: str) -> str:
    """The same plaintext encrypted under the current first key (for key rotation)."""
    from cryptography.fernet import InvalidToken

    try:
        return _encryptor().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionFailed(
            "The value was encrypted with a key that is no longer in ENCRYPTION_KEYS."
        ) from exc
