"""Keyed hashing helpers for machine secrets."""

import hashlib
import hmac

from django.conf import settings


def pepper() -> bytes:
    """The server-side key for hashes of machine secrets.

    ``SECRET_PEPPER`` when set (production requires it), else a key derived from
    ``SECRET_KEY`` so a laptop needs no extra configuration.
    """
    configured: str = settings.SECRET_PEPPER
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"marketplace.pepper", hashlib.sha256).digest()


def keyed_digest(value: str) -> str:
    """HMAC-SHA256 of ``value`` under the pepper, hex: a lookup key that leaks nothing."""
    return hmac.new(pepper(), value.encode(), hashlib.sha256).hexdigest()
