from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "apps.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.installations.services.common import installation_history_listener_set
        from apps.installations.services.subscriptions import subscriptions_removed_hook_set
        from apps.modules.events import events_listener_set
        from apps.webhooks import jobs  # noqa: F401  (registers the replay job kind)
        from apps.webhooks.services.app_events import app_event_deliveries_create
        from apps.webhooks.services.deliveries import deliveries_cancel_for_subscriptions
        from apps.webhooks.services.fanout import fan_out_wake_for

        events_listener_set(fan_out_wake_for)
        subscriptions_removed_hook_set(deliveries_cancel_for_subscriptions)
        installation_history_listener_set(app_event_deliveries_create)
