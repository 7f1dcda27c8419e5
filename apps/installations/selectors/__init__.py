"""Reads of installations, each scoped to the account (and member) asking: the
installations and their access (``installations``), their settings, the versions they
could move to (``updates``), and where the apps appear (``embeddings``). Callers import
from this package; the modules are its inside.
"""

from apps.installations.selectors.embeddings import (
    Embedding,
    embedding_list_for_member,
    installation_list_usable_for,
)
from apps.installations.selectors.installations import (
    Access,
    SettingField,
    installation_access,
    installation_count_for_developer_app,
    installation_get,
    installation_get_for,
    installation_get_for_use,
    installation_history,
    installation_ids_usable_by,
    installation_list_for_account,
    installation_live_for,
    installation_member_may_use,
    installation_settings,
    installation_setup_missing,
    installation_setup_missing_for,
    installation_uninstall_job,
    installation_uninstall_jobs_for_account,
    installation_webhooks,
    setting_file_get,
    user_authorization_get,
)
from apps.installations.selectors.secrets import installation_secret_values
from apps.installations.selectors.subscriptions import (
    subscribed_events_forget,
    subscribed_events_of_account,
)
from apps.installations.selectors.updates import (
    PendingUpdate,
    installation_newer_versions,
    installation_pending_update,
    installation_update_target,
    installation_updates_for_account,
)

__all__ = [
    "Access",
    "Embedding",
    "PendingUpdate",
    "SettingField",
    "embedding_list_for_member",
    "installation_access",
    "installation_count_for_developer_app",
    "installation_get",
    "installation_get_for",
    "installation_get_for_use",
    "installation_history",
    "installation_ids_usable_by",
    "installation_list_for_account",
    "installation_list_usable_for",
    "installation_live_for",
    "installation_member_may_use",
    "installation_newer_versions",
    "installation_pending_update",
    "installation_secret_values",
    "installation_settings",
    "installation_setup_missing",
    "installation_setup_missing_for",
    "installation_uninstall_job",
    "installation_uninstall_jobs_for_account",
    "installation_update_target",
    "installation_updates_for_account",
    "installation_webhooks",
    "setting_file_get",
    "subscribed_events_forget",
    "subscribed_events_of_account",
    "user_authorization_get",
]
