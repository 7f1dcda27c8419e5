"""The authorization server's issuer identifier (RFC 8414 §2, RFC 9207 §2).

One value names the marketplace to its apps: the ``issuer`` of the metadata document, the
base of the endpoint URLs it lists, and the ``iss`` of every authorization response,
success or error. It is the ``OAUTH_ISSUER`` setting (DOT's ``OIDC_ISS_ENDPOINT``), never
the request's Host header, which whoever sends the request chooses. Production refuses to
start without it (``marketplace.settings.production``); on a laptop or in the tests, where
it may be unset, it is derived from the request.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.settings import oauth2_settings


def oauth_issuer(request: Any) -> str:
    """The issuer identifier: ``OAUTH_ISSUER`` when set, else (laptop, tests) the base URL
    of the request. The same value as the metadata's ``issuer``."""
    return str(oauth2_settings.oauth2_authorization_server_issuer(request))
