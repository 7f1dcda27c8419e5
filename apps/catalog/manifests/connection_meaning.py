"""Stage 2 of manifest validation for the ``connection`` section: what its schema cannot
say. Sections that fit the type, unique parameter keys, the outside service's URLs, and
placeholders that name declared parameters and stay where they are safe.

Placeholders are never allowed in a URL's scheme, host or port (a parameter the admin
types must not choose where credentials go), nor anywhere in the OAuth endpoints (the
client secret travels to them); sensitive parameters never go into the authorize URL,
which passes through the admin's browser.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from apps.catalog.manifests.codes import ManifestError
from apps.catalog.manifests.connection import (
    ACCESS_TOKEN,
    RESERVED_KEYS,
    SENSITIVE_TYPES,
    placeholders,
    placeholders_fill,
)
from apps.catalog.manifests.problems import Problem, json_path, short
from apps.catalog.manifests.urls import url_problem

# The HTTP client sets these itself; a manifest may not.
FORBIDDEN_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer"}
)
_OAUTH2_URLS = ("authorize_url", "token_url", "refresh_url", "revoke_url")
Path = list[str | int]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _parameters(connection: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    items = connection.get("parameters")
    if not isinstance(items, list):
        return []
    return [(i, p) for i, p in enumerate(items) if isinstance(p, Mapping)]


def connection_problems(data: Mapping[str, Any]) -> Iterator[Problem]:
    """Every problem of ``data["connection"]`` the structure stage cannot see."""
    connection = data.get("connection")
    if not isinstance(connection, Mapping):
        return
    kind = connection.get("type")
    if kind not in ("none", "generic", "oauth2"):
        return  # reported by the structure stage
    yield from _sections(connection, kind)
    params = _parameters(connection)
    yield from _parameter_problems(params)
    keys = {p.get("key") for _, p in params if isinstance(p.get("key"), str)} - RESERVED_KEYS
    sensitive = {p["key"] for _, p in params if p.get("sensitive") is True and p.get("key")}
    oauth2 = _mapping(connection.get("oauth2"))
    for name in _OAUTH2_URLS:
        url = oauth2.get(name)
        if isinstance(url, str):
            yield from _fixed_url(["connection", "oauth2", name], url)
    for name, value in _mapping(oauth2.get("authorize_params")).items():
        if isinstance(value, str):
            where: Path = ["connection", "oauth2", "authorize_params", name]
            yield from _references(where, value, keys=keys, token=False)
            yield from _no_sensitive(where, value, sensitive)
    yield from _test_problems(_mapping(connection.get("test")), keys, token=kind == "oauth2")
    if "test" in connection and isinstance(data.get("connection_test_url"), str):
        yield Problem(
            json_path(["connection_test_url"]),
            ManifestError.FIELD_NOT_ALLOWED,
            "connection.test is declared: remove connection_test_url, its simple form.",
        )


def _sections(connection: Mapping[str, Any], kind: str) -> Iterator[Problem]:
    if kind == "oauth2" and "oauth2" not in connection:
        yield Problem(
            json_path(["connection", "oauth2"]),
            ManifestError.MISSING_FIELD,
            "An oauth2 connection needs the outside service's endpoints in oauth2.",
        )
    if kind != "oauth2" and "oauth2" in connection:
        yield Problem(
            json_path(["connection", "oauth2"]),
            ManifestError.FIELD_NOT_ALLOWED,
            f"Only an oauth2 connection has oauth2; this one is {short(kind)}.",
        )
    if kind == "none":
        for name in ("parameters", "test"):
            if name in connection:
                yield Problem(
                    json_path(["connection", name]),
                    ManifestError.FIELD_NOT_ALLOWED,
                    f"A connection of type none has no {name}: use generic or oauth2.",
                )


def _parameter_problems(params: list[tuple[int, Mapping[str, Any]]]) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for index, item in params:
        path: Path = ["connection", "parameters", index]
        key = item.get("key")
        if isinstance(key, str):
            if key in RESERVED_KEYS:
                yield Problem(
                    json_path([*path, "key"]),
                    ManifestError.RESERVED_KEY,
                    f"{short(key)} is filled by the platform; choose another key.",
                )
            elif key in first:
                yield Problem(
                    json_path([*path, "key"]),
                    ManifestError.DUPLICATE_KEY,
                    f"The parameter key {short(key)} is already used by "
                    f"parameters[{first[key]}]; each key must be unique.",
                )
            else:
                first[key] = index
        kind = item.get("type", "string")
        if "options" in item and kind != "select":
            yield Problem(
                json_path([*path, "options"]),
                ManifestError.FIELD_NOT_ALLOWED,
                f"Only select parameters have options; this one is {short(kind)}.",
            )
        if item.get("sensitive") is True and kind not in SENSITIVE_TYPES:
            yield Problem(
                json_path([*path, "sensitive"]),
                ManifestError.FIELD_NOT_ALLOWED,
                f"Only string and text parameters can be sensitive; this one is {short(kind)}.",
            )


def _authority_has_placeholder(url: str) -> bool:
    rest = url.split("://", 1)[1] if "://" in url else url
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return "{{" in url.split("://", 1)[0] or "{{" in authority


def _fixed_url(path: Path, url: str) -> Iterator[Problem]:
    if placeholders(url):
        yield Problem(
            json_path(path),
            ManifestError.PLACEHOLDER_NOT_ALLOWED,
            "The outside service's OAuth URLs are fixed: they receive the app's client "
            "secret, so no {{placeholder}} is allowed in them.",
        )
        return
    if url:
        problem = url_problem(url, redirect=False)
        if problem:
            yield Problem(json_path(path), problem[0], problem[1])


def _references(path: Path, text: str, *, keys: set[Any], token: bool) -> Iterator[Problem]:
    for name in placeholders(text):
        if name == ACCESS_TOKEN and token:
            continue
        if name == ACCESS_TOKEN:
            yield Problem(
                json_path(path),
                ManifestError.PLACEHOLDER_NOT_ALLOWED,
                "{{access_token}} exists only in the test of an oauth2 connection.",
            )
        elif name not in keys:
            known = ", ".join(sorted(str(k) for k in keys)) or "none declared"
            yield Problem(
                json_path(path),
                ManifestError.UNKNOWN_PLACEHOLDER,
                f"{{{{{name}}}}} names no parameter of the connection (parameters: {known}).",
            )


def _no_sensitive(path: Path, text: str, sensitive: set[Any]) -> Iterator[Problem]:
    for name in placeholders(text):
        if name in sensitive:
            yield Problem(
                json_path(path),
                ManifestError.SENSITIVE_NOT_ALLOWED,
                f"{{{{{name}}}}} is sensitive: the authorize URL passes through the admin's "
                "browser, so it cannot carry it.",
            )


def _test_problems(test: Mapping[str, Any], keys: set[Any], *, token: bool) -> Iterator[Problem]:
    url = test.get("url")
    if isinstance(url, str) and url:
        where: Path = ["connection", "test", "url"]
        yield from _references(where, url, keys=keys, token=token)
        if _authority_has_placeholder(url):
            yield Problem(
                json_path(where),
                ManifestError.PLACEHOLDER_NOT_ALLOWED,
                "A {{placeholder}} may be used in the path and query only, not in the "
                "scheme, host or port: an admin's value must not choose where the "
                "credentials are sent.",
            )
        else:
            problem = url_problem(placeholders_fill(url, {}), redirect=False)
            if problem:
                yield Problem(json_path(where), problem[0], problem[1])
    for name, value in _mapping(test.get("headers")).items():
        where = ["connection", "test", "headers", name]
        if isinstance(name, str) and name.lower() in FORBIDDEN_HEADERS:
            yield Problem(
                json_path(where),
                ManifestError.FORBIDDEN_HEADER,
                f"The platform sets {name} itself; remove it.",
            )
        if isinstance(value, str):
            yield from _references(where, value, keys=keys, token=token)
