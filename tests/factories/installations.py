"""Installation factories: an installed version through the services, and access tokens
issued for it without the browser round trip.

The full authorization code flow has its own tests (tests/apps/oauth); tests that only
need "a token of this user for this installation" use ``issue_token``, which stores the
token the way the authorization server does (hashed at rest, bound to the installation
and the user's membership).
"""

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import get_access_token_model, set_token_value

from apps.accounts.actors import actor_for_user, actor_system
from apps.accounts.models import Account, Membership, User
from apps.catalog.models import AppVersion
from apps.installations.models import Installation
from apps.installations.services import installation_install
from tests.factories.accounts import acting_as


def make_installation(
    *, account: Account, version: AppVersion, by_user: User | None = None
) -> Installation:
    """``version`` installed on ``account`` through ``installation_install``: by
    ``by_user`` (an admin of the account) or, without one, as an API key would."""
    if by_user is not None:
        membership = Membership.objects.get(account=account, user=by_user)
        by = actor_for_user(user=by_user)
    else:
        membership = Membership(account=account, user=None, is_admin=True)
        by = actor_system(label="API key mpk_test")
    return installation_install(account=account, version=version, actor=acting_as(by, membership))


def issue_token(
    *,
    installation: Installation,
    user: User,
    scopes: Iterable[str] | None = None,
    expires_in: int = 3600,
) -> str:
    """A raw access token of ``user`` for ``installation``, with ``scopes`` (the
    installation's granted scopes when left out)."""
    raw = secrets.token_urlsafe(32)
    token = get_access_token_model()(
        user=user,
        application=installation.app.oauth_application,
        installation=installation,
        membership=Membership.objects.filter(account=installation.account, user=user).first(),
        scope=" ".join(installation.granted_scopes if scopes is None else scopes),
        expires=timezone.now() + timedelta(seconds=expires_in),
    )
    set_token_value(token, raw)
    token.save()
    return raw
