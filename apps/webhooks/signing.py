"""Signing deliveries to the Standard Webhooks specification.

Every attempt carries ``webhook-id`` (the delivery's, the same on every retry and
replay), ``webhook-timestamp`` (the attempt's, in seconds) and ``webhook-signature``: a
space-separated list of

- ``v1,<base64 HMAC-SHA256>`` of ``"{id}.{timestamp}.{body}"`` under each of the app's
  live ``whsec_`` secrets (two during a rotation's overlap), and
- ``v1a,<base64 ed25519>`` of the same bytes under the platform's key, whose public
  part (``whpk_...``) is published, so a receiver can verify with no shared secret.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SECRET_PREFIX = "whsec_"
PRIVATE_KEY_PREFIX = "whsk_"
PUBLIC_KEY_PREFIX = "whpk_"


def secret_generate() -> str:
    """A new ``whsec_`` secret: 32 random bytes, base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signed_content(*, msg_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + body


def hmac_signature(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64>``: the symmetric signature under one ``whsec_`` secret."""
    digest = hmac.new(
        _secret_bytes(secret),
        signed_content(msg_id=msg_id, timestamp=timestamp, body=body),
        hashlib.sha256,
    ).digest()
    return "v1," + base64.b64encode(digest).decode()


@functools.cache
def _platform_key(configured: str, secret_key: str) -> Ed25519PrivateKey:
    if configured:
        try:
            seed = base64.b64decode(configured.removeprefix(PRIVATE_KEY_PREFIX), validate=True)
        except ValueError:
            seed = b""
        if len(seed) != 32:
            raise ImproperlyConfigured(
                "WEBHOOK_SIGNING_KEY must be whsk_ followed by the base64 of 32 random bytes."
            )
    else:
        seed = hmac.new(secret_key.encode(), b"marketplace.webhooks.ed25519", "sha256").digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def platform_key() -> Ed25519PrivateKey:
    """The platform's ed25519 key: ``WEBHOOK_SIGNING_KEY``, else derived from
    ``SECRET_KEY`` (a laptop and the tests need no configuration; the production settings
    refuse to start without the key)."""
    return _platform_key(settings.WEBHOOK_SIGNING_KEY, settings.SECRET_KEY)


def platform_public_key() -> str:
    """The public part receivers verify ``v1a`` signatures with: ``whpk_`` + base64 of
    the raw 32-byte key."""
    raw = platform_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PUBLIC_KEY_PREFIX + base64.b64encode(raw).decode()


def ed25519_signature(*, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1a,<base64>``: the platform's asymmetric signature."""
    signature = platform_key().sign(signed_content(msg_id=msg_id, timestamp=timestamp, body=body))
    return "v1a," + base64.b64encode(signature).decode()


def signature_headers(
    *, msg_id: str, timestamp: int, body: bytes, app_secrets: Iterable[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    signatures = [
        hmac_signature(secret=s, msg_id=msg_id, timestamp=timestamp, body=body) for s in app_secrets
    ]
    signatures.append(ed25519_signature(msg_id=msg_id, timestamp=timestamp, body=body))
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
    }
