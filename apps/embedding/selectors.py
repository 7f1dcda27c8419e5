"""Reads of the embedding context: the published signing keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.catalog.selectors import version_manifest
from apps.core.errors import NotFound, ValidationFailed
from apps.embedding.errors import EmbeddingError
from apps.embedding.models import SigningKey
from apps.embedding.policies import (
    SETTINGS_PAGE,
    card_model,
    effective_access,
    origin_of,
    parse_record,
    reads_model,
)
from apps.installations.models import Installation
from apps.installations.selectors import (
    installation_get_for_use,
    installation_list_usable_for,
    user_authorization_get,
)


def signing_keys_published(*, now: datetime | None = None) -> list[SigningKey]:
    """The active key and every retired key a live token may still carry, newest first."""
    now = now or timezone.now()
    return list(
        SigningKey.objects.filter(
            Q(status=SigningKey.Status.ACTIVE) | Q(publish_until__gt=now)
        ).order_by("-created_at", "-pk")
    )


def jwks(*, now: datetime | None = None) -> dict[str, Any]:
    """The JSON Web Key Set published at ``/.well-known/jwks.json``: public keys only."""
    return {"keys": [dict(key.public_jwk) for key in signing_keys_published(now=now)]}


@dataclass(frozen=True)
class Placement:
    """One embedding of an installed app that a member may open now: where it goes, its
    page and the page's origin (what the host bridge accepts messages from)."""

    installation: Installation
    embedding_id: str
    location: str
    code: str
    url: str
    title: str
    origin: str
    user_level: bool
    record_model: str | None = None

    @property
    def app_name(self) -> str:
        return str(self.installation.app.name)


def _placements(installation: Installation, *, actor: Actor, host_origin: str) -> list[Placement]:
    try:
        manifest = version_manifest(installation.version)
    except NotFound:
        return []
    result = []
    access: list[str] | None = None
    for embedding in manifest.embeddings:
        if embedding.location == SETTINGS_PAGE and not actor.is_admin:
            continue
        model = card_model(embedding.location)
        if model is not None:
            # A record card only while the installation reads the model for this user
            # (the grant intersected with their rights: the launch token's access).
            if access is None:
                access = effective_access(installation.granted_scopes, rights=actor.rights)
            if not reads_model(access, model):
                continue
        origin = origin_of(embedding.url)
        # A page of the marketplace's own origin, framed with its origin allowed, could
        # reach out of its sandbox: never shown.
        if not origin or origin == host_origin:
            continue
        result.append(
            Placement(
                installation=installation,
                embedding_id=embedding.id,
                location=embedding.location,
                code=embedding.code,
                url=embedding.url,
                title=embedding.title,
                origin=origin,
                user_level=manifest.authorization == "user",
                record_model=model,
            )
        )
    return result


def placement_list_for(*, actor: Actor, location: str, host_origin: str) -> list[Placement]:
    """The embeddings at ``location`` of the apps the member may use now, from each
    installation's current manifest (an update shows its locations at once); the
    settings page only for admins; none of the marketplace's own origin."""
    return [
        placement
        for installation in installation_list_usable_for(actor=actor)
        for placement in _placements(installation, actor=actor, host_origin=host_origin)
        if placement.location == location
    ]


def card_placement_list_for(*, actor: Actor, model: str, host_origin: str) -> list[Placement]:
    """The record cards of ``model`` (e.g. ``crm.account``) of the apps the member may
    use now, from each installation's current manifest, each only while the
    installation grants read on the model within the member's own rights."""
    return [
        placement
        for installation in installation_list_usable_for(actor=actor)
        for placement in _placements(installation, actor=actor, host_origin=host_origin)
        if placement.record_model == model
    ]


def placement_get_for(
    *, actor: Actor, installation_id: Any, embedding_id: str, host_origin: str
) -> Placement:
    """One embedding the member may open now. ``NotFound`` across accounts, for an app
    being uninstalled or inactive, and for an embedding the current manifest no longer
    declares (or the member may not see, or a record card whose model the installation
    no longer reads for them); ``PermissionDenied`` when the member may not
    use the app."""
    installation = installation_get_for_use(actor=actor, installation_id=installation_id)
    if installation.app.status != "active":
        raise NotFound(f"“{installation.app.name}” is not available at the moment.")
    for placement in _placements(installation, actor=actor, host_origin=host_origin):
        if placement.embedding_id == embedding_id:
            return placement
    raise NotFound(
        f"“{installation.app.name}” has no embedding “{embedding_id}” here any more.",
        code=EmbeddingError.NO_SUCH_EMBEDDING,
    )


def placement_authorized(*, placement: Placement, actor: Actor) -> bool:
    """Whether the member may use the app's frame now: always for an account-level app;
    for a user-level app once the user has given their own consent (Authorize)."""
    if not placement.user_level:
        return True
    if actor.user is None:
        return False
    return user_authorization_get(installation=placement.installation, user=actor.user) is not None


def placement_record(*, placement: Placement, record: str | None) -> dict[str, Any] | None:
    """The record a frame of ``placement`` is about, as the launch token's ``record``
    claim (``{"model", "id"}``): ``None`` for a location without a record; for a record
    card ``record`` (``<model>:<id>``) must name a record of the card's model
    (``ValidationFailed`` naming ``record``). Whether the member may see that record is
    the caller's to check, as the record's page does."""
    if placement.record_model is None:
        return None
    parsed = parse_record(record or "")
    if parsed is None or parsed[0] != placement.record_model:
        raise ValidationFailed(
            "A record card needs its record.",
            fields={"record": [f"Give the {placement.record_model} as <model>:<id>."]},
        )
    return {"model": parsed[0], "id": parsed[1]}
