"""Developer API: an account's apps, their listing and images, OAuth credentials,
versions (from a manifest, with their status flow, diff and history) and install links.

Who may call: a signed-in member with the developer right in the acting account
(``X-Account`` picks it), or an account API key, which manages its own account's apps.
A member without the right gets 403; an app of another account is 404. Every write goes
through one service of ``apps.catalog.services``, which writes all or nothing.
"""

from apps.catalog.api.developer.app_views import (
    AppActivateApi,
    AppCredentialsApi,
    AppCredentialsRotateApi,
    AppDeactivateApi,
    AppDetailApi,
    AppListApi,
    AppListInCatalogApi,
    AppUnlistApi,
)
from apps.catalog.api.developer.image_views import (
    AppBannerDetailApi,
    AppBannerListApi,
    AppLogoApi,
)
from apps.catalog.api.developer.link_views import (
    InstallLinkListApi,
    InstallLinkRevokeApi,
)
from apps.catalog.api.developer.version_views import (
    VersionDetailApi,
    VersionDiffApi,
    VersionHideApi,
    VersionHistoryApi,
    VersionListApi,
    VersionPublishApi,
    VersionSubmitApi,
    VersionWithdrawApi,
)

__all__ = [
    "AppActivateApi",
    "AppBannerDetailApi",
    "AppBannerListApi",
    "AppCredentialsApi",
    "AppCredentialsRotateApi",
    "AppDeactivateApi",
    "AppDetailApi",
    "AppListApi",
    "AppListInCatalogApi",
    "AppLogoApi",
    "AppUnlistApi",
    "InstallLinkListApi",
    "InstallLinkRevokeApi",
    "VersionDetailApi",
    "VersionDiffApi",
    "VersionHideApi",
    "VersionHistoryApi",
    "VersionListApi",
    "VersionPublishApi",
    "VersionSubmitApi",
    "VersionWithdrawApi",
]
