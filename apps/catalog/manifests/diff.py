"""What changed between two manifests: it decides re-consent, drives webhook
re-registration on update, and is what a moderator reads first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from apps.catalog.manifests.connection import ConnectionDiff, connection_diff
from apps.catalog.manifests.types import Embedding, Manifest, Setting, Webhook
from apps.scopes.catalog import Catalog
from apps.scopes.policies import ScopeDiff, scope_diff

T = TypeVar("T", Webhook, Embedding, Setting)


@dataclass(frozen=True)
class Change:
    """One item present in both manifests under the same id or key, with its changed
    fields as ``{field: {"from": old, "to": new}}``."""

    key: str
    fields: dict[str, dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.key, "changes": self.fields}


@dataclass(frozen=True)
class ItemDiff:
    added: tuple[Any, ...]
    removed: tuple[Any, ...]
    changed: tuple[Change, ...]

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": [_item_dict(item) for item in self.added],
            "removed": [_item_dict(item) for item in self.removed],
            "changed": [change.as_dict() for change in self.changed],
        }


@dataclass(frozen=True)
class ManifestDiff:
    old_version: str
    new_version: str
    scopes: ScopeDiff
    webhooks: ItemDiff
    embeddings: ItemDiff
    settings: ItemDiff
    other: dict[str, dict[str, Any]]
    connection: ConnectionDiff = field(default_factory=ConnectionDiff)

    @property
    def needs_consent(self) -> bool:
        """The new version reaches data the old one could not: admins must re-consent."""
        return self.scopes.needs_consent

    @property
    def changed(self) -> bool:
        return bool(
            self.scopes.changed
            or self.webhooks.any
            or self.embeddings.any
            or self.settings.any
            or self.other
            or self.connection.any
        )

    @property
    def needs_reconnect(self) -> bool:
        """The stored authorization of the outside service no longer fits: admins
        connect again after the update."""
        return self.connection.needs_reconnect

    def as_dict(self) -> dict[str, Any]:
        return {
            "from_version": self.old_version,
            "to_version": self.new_version,
            "needs_consent": self.needs_consent,
            "scopes": {
                "added": list(self.scopes.added),
                "removed": list(self.scopes.removed),
                "raised": [c.as_dict() for c in self.scopes.raised],
                "lowered": [c.as_dict() for c in self.scopes.lowered],
                "exceeding": list(self.scopes.exceeding),
            },
            "webhooks": self.webhooks.as_dict(),
            "embeddings": self.embeddings.as_dict(),
            "settings": self.settings.as_dict(),
            "connection": self.connection.as_dict(),
            "other": self.other,
        }


def _item_dict(item: Any) -> dict[str, Any]:
    if isinstance(item, Setting):
        data = {f.name: getattr(item, f.name) for f in fields(item)}
        data["options"] = [{"value": o.value, "label": o.label} for o in item.options]
        return data
    return {f.name: getattr(item, f.name) for f in fields(item)}


def _items_diff(old: Sequence[T], new: Sequence[T], key: Callable[[T], str]) -> ItemDiff:
    before = {key(item): item for item in old}
    after = {key(item): item for item in new}
    changed = []
    for k in sorted(before.keys() & after.keys()):
        a, b = _item_dict(before[k]), _item_dict(after[k])
        delta = {name: {"from": a[name], "to": b[name]} for name in a if a[name] != b[name]}
        if delta:
            changed.append(Change(k, delta))
    return ItemDiff(
        added=tuple(after[k] for k in sorted(after.keys() - before.keys())),
        removed=tuple(before[k] for k in sorted(before.keys() - after.keys())),
        changed=tuple(changed),
    )


def manifest_diff(old: Manifest, new: Manifest, *, catalog: Catalog | None = None) -> ManifestDiff:
    """Compare two valid manifests.

    Scopes are compared on their effective scopes (added, removed, raised, lowered, and
    those reaching beyond the old grant); webhooks and embeddings by ``id``; settings by
    ``key``; the connection by its fields and parameter keys (``needs_reconnect`` when the
    stored authorization no longer fits); the rest field by field.
    """
    other: dict[str, dict[str, Any]] = {}
    for name in ("authorization", "connection_test_url", "install_start_url"):
        if getattr(old, name) != getattr(new, name):
            other[name] = {"from": getattr(old, name), "to": getattr(new, name)}
    if set(old.redirect_uris) != set(new.redirect_uris):
        other["redirect_uris"] = {
            "added": sorted(set(new.redirect_uris) - set(old.redirect_uris)),
            "removed": sorted(set(old.redirect_uris) - set(new.redirect_uris)),
        }
    return ManifestDiff(
        old_version=old.version,
        new_version=new.version,
        scopes=scope_diff(old.effective_scopes, new.effective_scopes, catalog=catalog),
        webhooks=_items_diff(old.webhooks, new.webhooks, lambda w: w.id),
        embeddings=_items_diff(old.embeddings, new.embeddings, lambda e: e.id),
        settings=_items_diff(old.settings, new.settings, lambda s: s.key),
        other=other,
        connection=connection_diff(old.connection, new.connection),
    )
