"""Writes of installations: install, update, uninstall, access, settings, user consent.

Every service either does all it says or raises ``ApplicationError`` having written
nothing. Status changes are compare-and-set updates on the old status, so two admins
acting at once get one success and one ``Conflict``.
"""

from apps.installations.services.access import installation_access_set
from apps.installations.services.common import (
    installation_event_record,
    installation_history_listener_set,
    installation_lock_active,
)
from apps.installations.services.consent import (
    installation_reauthorize_start,
    user_authorization_record,
)
from apps.installations.services.installable import REFUSALS, installation_check_installable
from apps.installations.services.installs import (
    ROLLOUT_ACTOR,
    RolloutOutcome,
    UpdatePlan,
    installation_install,
    installation_pin,
    installation_rollout,
    installation_uninstall,
    installation_update,
    installation_update_plan,
)
from apps.installations.services.settings import installation_settings_save
from apps.installations.services.uninstalling import (
    APP_DELETION_ACTOR,
    installation_mark_uninstalling,
)

__all__ = [
    "APP_DELETION_ACTOR",
    "REFUSALS",
    "ROLLOUT_ACTOR",
    "RolloutOutcome",
    "UpdatePlan",
    "installation_access_set",
    "installation_check_installable",
    "installation_event_record",
    "installation_history_listener_set",
    "installation_install",
    "installation_lock_active",
    "installation_mark_uninstalling",
    "installation_pin",
    "installation_reauthorize_start",
    "installation_rollout",
    "installation_settings_save",
    "installation_uninstall",
    "installation_update",
    "installation_update_plan",
    "user_authorization_record",
]
