"""Writes of the webhooks context: fan-out of change events into deliveries, sending
them, the sweeper, and the apps' signing secrets."""

from apps.webhooks.services.deliveries import (
    deliveries_cancel_for_subscriptions,
    deliveries_sweep,
    delivery_enqueue,
    delivery_replay,
    delivery_send,
)
from apps.webhooks.services.fanout import events_fan_out, fan_out_wake
from apps.webhooks.services.health import (
    installation_subscription_enable,
    subscription_enable,
    subscriptions_health_evaluate,
)
from apps.webhooks.services.secrets import (
    signing_secret_current,
    signing_secret_rotate,
    signing_secrets_live,
)

__all__ = [
    "deliveries_cancel_for_subscriptions",
    "deliveries_sweep",
    "delivery_enqueue",
    "delivery_replay",
    "delivery_send",
    "events_fan_out",
    "fan_out_wake",
    "installation_subscription_enable",
    "signing_secret_current",
    "signing_secret_rotate",
    "signing_secrets_live",
    "subscription_enable",
    "subscriptions_health_evaluate",
]
