"""The sidebar: sections shown by role, each a list of links shown by a predicate.

Adding a page to the sidebar is one line at the bottom of this module, e.g.::

    MODERATION.add("Review queue", "console:moderation:review-list")

A section is shown when its own predicate holds and at least one of its items is visible,
so a section without items (Moderation, for now) stays hidden.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from console.access import request_actor

Predicate = Callable[[HttpRequest], bool]


def always(request: HttpRequest) -> bool:
    return True


def is_developer(request: HttpRequest) -> bool:
    return request_actor(request).is_developer


def is_member(request: HttpRequest) -> bool:
    return request_actor(request).membership is not None


def is_account_admin(request: HttpRequest) -> bool:
    return request_actor(request).is_admin


def is_moderator(request: HttpRequest) -> bool:
    return request.user.is_authenticated and request_actor(request).is_moderator


def is_staff(request: HttpRequest) -> bool:
    return request_actor(request).is_staff


def has_django_admin(request: HttpRequest) -> bool:
    """Whether the Django admin's index lists anything for the user: staff with at least
    one permission on a model registered there, or a superuser. A moderator's
    ``moderate_apps`` alone opens the admin onto "nothing you may view or edit"."""
    if not admin.site.has_permission(request):
        return False
    return bool(request.user.is_superuser or admin.site.get_app_list(request))


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    visible: Predicate = always


@dataclass
class NavSection:
    key: str
    label: str
    visible: Predicate
    items: list[NavItem] = field(default_factory=list)

    def add(self, label: str, url_name: str, *, visible: Predicate = always) -> NavItem:
        item = NavItem(label=label, url_name=url_name, visible=visible)
        self.items.append(item)
        return item


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    active: bool = False


@dataclass(frozen=True)
class VisibleSection:
    key: str
    label: str
    links: list[Link]


SECTIONS: list[NavSection] = []


def section(key: str, label: str, visible: Predicate) -> NavSection:
    """Register a sidebar section; sections render in registration order."""
    new = NavSection(key=key, label=label, visible=visible)
    SECTIONS.append(new)
    return new


def navigation_for(
    request: HttpRequest, sections: Sequence[NavSection] | None = None
) -> list[VisibleSection]:
    """The sections and links ``request.user`` may see, the current page's link marked.

    A section without items is skipped before its predicate runs, so a hidden section
    costs no query.
    """
    visible: list[VisibleSection] = []
    for candidate in SECTIONS if sections is None else sections:
        if not candidate.items or not candidate.visible(request):
            continue
        links = [
            Link(label=item.label, url=reverse(item.url_name))
            for item in candidate.items
            if item.visible(request)
        ]
        if links:
            visible.append(VisibleSection(key=candidate.key, label=candidate.label, links=links))
    return _mark_active(request.path, visible)


def section_links(request: HttpRequest, key: str) -> list[Link]:
    """The links of one section ``request.user`` may see (none when the section is hidden)."""
    for visible in navigation_for(request, [s for s in SECTIONS if s.key == key]):
        return visible.links
    return []


def _mark_active(path: str, sections: list[VisibleSection]) -> list[VisibleSection]:
    # The longest link that prefixes the path wins: /system/jobs/3/ lights up /system/.
    best = max(
        (link.url for s in sections for link in s.links if path.startswith(link.url)),
        key=len,
        default=None,
    )
    return [
        VisibleSection(
            key=s.key,
            label=s.label,
            links=[Link(link.label, link.url, active=link.url == best) for link in s.links],
        )
        for s in sections
    ]


def may_read_records(code: str) -> Predicate:
    """Whether the member's role gives read on the module of the catalog model ``code``."""

    def visible(request: HttpRequest) -> bool:
        from apps.modules.policies import record_can
        from apps.modules.registry import registration_for

        return registration_for(code) is not None and record_can(
            request_actor(request), code=code, level="read"
        )

    return visible


# The product's own pages come first: they are what members work in every day.
RECORDS = section("records", "Records", is_member)
DEVELOPER = section("developer", "Developer", is_developer)
ACCOUNT_ADMIN = section("account-admin", "Account admin", is_account_admin)
MODERATION = section("moderation", "Moderation", is_moderator)
PLATFORM = section("platform", "Platform", is_staff)
MARKETPLACE = section("marketplace", "Marketplace", always)

DEVELOPER.add("Apps", "console:developer:app-list")
DEVELOPER.add("Manifest check", "console:developer:manifest-check")
DEVELOPER.add("Scopes & events", "console:developer:scope-reference")
DEVELOPER.add("API reference", "api-docs")
# Admins find it under Account admin; a developer who is not an admin, here.
DEVELOPER.add("Background jobs", "console:jobs:job-list", visible=lambda r: not is_account_admin(r))
ACCOUNT_ADMIN.add("Members", "console:accounts:member-list")
ACCOUNT_ADMIN.add("Roles & groups", "console:accounts:role-list")
ACCOUNT_ADMIN.add("API keys", "console:accounts:api_key-list")
ACCOUNT_ADMIN.add("History", "console:accounts:event-list")
ACCOUNT_ADMIN.add("Installed apps", "console:installations:installation-list")
ACCOUNT_ADMIN.add("Background jobs", "console:jobs:job-list")
PLATFORM.add("System status", "console:system:status")
PLATFORM.add("Django admin", "admin:index", visible=has_django_admin)
MODERATION.add("Review queue", "console:moderation:review-list")
MARKETPLACE.add("Browse apps", "console:marketplace:app-list")
MARKETPLACE.add("My apps", "console:installations:my_app-list", visible=is_member)


def _add_record_pages() -> None:
    from console.records.pages import PAGES

    for page in PAGES:
        RECORDS.add(page.label, page.url_name("list"), visible=may_read_records(page.code))


_add_record_pages()
