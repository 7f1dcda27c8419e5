"""An installation's webhook subscriptions follow the manifest of its version, by the
webhooks' ids; written in the install or update transaction.

The deliveries of a subscription belong to the webhooks context above, which installs a
hook here at start-up (``subscriptions_removed_hook_set``): it is called with the ids of
subscriptions an update removes, in the update's transaction, before they go (their
pending deliveries are cancelled with them, or not at all). After the transaction
commits, the account's subscribed event types kept in the cache are forgotten
(``subscribed_events_of_account``)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from apps.catalog.manifests.types import Manifest
from apps.installations.models import Installation, WebhookSubscription
from apps.installations.selectors.subscriptions import subscribed_events_forget

_removed_hook: Callable[[list[int]], None] | None = None


def subscriptions_removed_hook_set(hook: Callable[[list[int]], None] | None) -> None:
    """Install what runs, in the same transaction, before subscriptions are removed."""
    global _removed_hook
    _removed_hook = hook


def subscriptions_sync(*, installation: Installation, manifest: Manifest) -> dict[str, list[str]]:
    """Make the installation's subscriptions match ``manifest``'s webhooks, by id.

    Returns what changed (ids added, removed, changed). Safe to run twice.
    """
    wanted = {w.id: w for w in manifest.webhooks}
    current = {s.webhook_id: s for s in installation.webhook_subscriptions.all()}
    removed = sorted(current.keys() - wanted.keys())
    if removed:
        if _removed_hook is not None:
            _removed_hook(sorted(current[webhook_id].pk for webhook_id in removed))
        WebhookSubscription.objects.filter(
            installation=installation, webhook_id__in=removed
        ).delete()
    added, changed = [], []
    for webhook_id, hook in sorted(wanted.items()):
        existing = current.get(webhook_id)
        if existing is None:
            WebhookSubscription.objects.create(
                installation=installation, webhook_id=webhook_id, event=hook.event, url=hook.url
            )
            added.append(webhook_id)
        elif (existing.event, existing.url) != (hook.event, hook.url):
            existing.event, existing.url = hook.event, hook.url
            existing.save(update_fields=["event", "url", "updated_at"])
            changed.append(webhook_id)
    if added or removed or changed:
        account_id = installation.account_id
        transaction.on_commit(lambda: subscribed_events_forget(account_id=account_id))
    return {"added": added, "removed": removed, "changed": changed}
