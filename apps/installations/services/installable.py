"""Whether a version can be installed on an account from where it is asked, and the app
lock an install or update takes before it checks."""

from __future__ import annotations

from apps.accounts.models import Account
from apps.catalog.errors import CatalogError
from apps.catalog.models import App, AppVersion, InstallLink
from apps.core.errors import Conflict
from apps.installations.errors import InstallationError
from apps.installations.policies import install_refusal

REFUSALS: dict[str, str] = {
    CatalogError.APP_INACTIVE: "The app “{app}” is not active, so it cannot be installed now.",
    CatalogError.VERSION_NOT_INSTALLABLE: (
        "Version {number} of “{app}” was rejected and cannot be installed."
    ),
    InstallationError.PRIVATE_APP: (
        "“{app}” is a private app: it can be installed only through an install link from its "
        "developer."
    ),
    InstallationError.VERSION_NOT_PUBLISHED: "Version {number} of “{app}” is not published.",
}


def installation_check_installable(
    *,
    account: Account,
    version: AppVersion,
    install_link: InstallLink | None = None,
    installed: bool = False,
) -> None:
    """Refuse (``Conflict`` with a stable code) a version that cannot be installed on
    ``account`` from where it is asked (``installed``: as an update of the app the
    account has)."""
    app = version.app
    code = install_refusal(
        app_type=app.type,
        app_status=app.status,
        version_status=version.status,
        own_account=app.account_id == account.pk,
        via_link=install_link is not None and install_link.version_id == version.pk,
        installed=installed,
    )
    if code:
        raise Conflict(REFUSALS[code].format(app=app.name, number=version.number), code=code)


def _lock_app(version: AppVersion) -> None:
    """Lock the version's app row for the rest of the transaction and read its status
    again: an app deletion that committed after the caller loaded the app wins, and one
    that is committing is waited for, so nothing is installed on an app being deleted."""
    list(App.objects.select_for_update().filter(pk=version.app_id).values_list("pk", flat=True))
    version.app.refresh_from_db(fields=["status"])
