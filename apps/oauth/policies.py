"""Pure rules of the authorization server: no ORM, no request."""

from __future__ import annotations

import re

# RFC 7636 §4.2: code_challenge = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." /
# "_" / "~". An S256 challenge, BASE64URL(SHA256(verifier)) without padding, is 43 of them.
_CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def pkce_challenge_problem(*, challenge: str | None, method: str | None) -> str | None:
    """Why an authorization request's PKCE parameters are refused (an
    ``error_description``), or ``None`` when they may be used: no challenge at all, or an
    S256 challenge of 43 to 128 unreserved characters.

    Guarantees that no code is issued for a challenge that no verifier could ever match
    (RFC 7636 §4.2, §4.4.1), nor with the ``plain`` method (RFC 9700 §2.1.1).
    """
    if not challenge:
        return None
    if method != "S256":
        # oauthlib reads a challenge without a method as "plain" (RFC 7636 §4.3).
        return f'Unsupported "{method or "plain"}" code_challenge_method; use "S256".'
    if not _CHALLENGE.fullmatch(challenge):
        return (
            "code_challenge must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' "
            "and '~': BASE64URL(SHA256(code_verifier)) without padding."
        )
    return None
