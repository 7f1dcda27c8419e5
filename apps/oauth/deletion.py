"""What of the OAuth tables goes when an installation or an app goes (see
``apps/core/deletion.py``).

An installation's grants and tokens go first of all its rows: whatever stops a cascade
half-way, no credential of it is left. An app's go first too (those of every user,
installation or not), its OAuth client last, after the app row that points at it.
Access and refresh tokens point at each other: each batch clears the pointers into it.
"""

from __future__ import annotations

from apps.catalog.models import App
from apps.core.deletion import Declaration, Pointer, Rows, Step
from apps.installations.models import Installation
from apps.oauth.models import AccessToken, Application, Grant, IDToken, RefreshToken

REFRESH_TOKEN_POINTERS = (Pointer(AccessToken, "source_refresh_token"),)
ACCESS_TOKEN_POINTERS = (Pointer(RefreshToken, "access_token"),)
ID_TOKEN_POINTERS = (Pointer(AccessToken, "id_token"),)


def _tokens(lookup: str, key: str) -> tuple[Rows, ...]:
    return (
        Rows(Grant, lookup, key),
        Rows(RefreshToken, lookup, key, pointers=REFRESH_TOKEN_POINTERS),
        Rows(AccessToken, lookup, key, pointers=ACCESS_TOKEN_POINTERS),
    )


DELETION: tuple[Declaration, ...] = (
    Step(
        owner=Installation,
        name="tokens",
        label="the app's authorization codes, access and refresh tokens",
        rows=_tokens("installation_id", "id"),
        before=("authorizations",),
    ),
    Step(
        owner=App,
        name="tokens",
        label="the app's authorization codes, access and refresh tokens, for all users",
        rows=(
            *_tokens("application_id", "oauth_application_id"),
            Rows(IDToken, "application_id", "oauth_application_id", pointers=ID_TOKEN_POINTERS),
        ),
        before=("files",),
    ),
    Step(
        owner=App,
        name="client",
        label="the OAuth client",
        rows=(Rows(Application, "id", "oauth_application_id"),),
        after=("app",),
        with_owner=True,
    ),
)
