"""What DRF's ``request.user`` is for a request made with an account API key.

DRF sets ``request.user`` (and mirrors it into Django's ``request.user``) from whatever the
authenticator returns, and its machinery reads it: the ``IsAuthenticated`` permission,
the throttles' "authenticated or not", the browsable API's page, Django's template
context. A key is no user, so something user-like has to stand there. It is kept to what
that machinery asks and answers "no" to every question of rights, on purpose carrying no
key, no account and no flag a rule could read: who acts is the ``Actor``
(``apps.accounts.api.context.request_actor``), built from the key itself, which DRF keeps
in ``request.auth``. Rules, selectors and services see only the ``Actor``.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field
from typing import ClassVar

from apps.accounts.models import ApiKey


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """DRF's ``request.user`` for an API key: authenticated, named for logs and the
    browsable API, and without any right. Read ``request_actor(request)`` instead."""

    api_key: InitVar[ApiKey]
    label: str = field(init=False)

    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False
    is_active: ClassVar[bool] = True
    # Django's user interface, for machinery that asks it (templates' ``perms``, admin
    # checks): a key is never staff and holds no Django permission.
    is_staff: ClassVar[bool] = False
    is_superuser: ClassVar[bool] = False
    pk: ClassVar[None] = None
    id: ClassVar[None] = None

    def __post_init__(self, api_key: ApiKey) -> None:
        object.__setattr__(self, "label", f"API key {api_key.display_prefix}")

    def __str__(self) -> str:
        return self.label

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perm_list: object, obj: object = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False
