"""The signing keys as JOSE keys (joserfc): generation, loading, the published set."""

from __future__ import annotations

from typing import Any

from joserfc.jwk import ECKey

from apps.core.crypto import decrypt, encrypt

ALGORITHM = "ES256"
CURVE = "P-256"


def key_generate() -> tuple[str, str, dict[str, Any]]:
    """A new P-256 key: its ``kid`` (the RFC 7638 thumbprint), its private PEM encrypted
    for storage, and its public JWK as published."""
    key = ECKey.generate_key(CURVE, private=True)
    kid = key.thumbprint()
    public = {**key.as_dict(private=False), "kid": kid, "use": "sig", "alg": ALGORITHM}
    return kid, encrypt(key.as_pem(private=True).decode()), public


def key_load(encrypted_pem: str) -> ECKey:
    """The private key from its stored, encrypted PEM."""
    return ECKey.import_key(decrypt(encrypted_pem))
