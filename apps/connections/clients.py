"""The app's client at the outside service (set by its developers, the secret encrypted
and never shown again), and revoking an installation's tokens there with it."""

from __future__ import annotations

import logging

from apps.accounts.actors import Actor
from apps.accounts.policies import account_can_develop
from apps.catalog.manifests.connection import OAuth2Service
from apps.catalog.models import App
from apps.catalog.selectors import version_manifest
from apps.connections.models import OAuthConnection, OutsideClient
from apps.connections.outside import ClientCredentials, OutsideFailure, token_revoke
from apps.connections.selectors import connection_of
from apps.core.crypto import decrypt, encrypt
from apps.core.errors import NotFound, PermissionDenied, ValidationFailed
from apps.installations.policies import secret_hint

logger = logging.getLogger("apps.connections")


def outside_client_set(*, app: App, client_id: str, client_secret: str, actor: Actor) -> None:
    """Set the app's client at the outside service, for its developers (``NotFound`` for
    another account's app, ``PermissionDenied`` without the developer right). An empty
    secret keeps the stored one (it is never shown again); a missing id, or a missing
    secret when none is stored, is refused under its field and nothing is written."""
    if actor.account_id != app.account_id:
        raise NotFound("No such app in this account.")
    if not account_can_develop(actor, api_keys=True):
        raise PermissionDenied("Only the app's developers can set its outside client.")
    client_id = client_id.strip()
    stored = OutsideClient.objects.filter(app=app).first()
    problems: dict[str, list[str]] = {}
    if not client_id:
        problems["client_id"] = ["Required."]
    elif len(client_id) > 255:
        problems["client_id"] = ["At most 255 characters."]
    if not client_secret and stored is None:
        problems["client_secret"] = ["Required."]
    if problems:
        raise ValidationFailed(
            "Give the client id and secret the outside service issued.", fields=problems
        )
    row = stored or OutsideClient(app=app)
    row.client_id = client_id
    if client_secret:
        row.client_secret, row.secret_hint = encrypt(client_secret), secret_hint(client_secret)
    row.updated_by = actor.user
    row.save()


def outside_credentials_set(app_id: int) -> bool:
    return OutsideClient.objects.filter(app_id=app_id).exists()


def outside_credentials(app_id: int) -> ClientCredentials | None:
    row = OutsideClient.objects.filter(app_id=app_id).first()
    if row is None:
        return None
    return ClientCredentials(client_id=row.client_id, client_secret=decrypt(row.client_secret))


def issued_service(row: OAuthConnection) -> OAuth2Service | None:
    """The outside service the row's tokens were issued by: the one of the manifest of
    the version they were issued under (the installed version's for older rows)."""
    version = row.issued_under or row.installation.version
    try:
        return version_manifest(version).connection.oauth2
    except NotFound:
        return connection_of(row.installation).oauth2


def tokens_revoke(row: OAuthConnection, service: OAuth2Service | None = None) -> bool:
    """Revoke the row's tokens at ``service``'s revocation URL (by default the service
    they were issued by). Best effort: ``False`` when a revocation failed or could not be
    sent; the line logged names the installation and the failure code, never a token."""
    service = service or issued_service(row)
    credentials = outside_credentials(row.installation.app_id)
    if service is None or not service.revoke_url or credentials is None:
        return False
    revoked = True
    for stored, hint in ((row.refresh_token, "refresh_token"), (row.access_token, "access_token")):
        if not stored:
            continue
        try:
            token_revoke(service, credentials, token=decrypt(stored), hint=hint)
        except OutsideFailure as exc:
            revoked = False
            logger.info(
                "connection of installation %s: revoking its %s failed (%s)",
                row.installation_id,
                hint,
                exc.error,
            )
    return revoked


def oauth_connections_revoke(ids: list[int]) -> None:
    """Revoke at the outside service the tokens of these connections (rows about to go
    with their installation), where its manifest declares a revocation URL. Best effort:
    an outside service that fails or refuses does not hold the uninstall back."""
    rows = OAuthConnection.objects.filter(pk__in=ids).select_related(
        "installation__app", "installation__version", "issued_under"
    )
    for row in rows:
        tokens_revoke(row)
