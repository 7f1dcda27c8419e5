"""Writes of an installation's OAuth connection to an outside service: the developer's
client at that service, Connect (start and finish), refresh, and the current access
token. The HTTP calls are ``apps.connections.outside``'s (Authlib, outbound rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.catalog.manifests.connection import OAuth2Service
from apps.connections.clients import (
    oauth_connections_revoke,
    outside_client_set,
    outside_credentials,
    outside_credentials_set,
    tokens_revoke,
)
from apps.connections.errors import ConnectionsError
from apps.connections.history import Kind, connection_event
from apps.connections.models import ConnectionValue, OAuthConnection
from apps.connections.outside import (
    ClientCredentials,
    OutsideFailure,
    Tokens,
    authorize_url,
    code_exchange,
    new_verifier,
    token_refresh,
)
from apps.connections.policies import scopes_cover, service_key
from apps.connections.selectors import connection_of, connection_setup_missing
from apps.connections.services import require_manager
from apps.core.crypto import decrypt, encrypt
from apps.core.errors import Conflict, NotFound
from apps.installations.models import Installation
from apps.installations.services import installation_lock_active

__all__ = [
    "REFRESH_MARGIN",
    "connection_access_token",
    "connection_connect_finish",
    "connection_connect_ready",
    "connection_connect_start",
    "connection_disconnect",
    "connection_refresh",
    "connection_refresh_now",
    "connection_version_check",
    "oauth_connections_revoke",
    "outside_client_set",
    "outside_credentials",
    "outside_credentials_set",
    "plain_parameters",
]

# Tokens are refreshed this long before they expire (by the job, or when read).
REFRESH_MARGIN = timedelta(minutes=5)


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


def connection_connect_ready(installation: Installation) -> tuple[OAuth2Service, ClientCredentials]:
    """The outside service and the app's client there, when the installation can be
    connected now: ``NotFound`` (``no_connection``) without an OAuth connection,
    ``Conflict`` ``client_missing`` or ``parameters_missing`` otherwise."""
    service, credentials = _service_and_client(installation)
    missing = connection_setup_missing(installation=installation)
    if missing:
        raise Conflict(
            f"Fill in the connection's parameters first: {', '.join(missing)}.",
            code=ConnectionsError.PARAMETERS_MISSING,
        )
    return service, credentials


def connection_connect_start(
    *, installation: Installation, actor: Actor, redirect_uri: str
) -> ConnectStart:
    """Where to send the admin to authorize the platform at the outside service, with a
    new ``state`` and PKCE verifier for the caller to keep in the admin's session."""
    require_manager(actor, installation)
    service, credentials = connection_connect_ready(installation)
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
    ``Conflict`` (``outside_refused``) in plain words when the service refuses, having
    written nothing.

    A reconnect after an update that made the stored authorization stale (another
    outside service, or more scopes) first revokes the stale tokens at the service they
    were issued by (the revocation URL of that version's manifest), best effort, then
    replaces them. The installation's history records *connected* or *reconnected*."""
    require_manager(actor, installation)
    service, credentials = _service_and_client(installation)
    try:
        tokens = code_exchange(
            service, credentials, code=code, redirect_uri=redirect_uri, verifier=verifier
        )
    except OutsideFailure as exc:
        raise Conflict(exc.message, code=ConnectionsError.OUTSIDE_REFUSED) from None
    stale = _stale_row(installation)
    revoked_stale = stale is not None and tokens_revoke(stale)
    with transaction.atomic():
        locked = installation_lock_active(
            installation, refusal="The app is being uninstalled; it cannot be connected."
        )
        row = OAuthConnection.objects.select_for_update().filter(installation=locked).first()
        again = row is not None
        row = row or OAuthConnection(installation=locked)
        _store(row, tokens)
        row.connected_at, row.connected_by = timezone.now(), actor.user
        row.service_key = service_key(connection_of(locked))
        row.issued_under_id = locked.version_id
        row.save()
        if again:
            detail = {"revoked_stale": revoked_stale} if stale is not None else {}
            connection_event(locked, Kind.RECONNECTED, actor, detail)
        else:
            connection_event(locked, Kind.CONNECTED, actor)
    return row


def _stale_row(installation: Installation) -> OAuthConnection | None:
    """The installation's stored authorization when it still holds tokens that no
    longer fit the installed version (kept since the update, for this revocation)."""
    row = (
        OAuthConnection.objects.filter(installation=installation)
        .select_related("installation__app", "installation__version", "issued_under")
        .first()
    )
    if row is None or not (row.access_token or row.refresh_token) or _fits_version(row):
        return None
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
    diff's ``needs_reconnect``): ``needs_reconnect``, the tokens kept until then (a
    reconnect or an uninstall revokes them), and the history says so."""
    if row.status == OAuthConnection.Status.CONNECTED and not _fits_version(row):
        row.status, row.problem = OAuthConnection.Status.NEEDS_RECONNECT, RECONNECT_AFTER_UPDATE
        row.save(update_fields=["status", "problem", "updated_at"])
        connection_event(
            row.installation,
            Kind.CONNECTION_NEEDS_RECONNECT,
            None,
            {"reason": "update", "problem": RECONNECT_AFTER_UPDATE},
        )


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


def connection_refresh(
    *, installation_id: int, force: bool = False, actor: Actor | None = None
) -> OAuthConnection | None:
    """Refresh the installation's tokens when they expire within ``REFRESH_MARGIN`` (or
    always, ``force``). A refused refresh (``invalid_grant``) makes the connection
    ``needs_reconnect`` and drops its tokens; another failure is kept as its problem.
    Either is recorded in the installation's history (a failure repeated with the same
    problem once), by ``actor`` or the platform. Safe to run twice: the row is locked
    and its expiry read again."""
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
        _refresh_locked(row, actor)
        return row


def _refresh_failed(row: OAuthConnection, actor: Actor | None, error: str, problem: str) -> None:
    repeated = row.problem == problem
    row.problem = problem
    row.save()
    if row.status == OAuthConnection.Status.NEEDS_RECONNECT:
        detail = {"reason": "refused", "error": error, "problem": problem}
        connection_event(row.installation, Kind.CONNECTION_NEEDS_RECONNECT, actor, detail)
    elif not repeated or actor is not None:
        detail = {"error": error, "problem": problem}
        connection_event(row.installation, Kind.CONNECTION_REFRESH_FAILED, actor, detail)


def _refresh_locked(row: OAuthConnection, actor: Actor | None) -> None:
    if not row.refresh_token:
        problem = "The outside service gave no refresh token: connect again when it expires."
        _refresh_failed(row, actor, "no_refresh_token", problem)
        return
    service, credentials = _service_and_client(row.installation)
    try:
        tokens = token_refresh(service, credentials, refresh_token=decrypt(row.refresh_token))
    except OutsideFailure as exc:
        if exc.error == "invalid_grant":
            row.status = OAuthConnection.Status.NEEDS_RECONNECT
            row.access_token = row.refresh_token = ""
            row.expires_at = None
        _refresh_failed(row, actor, exc.error, exc.message)
        return
    _store(row, tokens)
    row.refreshed_at = timezone.now()
    row.save()


@dataclass(frozen=True)
class RefreshOutcome:
    """What *Refresh now* did: ``refreshed``, or the ``problem`` it ran into (recorded
    on the connection and in the history: ``needs_reconnect`` after a refusal)."""

    connection: OAuthConnection
    refreshed: bool
    problem: str


def connection_refresh_now(*, installation: Installation, actor: Actor) -> RefreshOutcome:
    """*Refresh now*, for an admin of the account (or its API key): new tokens from the
    outside service at once, whatever their expiry. ``NotFound`` (``no_connection``)
    without an OAuth connection, ``Conflict`` (``not_connected``) when there is no
    working authorization to refresh (nothing is written then). A refusal or a failure
    is kept as after the job's refresh and returned as the outcome's ``problem``."""
    require_manager(actor, installation)
    if connection_of(installation).oauth2 is None:
        raise NotFound(
            "This app's version has no OAuth connection.", code=ConnectionsError.NO_CONNECTION
        )
    connection_version_check(installation=installation)
    before = OAuthConnection.objects.filter(installation=installation).first()
    if before is None or before.status != OAuthConnection.Status.CONNECTED:
        raise Conflict(
            "There is no working authorization to refresh: "
            + ("connect first." if before is None else "reconnect first."),
            code=ConnectionsError.NOT_CONNECTED,
        )
    row = connection_refresh(installation_id=installation.pk, force=True, actor=actor)
    assert row is not None
    refreshed = row.refreshed_at is not None and row.refreshed_at != before.refreshed_at
    return RefreshOutcome(
        connection=row, refreshed=refreshed, problem="" if refreshed else row.problem
    )


def connection_disconnect(*, installation: Installation, actor: Actor) -> bool:
    """*Disconnect*, for an admin of the account (or its API key): the tokens are
    revoked at the outside service they were issued by (best effort) and removed; the
    parameters stay. ``Conflict`` (``not_connected``) when nothing is connected. Returns
    whether the outside service confirmed every revocation; the history records it."""
    require_manager(actor, installation)
    row = (
        OAuthConnection.objects.filter(installation=installation)
        .select_related("installation__app", "installation__version", "issued_under")
        .first()
    )
    if row is None:
        if connection_of(installation).oauth2 is None:
            raise NotFound(
                "This app's version has no OAuth connection.",
                code=ConnectionsError.NO_CONNECTION,
            )
        raise Conflict(
            "The app is not connected to its outside service.",
            code=ConnectionsError.NOT_CONNECTED,
        )
    revoked = tokens_revoke(row) if (row.access_token or row.refresh_token) else True
    with transaction.atomic():
        locked = installation_lock_active(
            installation, refusal="The app is being uninstalled; its connection goes with it."
        )
        OAuthConnection.objects.filter(installation=locked).delete()
        connection_event(locked, Kind.DISCONNECTED, actor, {"revoked": revoked})
    return revoked


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
