"""Reads of the catalog, each scoped to who asks.

- A developer account sees its own apps (deleting ones too, so it sees them go).
- Everyone sees the public catalog: public, active, listed apps with a published version.
- Install links resolve by token (see ``services.install_link_resolve``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from apps.accounts.actors import ANONYMOUS, Actor
from apps.accounts.models import Account
from apps.accounts.services import actor_require_developer
from apps.catalog.manifests import ManifestDiff, manifest_diff, manifest_validate
from apps.catalog.manifests.types import Manifest
from apps.catalog.models import (
    App,
    AppStatus,
    AppType,
    AppVersion,
    InstallLink,
    VersionEvent,
    VersionStatus,
)
from apps.catalog.policies import (
    IN_MODERATION,
    LISTING_FIELDS,
    ListingPiece,
    app_listing_problems,
    listing_pieces,
    semver_key,
)
from apps.core.errors import NotFound
from apps.scopes.catalog import get_catalog
from apps.scopes.policies import parse_scope, scope_phrase


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def _latest_number(status: str | None = None) -> Subquery:
    qs = AppVersion.objects.filter(app=OuterRef("pk"))
    if status:
        qs = qs.filter(status=status)
        qs = qs.order_by("-published_at", "-pk")
    else:
        qs = qs.order_by("-created_at", "-pk")
    return Subquery(qs.values("number")[:1])


def app_list_for_developer(*, account: Account) -> QuerySet[App]:
    """The account's apps by name, each with ``version_count``, ``latest_number``,
    ``published_number`` and ``pending_count`` (versions in moderation), in one query."""
    return (
        App.objects.filter(account=account)
        .select_related("oauth_application")
        .annotate(
            version_count=Count("versions", distinct=True),
            pending_count=Count(
                "versions",
                filter=Q(versions__status__in=IN_MODERATION),
                distinct=True,
            ),
            latest_number=_latest_number(),
            published_number=_latest_number(VersionStatus.PUBLISHED),
        )
        # Meta.ordering does not apply to a grouped query: order explicitly.
        .order_by("name", "pk")
    )


def app_get_for_developer(*, account: Account, code: Any) -> App:
    """One of the account's apps by its code; ``NotFound`` for any other."""
    parsed = _uuid(code)
    app = app_list_for_developer(account=account).filter(code=parsed).first() if parsed else None
    if app is None:
        raise NotFound(
            "No such app in this account: check the app code, or switch to the account that "
            "owns it (X-Account header in the API)."
        )
    return app


def app_get_for(*, actor: Actor, code: Any) -> App:
    """One app of the account ``actor`` acts in, for those who build its apps (members
    with the developer right, the account's API keys). ``NotFound`` when it acts in no
    account or the app is another account's, ``PermissionDenied`` without the right
    (whatever the code)."""
    account = actor_require_developer(actor=actor, api_keys=True)
    return app_get_for_developer(account=account, code=code)


@dataclass(frozen=True)
class ListingState:
    """Whether an app can be listed in the catalog now, by the catalog's own rule:
    ``problems`` as ``app_listing_problems`` names them (empty: it can be listed), and
    ``pieces``, the listing text the catalog needs, each filled or not."""

    pieces: list[ListingPiece]
    problems: dict[str, list[str]]

    @property
    def missing(self) -> list[str]:
        """The labels of the listing text not filled yet, in reading order."""
        return [piece.label for piece in self.pieces if not piece.filled]

    @property
    def text_complete(self) -> bool:
        """Whether the listing text (summary, description, support contact) is filled."""
        return not self.missing


def app_listing_state(*, app: App, has_published_version: bool | None = None) -> ListingState:
    """The app's listing against what the catalog needs. Whether it has a published
    version is read with one query unless the caller, holding its versions, says."""
    if has_published_version is None:
        has_published_version = app.versions.filter(status=VersionStatus.PUBLISHED).exists()
    listing = {name: getattr(app, name) for name in LISTING_FIELDS}
    problems = app_listing_problems(
        app_type=app.type,
        status=app.status,
        has_published_version=has_published_version,
        listing=listing,
    )
    return ListingState(pieces=listing_pieces(listing), problems=problems)


def version_list_for_app(*, app: App) -> QuerySet[AppVersion]:
    """The app's versions, newest first, each with its app loaded."""
    return AppVersion.objects.filter(app=app).select_related("app", "created_by")


def version_get(*, app: App, number: str) -> AppVersion:
    version = version_list_for_app(app=app).filter(number=number).first()
    if version is None:
        raise NotFound(f"The app has no version {number}.")
    version.app = app
    return version


def version_get_for(*, actor: Actor, code: Any, number: str) -> AppVersion:
    """One version of an app ``actor`` may build (``app_get_for``), by its number, with
    its app (annotated as ``app_get_for`` loads it). ``NotFound`` for another account's
    app or an unknown number, ``PermissionDenied`` without the developer right."""
    return version_get(app=app_get_for(actor=actor, code=code), number=number)


def version_previous(*, version: AppVersion) -> AppVersion | None:
    """The version just below this one by version number, if any."""
    others = [v for v in version_list_for_app(app=version.app) if v.pk != version.pk]
    lower = [v for v in others if semver_key(v.number) < semver_key(version.number)]
    return max(lower, key=lambda v: semver_key(v.number), default=None)


def version_last_published(*, app: App, exclude: AppVersion | None = None) -> AppVersion | None:
    """The most recently published version still published (``exclude`` left out)."""
    qs = version_list_for_app(app=app).filter(status=VersionStatus.PUBLISHED)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("-published_at", "-pk").first()


def version_manifest(version: AppVersion) -> Manifest:
    """The stored manifest as a typed value (it was valid when stored)."""
    check = manifest_validate(version.manifest)
    if check.manifest is None:  # the catalog shrank since: show what can be shown
        raise NotFound(
            f"The manifest of version {version.number} no longer validates against the scope "
            "catalog in force."
        )
    return check.manifest


def version_diff(*, version: AppVersion, against: AppVersion | None) -> ManifestDiff | None:
    """What changed from ``against`` to ``version``; ``None`` when there is nothing to
    compare with."""
    if against is None:
        return None
    return manifest_diff(version_manifest(against), version_manifest(version))


def version_history(*, version: AppVersion) -> QuerySet[VersionEvent]:
    """Every status change of the version, oldest first."""
    return VersionEvent.objects.filter(version=version).select_related("actor")


@dataclass(frozen=True)
class ScopeLine:
    scope: str
    phrase: str
    reason: str


def version_scope_lines(*, version: AppVersion) -> list[ScopeLine]:
    """The version's effective scopes in plain words, each with the developer's reason."""
    reasons: dict[str, list[str]] = {}
    for item in version.manifest.get("scopes", []):
        reasons.setdefault(item.get("code", ""), []).append(item.get("reason", ""))
    lines = []
    for value in version.effective_scopes:
        grant = parse_scope(value)
        lines.append(
            ScopeLine(
                scope=value,
                phrase=scope_phrase(grant),
                reason=" ".join(r for r in reasons.get(grant.code, []) if r),
            )
        )
    return lines


def install_link_list_for_version(*, version: AppVersion) -> QuerySet[InstallLink]:
    return InstallLink.objects.filter(version=version).select_related("created_by", "revoked_by")


def install_link_get(*, version: AppVersion, link_id: int) -> InstallLink:
    link = install_link_list_for_version(version=version).filter(pk=link_id).first()
    if link is None:
        raise NotFound("No such install link on this version.")
    return link


# --- the public catalog ----------------------------------------------------------------------


def catalog_app_list() -> QuerySet[App]:
    """Apps anyone may see in the marketplace: public, active, listed, with a published
    version; each with ``published_number`` and ``developer`` (the account) loaded.

    "Has a published version" is an ``EXISTS``, not a join with ``DISTINCT``: a page's
    ``COUNT`` then skips the annotations instead of computing them for every app."""
    published = AppVersion.objects.filter(app=OuterRef("pk"), status=VersionStatus.PUBLISHED)
    return (
        App.objects.filter(
            Exists(published),
            type=AppType.PUBLIC,
            status=AppStatus.ACTIVE,
            is_listed=True,
        )
        .select_related("account")
        .annotate(published_number=_latest_number(VersionStatus.PUBLISHED))
    )


def catalog_app_get(*, code: Any) -> App:
    parsed = _uuid(code)
    app = catalog_app_list().filter(code=parsed).first() if parsed else None
    if app is None:
        raise NotFound("No such app in the marketplace.")
    return app


def catalog_versions(*, app: App) -> list[AppVersion]:
    """The app's published versions, highest number first."""
    versions = list(AppVersion.objects.filter(app=app, status=VersionStatus.PUBLISHED))
    return sorted(versions, key=lambda v: semver_key(v.number), reverse=True)


# --- moderation queue reads (used by apps.moderation) ----------------------------------------

AGE_FILTERS: dict[str, timedelta] = {
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "7d": timedelta(days=7),
    "14d": timedelta(days=14),
}


def version_list_in_moderation() -> QuerySet[AppVersion]:
    """Versions of public apps submitted or in review, oldest submission first, with app
    and developer account loaded. Apps being deleted drop out."""
    return (
        AppVersion.objects.filter(
            status__in=IN_MODERATION,
            app__type=AppType.PUBLIC,
        )
        .exclude(app__status=AppStatus.DELETING)
        .select_related("app", "app__account")
        .order_by("submitted_at", "pk")
    )


def age_cutoff(code: str) -> Any:
    return timezone.now() - AGE_FILTERS[code]


def listing_image_get(*, code: Any, banner_id: int | None = None, actor: Actor = ANONYMOUS) -> Any:
    """The logo (or one banner) file of an app, when ``actor`` may see the app: anyone
    for an app in the public catalog; for any other, a person who is a member of the
    owning account (in whichever account they act) or a moderator. ``NotFound``
    otherwise, or when the image does not exist."""
    parsed = _uuid(code)
    app = App.objects.filter(code=parsed).select_related("account").first() if parsed else None
    if app is None or not _may_see_listing(app, actor):
        raise NotFound("No such image.")
    if banner_id is None:
        if not app.logo:
            raise NotFound("This app has no logo.")
        return app.logo
    banner = app.banners.filter(pk=banner_id).first()
    if banner is None:
        raise NotFound("No such banner.")
    return banner.image


def _may_see_listing(app: App, actor: Actor) -> bool:
    if catalog_app_list().filter(pk=app.pk).exists():
        return True
    if actor.user is None or not actor.user.is_authenticated:
        return False
    if actor.is_moderator:
        return True
    return app.account.memberships.filter(user=actor.user).exists()


# --- browsing the public catalog -------------------------------------------------------------


def _last_published() -> QuerySet[AppVersion]:
    return AppVersion.objects.filter(app=OuterRef("pk"), status=VersionStatus.PUBLISHED).order_by(
        "-published_at", "-pk"
    )


def catalog_app_list_for_browsing() -> QuerySet[App]:
    """``catalog_app_list`` with ``last_published_id`` and ``last_published_at`` (its most
    recently published version): what ``catalog_filter_reads_module``,
    ``catalog_filter_authorization`` and the "newest first" order work on. One query."""
    return catalog_app_list().annotate(
        last_published_id=Subquery(_last_published().values("pk")[:1]),
        last_published_at=Subquery(_last_published().values("published_at")[:1]),
    )


def catalog_filter_reads_module(module: str) -> Q:
    """Narrows ``catalog_app_list_for_browsing`` to apps whose latest published version
    has an effective scope of ``module`` (its module scope or a narrower one). An unknown
    module matches nothing."""
    codes = sorted(
        str(code) for code, scope in get_catalog().scopes.items() if scope.module == module
    )
    if not codes:
        return Q(pk__in=[])
    # Effective scopes are stored as "code:level" strings: '"crm.accounts:' matches that
    # scope at either level and nothing else.
    match = Q()
    for code in codes:
        match |= Q(effective_scopes__icontains=f'"{code}:')
    return Q(Exists(AppVersion.objects.filter(match, pk=OuterRef("last_published_id"))))


def catalog_filter_authorization(kind: str) -> Q:
    """Narrows ``catalog_app_list_for_browsing`` to apps whose latest published version
    is authorized at ``kind`` level ("account": by an admin for the account; "user": by
    each user)."""
    return Q(
        Exists(
            AppVersion.objects.filter(
                pk=OuterRef("last_published_id"), manifest__authorization=kind
            )
        )
    )
