"""A fast keyed hasher for long random machine secrets.

OAuth client secrets and API keys are long random strings, so a slow key-derivation
function adds latency (about 0.6 s per token request with PBKDF2) and no security. An
HMAC-SHA256 keyed with a server-side pepper keeps a stolen database useless without the
pepper. It is never used for user passwords: it sits last in ``PASSWORD_HASHERS``.
"""

import hashlib
import hmac

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare

from apps.core.crypto import pepper


class HMACSHA256PepperHasher(BasePasswordHasher):
    algorithm = "hmac_sha256_pepper"

    def salt(self) -> str:
        return super().salt()[:16]

    def encode(self, password: str, salt: str) -> str:
        self._check_encode_args(password, salt)
        digest = hmac.new(pepper(), f"{salt}${password}".encode(), hashlib.sha256).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict[str, str]:
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded: str) -> dict[str, str]:
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"]),
            "hash": mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        return False

    def harden_runtime(self, password: str, encoded: str) -> None:
        return None
