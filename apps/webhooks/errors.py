"""Error codes of the webhooks context."""

from enum import StrEnum


class WebhookError(StrEnum):
    # Why a delivery was cancelled rather than sent (on the delivery, for its log).
    SUBSCRIPTION_REMOVED = "subscription_removed"
    INSTALLATION_INACTIVE = "installation_inactive"
    APP_INACTIVE = "app_inactive"
    SCOPE_WITHDRAWN = "scope_withdrawn"
    # Why a delivery failed without an attempt: its subscription was disabled.
    SUBSCRIPTION_DISABLED = "subscription_disabled"
    # What an attempt got instead of an answer, besides the outbound failures.
    HTTP_STATUS = "http_status"
