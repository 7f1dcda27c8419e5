"""django-oauth-toolkit's models, swapped into this app from its first migration.

Swapping is decided on day one because swapping later breaks ``migrate``. The models
carry what the platform needs on top of DOT: an application can be suspended (its tokens
are refused at once), access tokens are indexed on ``expires`` for the purge, and live
refresh tokens are unique by checksum.

Grants and tokens are bound to the installation they were issued for (and access tokens
to the member's membership), so each API request checks token, installation and the
user's rights in one query, and a purge is ``WHERE installation_id = ...``. The links are
``PROTECT``: an installation is removed only after its tokens are purged in batches.
"""

from django.db import models
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractApplication,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
    ApplicationManager,
)


class Application(AbstractApplication):
    """An OAuth client. One per marketplace app, shared by all its versions."""

    is_suspended = models.BooleanField(
        default=False,
        help_text="A suspended client gets no tokens and every token it holds is refused.",
    )

    objects = ApplicationManager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

    def natural_key(self) -> tuple[str]:
        return (self.client_id,)

    def is_usable(self, request: object) -> bool:
        # DOT calls this on every bearer-token validation: the instant kill switch.
        return not self.is_suspended

    def get_allowed_schemes(self) -> list[str]:
        # Redirect URIs come from validated manifests, which allow http only for
        # localhost; the browser may be sent back to them whatever the settings say.
        return ["https", "http"]


def _installation_fk() -> models.ForeignKey:
    return models.ForeignKey(
        "installations.Installation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


def code_digest(code: str) -> str:
    """What ``Grant.code`` holds for the authorization code ``code``: its keyed hash
    (HMAC-SHA256 under the server's pepper), the one key it is looked up by."""
    from apps.core.crypto import keyed_digest

    return keyed_digest("oauth-code:" + code)


class Grant(AbstractGrant):
    """An authorization code, bound to the installation it was consented for.

    ``code`` holds the code's digest (``code_digest``), never the code: whoever reads
    the table cannot exchange what they read. A code is consumed, not deleted, when
    exchanged (``consumed_at``), so a replay is recognised and every token issued from it
    (``token_family``) is revoked.
    """

    installation = _installation_fk()
    token_family = models.UUIDField(null=True, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractGrant.Meta):
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"
        indexes = [models.Index(fields=["expires"], name="oauth_grant_expires_idx")]


class AccessToken(AbstractAccessToken):
    installation = _installation_fk()
    membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The user's place in the installation's account; empty once removed.",
    )

    class Meta(AbstractAccessToken.Meta):
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"
        indexes = [models.Index(fields=["expires"], name="oauth_accesstoken_expires_idx")]


class RefreshToken(AbstractRefreshToken):
    installation = _installation_fk()

    class Meta(AbstractRefreshToken.Meta):
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"
        indexes = [
            *AbstractRefreshToken.Meta.indexes,
            models.Index(fields=["revoked"], name="oauth_refreshtoken_revoked_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["token_checksum"],
                condition=models.Q(revoked__isnull=True),
                name="oauth_refreshtoken_live_checksum_unique",
            )
        ]


class IDToken(AbstractIDToken):
    class Meta(AbstractIDToken.Meta):
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"
        indexes = [models.Index(fields=["expires"], name="oauth_idtoken_expires_idx")]
