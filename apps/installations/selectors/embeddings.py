"""Where the apps installed on an account appear in the product's pages, for one member."""

from __future__ import annotations

from dataclasses import dataclass

from apps.accounts.actors import Actor
from apps.accounts.models import Membership
from apps.catalog.selectors import version_manifest
from apps.installations.models import LIVE_STATUSES, Installation
from apps.installations.selectors.installations import (
    installation_ids_usable_by,
    installation_list_for_account,
)


@dataclass(frozen=True)
class Embedding:
    installation_id: int
    app_name: str
    app_code: str
    version: str
    id: str
    location: str
    code: str
    url: str
    title: str


def embedding_list_for_member(*, membership: Membership) -> list[Embedding]:
    """The embeddings of the apps installed on the member's account that the member may
    use, from each installation's version manifest."""
    result = []
    for installation in _usable_now(membership):
        manifest = version_manifest(installation.version)
        for embedding in manifest.embeddings:
            result.append(
                Embedding(
                    installation_id=installation.pk,
                    app_name=installation.app.name,
                    app_code=str(installation.app.code),
                    version=installation.version.number,
                    id=embedding.id,
                    location=embedding.location,
                    code=embedding.code,
                    url=embedding.url,
                    title=embedding.title,
                )
            )
    return result


def installation_list_usable_for(*, actor: Actor) -> list[Installation]:
    """The installations of the account ``actor`` acts in that its member may use now
    (My apps): active, of an active app, admitted by an access rule (admins: all), in
    the account's list order; none for anyone who is not a member."""
    membership = actor.membership
    return _usable_now(membership) if membership is not None else []


def _usable_now(membership: Membership) -> list[Installation]:
    live = installation_list_for_account(account=membership.account).filter(
        status__in=LIVE_STATUSES, app__status="active"
    )
    usable = installation_ids_usable_by(membership=membership)
    return [installation for installation in live if installation.pk in usable]
