"""The event types an account's webhook subscriptions name, for the webhooks' wake-up
after each commit that wrote change events, which asks on every module write.

The answer is kept in the cache (``SUBSCRIBED_EVENTS_SECONDS``) and forgotten when
``subscriptions_sync`` changes the account's subscriptions, after its transaction
commits. It names every subscription's type, whatever the installation's, the app's or
the subscription's own state: callers use it only to skip work no subscription can
want. An answer may miss a subscription for at most that long: one read while the
change was committing, or one kept by a cache each process has to itself (the laptop's)
when another process made the change. The webhooks' sweeper takes those events then."""

from __future__ import annotations

from django.core.cache import cache

from apps.installations.models import WebhookSubscription

SUBSCRIBED_EVENTS_SECONDS = 60


def _key(account_id: int) -> str:
    return f"installations:subscribed-events:{account_id}"


def subscribed_events_of_account(*, account_id: int) -> frozenset[str]:
    """The event types (``crm.account.created``) some subscription of an installation on
    ``account_id`` names. A cache read; one query when the cache has no answer."""
    found: frozenset[str] | None = cache.get(_key(account_id))
    if found is None:
        found = frozenset(
            WebhookSubscription.objects.filter(installation__account_id=account_id)
            .values_list("event", flat=True)
            .distinct()
        )
        cache.set(_key(account_id), found, SUBSCRIBED_EVENTS_SECONDS)
    return found


def subscribed_events_forget(*, account_id: int) -> None:
    """Drop the kept answer for ``account_id`` (its subscriptions changed)."""
    cache.delete(_key(account_id))
