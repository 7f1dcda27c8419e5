"""Installed apps in the console: the account admin's pages (list, one installed app,
who may use it, its settings, update, pin, uninstall) and every member's own apps page with
their user-level settings.

Every read goes through an installations selector scoped to the current account, so
another account's installation is a 404; a member who is not an admin gets 403 on the
admin pages. Writes call the installations services and come back with a message
(POST-redirect-GET); a refusal is shown on the form with nothing written.
"""

from console.installations.views.admin import (
    InstallationAccessView,
    InstallationDetailView,
    InstallationListView,
    InstallationPinView,
    InstallationUninstallView,
    InstallationUnpinView,
    InstallationUpdateView,
)
from console.installations.views.common import (
    InstallationMixin,
    SettingsPage,
    event_line,
    file_response,
    installation_url,
    logo_visible,
    manifest_or_none,
    scope_rows,
)
from console.installations.views.connection import (
    InstallationConnectionRefreshView,
    InstallationConnectionTestView,
    InstallationConnectionView,
    InstallationConnectView,
    InstallationDisconnectView,
)
from console.installations.views.member import (
    MyAppListView,
    MyAppMixin,
    MySettingFileView,
    MySettingsView,
)
from console.installations.views.reauthorize import (
    InstallationReauthorizeView,
    MyAppReauthorizeView,
)
from console.installations.views.settings import (
    InstallationFileView,
    InstallationSettingsView,
    InstallationUserFileView,
    InstallationUserPickView,
    InstallationUserSettingsView,
    MemberTargetMixin,
)
from console.installations.views.webhooks import InstallationWebhookEnableView

__all__ = [
    "InstallationAccessView",
    "InstallationConnectView",
    "InstallationConnectionRefreshView",
    "InstallationConnectionTestView",
    "InstallationConnectionView",
    "InstallationDetailView",
    "InstallationDisconnectView",
    "InstallationFileView",
    "InstallationListView",
    "InstallationMixin",
    "InstallationPinView",
    "InstallationReauthorizeView",
    "InstallationSettingsView",
    "InstallationUninstallView",
    "InstallationUnpinView",
    "InstallationUpdateView",
    "InstallationUserFileView",
    "InstallationUserPickView",
    "InstallationUserSettingsView",
    "InstallationWebhookEnableView",
    "MemberTargetMixin",
    "MyAppListView",
    "MyAppMixin",
    "MyAppReauthorizeView",
    "MySettingFileView",
    "MySettingsView",
    "SettingsPage",
    "event_line",
    "file_response",
    "installation_url",
    "logo_visible",
    "manifest_or_none",
    "scope_rows",
]
