"""The plain values of an installation's secret settings, for the one caller allowed to
see them: the app's own backend, authenticated as the app's client."""

from __future__ import annotations

from apps.core.crypto import decrypt
from apps.installations.models import SettingValue


def installation_secret_values(*, installation_id: int, user_id: int | None) -> dict[str, str]:
    """The decrypted secrets of the app level (``user_id`` ``None``) or of one user's own
    settings, by key. One query. The caller must have checked that the app's client
    authenticated: nothing else may see these."""
    level = {"user_id": user_id} if user_id is not None else {"user__isnull": True}
    rows = (
        SettingValue.objects.filter(installation_id=installation_id, **level)
        .exclude(secret="")
        .values_list("key", "secret")
    )
    return {key: decrypt(secret) for key, secret in rows}
