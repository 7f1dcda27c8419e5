"""Writes of an installation's OAuth connection to an outside service: the developer's
client at that service, Connect (start and finish), refresh, and the current access
token. The HTTP calls are ``apps.connections.outside``'s (Authlib, outbound rules)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.accounts.policies import account_can_develop
from apps.catalog.manifests.connection import OAuth2Service
from apps.catalog.models import App
from apps.connections.errors import ConnectionsError
from apps.connections.models import ConnectionValue, OAuthConnection, OutsideClient
from apps.connections.outside import (
    ClientCredentials,
    OutsideFailure,
    Tokens,
    authorize_url,
    code_exchange,
    new_verifier,
    token_refresh,
    token_revoke,
)
from apps.connections.policies import scopes_cover, service_key
from apps.connections.selectors import connection_of, connection_setup_missing
from apps.connections.services import require_manager
from apps.core.crypto import decrypt, encrypt
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.installations.models import Installation
from apps.installations.policies import secret_hint
from apps.installations.services import installation_lock_active

logger = logging.getLogger("apps.connections")

# Tokens are refreshed this long before they expire (by the job, or when read).
REFRESH_MARGIN = timedelta(minutes=5)


def outside_client_set(*, app: App, client_id: str, client_secret: str, actor: Actor) -> None:
    """Set the app's client at the outside service, for its developers. An empty secret
    keeps the stored one (it is never shown again)."""
    if actor.account_id != app.account_id:
        raise NotFound("No such app in this account.")
    if not account_can_develop(actor, api_keys=True):
        raise PermissionDenied("Only the app's developers can set its outside client.")
    client_id = client_id.strip()
    stored = OutsideClient.objects.filter(app=app).first()
    if not client_id or (not client_secret and stored is None):
        raise ValidationFailed(
            "Give the client id and secret the outside service issued.",
            fields={
                **({"client_id": ["Required."]} if not client_id else {}),
                **({"client_secret": ["Required."]} if not client_secret and not stored else {}),
            },
        )
    row = stored or OutsideClient(app=app)
    row.client_id = client_id[:255]
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


def _service_and_client(installation: Installation) -> tuple[OAuth2Service, ClientCredentials]:
    service = connection_of(installation).oauth2
    if service is None:
        raise NotFound(
            "This app's version has no OAuth connection.", code=ConnectionsError.NO_CONNECTION
        )
    credentials = outside_credentials(installation.app_id)
    if credentials is None:
        raise Conflict(
            "The app's developer has not set its client at the outside service yet, so it "
            "cannot be connected.",
            code=ConnectionsError.CLIENT_MISSING,
        )
    return service, credentials


def plain_parameters(installation: Installation) -> dict[str, str]:
    """The installation's parameter values that are not sensitive, as text."""
    rows = ConnectionValue.objects.filter(installation=installation, secret="")
    return {r.key: "" if r.value is None else str(r.value) for r in rows}


@dataclass(frozen=True)
class ConnectStart:
    url: str
    state: str
    verifier: str


def connection_connect_start(
    *, installation: Installation, actor: Actor, redirect_uri: str
) -> ConnectStart:
    """Where to send the admin to authorize the platform at the outside service, with a
    new ``state`` and PKCE verifier for the caller to keep in the admin's session."""
    require_manager(actor, installation)
    service, credentials = _service_and_client(installation)
    missing = connection_setup_missing(installation=installation)
    if missing:
        raise Conflict(
            f"Fill in the connection's parameters first: {', '.join(missing)}.",
            code=ConnectionsError.PARAMETERS_MISSING,
        )
    state, verifier = new_verifier()[:43], new_verifier()
    url = authorize_url(
        service,
        credentials,
        redirect_uri=redirect_uri,
        state=state,
        verifier=verifier,
        parameters=plain_parameters(installation),
    )
    return ConnectStart(url=url, state=state, verifier=verifier)


def _store(row: OAuthConnection, tokens: Tokens) -> None:
    row.access_token = encrypt(tokens.access_token)
    row.refresh_token = encrypt(tokens.refresh_token) if tokens.refresh_token else ""
    row.token_type, row.scope, row.expires_at = tokens.token_type, tokens.scope, tokens.expires_at
    row.status, row.problem = OAuthConnection.Status.CONNECTED, ""


def connection_connect_finish(
    *, installation: Installation, actor: Actor, code: str, verifier: str, redirect_uri: str
) -> OAuthConnection:
    """Exchange the code the outside service sent back and keep the tokens, encrypted.
    ``Conflict`` (``outside_refused``) in plain words when the service refuses."""
    require_manager(actor, installation)
    service, credentials = _service_and_client(installation)
    try:
        tokens = code_exchange(
            service, credentials, code=code, redirect_uri=redirect_uri, verifier=verifier
        )
    except OutsideFailure as exc:
        raise Conflict(exc.message, code=ConnectionsError.OUTSIDE_REFUSED) from None
    with transaction.atomic():
        locked = installation_lock_active(
            installation, refusal="The app is being uninstalled; it cannot be connected."
        )
        row = OAuthConnection.objects.select_for_update().filter(installation=locked).first()
        row = row or OAuthConnection(installation=locked)
        _store(row, tokens)
        row.connected_at, row.connected_by = timezone.now(), actor.user
        row.service_key = service_key(connection_of(locked))
        row.save()
    return row


RECONNECT_AFTER_UPDATE = (
    "The installed version connects to another outside service, or asks it for more: connect again."
)


def _fits_version(row: OAuthConnection) -> bool:
    connection = connection_of(row.installation)
    if connection.oauth2 is None or row.service_key != service_key(connection):
        return False
    return not row.scope or scopes_cover(row.scope, connection.oauth2.scopes)


def _mark_if_outdated(row: OAuthConnection) -> None:
    """After an update whose connection no longer fits the stored authorization (the
    diff's ``needs_reconnect``): ``needs_reconnect``, the tokens kept until then (an
    uninstall still revokes them)."""
    if row.status == OAuthConnection.Status.CONNECTED and not _fits_version(row):
        row.status, row.problem = OAuthConnection.Status.NEEDS_RECONNECT, RECONNECT_AFTER_UPDATE
        row.save(update_fields=["status", "problem", "updated_at"])


def connection_version_check(*, installation: Installation) -> None:
    """Mark the installation's connection ``needs_reconnect`` when the installed version
    no longer fits it (read by the pages before they show it)."""
    with transaction.atomic():
        row = (
            OAuthConnection.objects.select_for_update()
            .filter(installation=installation)
            .select_related("installation__version")
            .first()
        )
        if row is not None:
            _mark_if_outdated(row)


def connection_refresh(*, installation_id: int, force: bool = False) -> OAuthConnection | None:
    """Refresh the installation's tokens when they expire within ``REFRESH_MARGIN`` (or
    always, ``force``). A refused refresh (``invalid_grant``) makes the connection
    ``needs_reconnect`` and drops its tokens; another failure is kept as its problem.
    Safe to run twice: the row is locked and its expiry read again."""
    with transaction.atomic():
        row = (
            OAuthConnection.objects.select_for_update()
            .select_related("installation__app", "installation__version")
            .filter(installation_id=installation_id)
            .first()
        )
        if row is not None:
            _mark_if_outdated(row)
        if row is None or row.status != OAuthConnection.Status.CONNECTED:
            return row
        due = row.expires_at is not None and row.expires_at <= timezone.now() + REFRESH_MARGIN
        if not (due or force):
            return row
        _refresh_locked(row)
        return row


def _refresh_locked(row: OAuthConnection) -> None:
    if not row.refresh_token:
        row.problem = "The outside service gave no refresh token: connect again when it expires."
        row.save(update_fields=["problem", "updated_at"])
        return
    service, credentials = _service_and_client(row.installation)
    try:
        tokens = token_refresh(service, credentials, refresh_token=decrypt(row.refresh_token))
    except OutsideFailure as exc:
        if exc.error == "invalid_grant":
            row.status = OAuthConnection.Status.NEEDS_RECONNECT
            row.access_token = row.refresh_token = ""
            row.expires_at = None
        row.problem = exc.message
        row.save()
        return
    _store(row, tokens)
    row.refreshed_at = timezone.now()
    row.save()


def connection_access_token(*, installation: Installation) -> tuple[str, OAuthConnection]:
    """The current access token (refreshed first when close to expiry) and its row;
    ``Conflict`` (``not_connected``) when there is none to use."""
    row = connection_refresh(installation_id=installation.pk)
    if row is None or row.status != OAuthConnection.Status.CONNECTED or not row.access_token:
        raise Conflict(
            "The connection to the outside service needs an admin to connect it again."
            if row is not None
            else "The app is not connected to its outside service yet.",
            code=ConnectionsError.NOT_CONNECTED,
        )
    return decrypt(row.access_token), row


def oauth_connections_revoke(ids: list[int]) -> None:
    """Revoke at the outside service the tokens of these connections (rows about to go
    with their installation), where its manifest declares a revocation URL. Best effort:
    an outside service that fails or refuses does not hold the uninstall back; the line
    logged names the installation and the failure code, never a token."""
    rows = OAuthConnection.objects.filter(pk__in=ids).select_related(
        "installation__app", "installation__version"
    )
    for row in rows:
        service = connection_of(row.installation).oauth2
        credentials = outside_credentials(row.installation.app_id)
        if service is None or not service.revoke_url or credentials is None:
            continue
        for stored, hint in (
            (row.refresh_token, "refresh_token"),
            (row.access_token, "access_token"),
        ):
            if not stored:
                continue
            try:
                token_revoke(service, credentials, token=decrypt(stored), hint=hint)
            except OutsideFailure as exc:
                logger.info(
                    "connection of installation %s: revoking its %s failed (%s)",
                    row.installation_id,
                    hint,
                    exc.error,
                )
