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
    installations = list(
        Installation.objects.filter(account_id=membership.account_id, status__in=LIVE_STATUSES)
        .filter(app__status="active")
        .select_related("app", "version")
    )
    usable = installation_ids_usable_by(membership=membership)
    result = []
    for installation in installations:
        if installation.pk not in usable:
            continue
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
    if membership is None:
        return []
    usable = installation_ids_usable_by(membership=membership)
    return [
        installation
        for installation in installation_list_for_account(account=membership.account)
        if installation.is_active
        and installation.app.status == "active"
        and installation.pk in usable
    ]
