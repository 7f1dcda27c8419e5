"""The ``connection`` section of a manifest as typed values, its placeholders, and what
changed in it between two versions.

A connection is how an installation reaches an outside service: ``none``; ``generic``
(parameters an admin fills in, e.g. an API key); or ``oauth2`` (the platform is the
OAuth client of the outside service and keeps the tokens). ``test`` is the request that
proves the credentials work. Pure: no ORM, no request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

CONNECTION_TYPES = ("none", "generic", "oauth2")
PARAMETER_TYPES = ("string", "text", "number", "boolean", "select")
SENSITIVE_TYPES = ("string", "text")
TEST_METHODS = ("GET", "HEAD", "POST")
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
# Filled by the platform, never by a parameter of that name.
ACCESS_TOKEN = "access_token"
RESERVED_KEYS = frozenset({ACCESS_TOKEN})
# The outside service's URLs: a change means the stored authorization is for another
# service, so the admin connects again.
SERVICE_URLS = ("authorize_url", "token_url", "refresh_url", "revoke_url")

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.-]*)\s*\}\}")


def placeholders(text: str) -> list[str]:
    """The names ``{{name}}`` placeholders in ``text`` refer to, in order."""
    return PLACEHOLDER.findall(text)


def placeholders_fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every ``{{name}}`` replaced by ``values[name]`` (empty when absent)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text)


@dataclass(frozen=True)
class ParameterOption:
    value: str
    label: str


@dataclass(frozen=True)
class ConnectionParameter:
    """A value the admin gives at install and may change later; ``sensitive`` ones are
    encrypted at rest, masked, and never sent back to a browser."""

    key: str
    label: str
    type: str = "string"
    help: str = ""
    required: bool = False
    sensitive: bool = False
    options: tuple[ParameterOption, ...] = ()


@dataclass(frozen=True)
class OAuth2Service:
    """The outside service's OAuth 2.0 endpoints. Its client id and secret are the
    developer's, set per app in the Developer Console, never in a manifest."""

    authorize_url: str
    token_url: str
    refresh_url: str | None = None
    revoke_url: str | None = None
    scopes: tuple[str, ...] = ()
    authorize_params: tuple[tuple[str, str], ...] = ()
    pkce: bool = True
    token_auth: str = "client_secret_basic"

    @property
    def token_refresh_url(self) -> str:
        return self.refresh_url or self.token_url


@dataclass(frozen=True)
class ConnectionTest:
    """The request that proves the stored credentials work; ``expect_status`` empty
    means any 2xx."""

    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    expect_status: tuple[int, ...] = ()

    def passes(self, status: int) -> bool:
        return status in self.expect_status if self.expect_status else 200 <= status < 300


@dataclass(frozen=True)
class Connection:
    type: str = "none"
    parameters: tuple[ConnectionParameter, ...] = ()
    oauth2: OAuth2Service | None = None
    test: ConnectionTest | None = None

    @property
    def sensitive_keys(self) -> frozenset[str]:
        return frozenset(p.key for p in self.parameters if p.sensitive)


def connection_from_data(data: Mapping[str, Any] | None, *, test_url: str | None) -> Connection:
    """The connection of valid manifest data; ``test_url`` is the top-level
    ``connection_test_url``, the simple form of ``test`` (a GET that answers 2xx)."""
    data = data or {}
    oauth2 = data.get("oauth2")
    test = data.get("test")
    return Connection(
        type=data.get("type", "none"),
        parameters=tuple(
            ConnectionParameter(
                key=p["key"],
                label=p["label"],
                type=p.get("type", "string"),
                help=p.get("help", ""),
                required=p.get("required", False),
                sensitive=p.get("sensitive", False),
                options=tuple(
                    ParameterOption(o["value"], o["label"]) for o in p.get("options", ())
                ),
            )
            for p in data.get("parameters", [])
        ),
        oauth2=_oauth2_from_data(oauth2) if oauth2 else None,
        test=_test_from_data(test) if test else _simple_test(test_url),
    )


def _simple_test(url: str | None) -> ConnectionTest | None:
    return ConnectionTest(url=url) if url else None


def _oauth2_from_data(data: Mapping[str, Any]) -> OAuth2Service:
    return OAuth2Service(
        authorize_url=data["authorize_url"],
        token_url=data["token_url"],
        refresh_url=data.get("refresh_url"),
        revoke_url=data.get("revoke_url"),
        scopes=tuple(data.get("scopes", [])),
        authorize_params=tuple(sorted(data.get("authorize_params", {}).items())),
        pkce=data.get("pkce", True),
        token_auth=data.get("token_auth", "client_secret_basic"),
    )


def _test_from_data(data: Mapping[str, Any]) -> ConnectionTest:
    return ConnectionTest(
        url=data["url"],
        method=data.get("method", "GET"),
        headers=tuple(sorted(data.get("headers", {}).items())),
        expect_status=tuple(data.get("expect_status", [])),
    )


# --- what changed between two versions --------------------------------------------------


def _as_data(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, tuple):
        return [_as_data(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _as_data(getattr(value, f.name)) for f in fields(value)}
    return value


@dataclass(frozen=True)
class ConnectionDiff:
    """``fields`` maps ``type``, ``oauth2.<field>`` and ``test`` to ``{"from", "to"}``;
    parameters are matched by key. ``needs_reconnect``: the stored authorization no
    longer fits (another type, another outside service, more outside scopes)."""

    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    parameters_added: tuple[str, ...] = ()
    parameters_removed: tuple[str, ...] = ()
    parameters_changed: tuple[str, ...] = ()
    needs_reconnect: bool = False

    @property
    def any(self) -> bool:
        return bool(
            self.fields
            or self.parameters_added
            or self.parameters_removed
            or self.parameters_changed
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "changes": self.fields,
            "parameters": {
                "added": list(self.parameters_added),
                "removed": list(self.parameters_removed),
                "changed": list(self.parameters_changed),
            },
            "needs_reconnect": self.needs_reconnect,
        }


def connection_diff(old: Connection, new: Connection) -> ConnectionDiff:
    changes: dict[str, dict[str, Any]] = {}
    if old.type != new.type:
        changes["type"] = {"from": old.type, "to": new.type}
    before = _as_data(old.oauth2) or {}
    after = _as_data(new.oauth2) or {}
    for name in sorted(before.keys() | after.keys()):
        if before.get(name) != after.get(name):
            changes[f"oauth2.{name}"] = {"from": before.get(name), "to": after.get(name)}
    if old.test != new.test:
        changes["test"] = {"from": _as_data(old.test), "to": _as_data(new.test)}
    old_params = {p.key: p for p in old.parameters}
    new_params = {p.key: p for p in new.parameters}
    more_scopes = bool(set(after.get("scopes") or ()) - set(before.get("scopes") or ()))
    reconnect = new.type == "oauth2" and (
        "type" in changes or any(f"oauth2.{u}" in changes for u in SERVICE_URLS) or more_scopes
    )
    return ConnectionDiff(
        fields=changes,
        parameters_added=tuple(sorted(new_params.keys() - old_params.keys())),
        parameters_removed=tuple(sorted(old_params.keys() - new_params.keys())),
        parameters_changed=tuple(
            sorted(k for k, p in new_params.items() if k in old_params and old_params[k] != p)
        ),
        needs_reconnect=reconnect,
    )
