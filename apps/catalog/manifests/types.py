"""A manifest that passed validation, as typed, immutable values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apps.catalog.manifests.connection import Connection, connection_from_data
from apps.scopes.catalog import Level
from apps.scopes.policies import ScopeGrant


@dataclass(frozen=True)
class DeclaredScope:
    grant: ScopeGrant
    reason: str


@dataclass(frozen=True)
class Webhook:
    id: str
    event: str
    url: str


@dataclass(frozen=True)
class Embedding:
    id: str
    location: str
    code: str
    url: str
    title: str


@dataclass(frozen=True)
class SettingOption:
    value: str
    label: str


@dataclass(frozen=True)
class Setting:
    key: str
    level: str
    type: str
    label: str
    help: str = ""
    required: bool = False
    default: str | int | float | bool | None = None
    options: tuple[SettingOption, ...] = ()
    model: str | None = None


@dataclass(frozen=True)
class Manifest:
    version: str
    authorization: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[DeclaredScope, ...]
    effective_scopes: tuple[str, ...]
    webhooks: tuple[Webhook, ...] = ()
    embeddings: tuple[Embedding, ...] = ()
    settings: tuple[Setting, ...] = ()
    connection_test_url: str | None = None
    connection: Connection = field(default_factory=Connection)
    install_start_url: str | None = None
    manifest_version: int = 1
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def scope_reason(self, code: str) -> str:
        """The reasons given for ``code``, joined when it was declared more than once."""
        return " ".join(s.reason for s in self.scopes if s.grant.code == code)


def manifest_from_data(data: dict[str, Any], *, effective_scopes: tuple[str, ...]) -> Manifest:
    """Build a ``Manifest`` from data that passed validation."""
    return Manifest(
        manifest_version=data["manifest_version"],
        version=data["version"],
        authorization=data["authorization"],
        redirect_uris=tuple(data["redirect_uris"]),
        scopes=tuple(
            DeclaredScope(ScopeGrant(s["code"], Level(s["level"])), s["reason"])
            for s in data["scopes"]
        ),
        effective_scopes=effective_scopes,
        webhooks=tuple(Webhook(w["id"], w["event"], w["url"]) for w in data.get("webhooks", [])),
        embeddings=tuple(
            Embedding(e["id"], e["location"], e["code"], e["url"], e["title"])
            for e in data.get("embeddings", [])
        ),
        settings=tuple(
            Setting(
                key=s["key"],
                level=s["level"],
                type=s["type"],
                label=s["label"],
                help=s.get("help", ""),
                required=s.get("required", False),
                default=s.get("default"),
                options=tuple(SettingOption(o["value"], o["label"]) for o in s.get("options", [])),
                model=s.get("model"),
            )
            for s in data.get("settings", [])
        ),
        connection_test_url=data.get("connection_test_url"),
        connection=connection_from_data(
            data.get("connection"), test_url=data.get("connection_test_url")
        ),
        install_start_url=data.get("install_start_url"),
        data=data,
    )
