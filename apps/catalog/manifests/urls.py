"""The one rule for URLs in a manifest: absolute http(s) with a host, https except for
localhost, no credentials, no fragment in a redirect URI."""

from __future__ import annotations

from urllib.parse import urlsplit

from apps.catalog.manifests.codes import ManifestError
from apps.catalog.manifests.problems import short

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def url_problem(value: str, *, redirect: bool) -> tuple[ManifestError, str] | None:
    example = "https://app.example.com/callback"
    if any(ch.isspace() for ch in value) or any(ord(ch) < 32 for ch in value):
        return ManifestError.INVALID_URL, "A URL must not contain spaces or control characters."
    try:
        parts = urlsplit(value)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return ManifestError.INVALID_URL, f"{short(value)} is not a valid URL, e.g. {example}."
    scheme = parts.scheme.lower()
    if port == 0:
        return ManifestError.INVALID_URL, "Port 0 is not a port a server can listen on."
    if scheme not in ("http", "https") or not host:
        return (
            ManifestError.INVALID_URL,
            f"{short(value)} is not an absolute http(s) URL with a host, e.g. {example}.",
        )
    if parts.username is not None or parts.password is not None:
        return ManifestError.INVALID_URL, "A URL must not carry a user name or password."
    if redirect and parts.fragment:
        return ManifestError.INVALID_URL, "A redirect URI must not have a #fragment."
    if scheme == "http" and not (host in _LOCAL_HOSTS or host.endswith(".localhost")):
        return (
            ManifestError.INSECURE_URL,
            f"Use https: plain http is allowed only for localhost, not for {host}.",
        )
    return None
