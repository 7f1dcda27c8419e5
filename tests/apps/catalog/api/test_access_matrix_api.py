"""Who may call each developer endpoint of the catalog API, and the public ones.

Developer endpoints: anonymous 401; an outsider (admin of another account, no developer
right there) and a member without the developer right 403; platform moderators and staff,
who are members of no account, 404; a developer or an API key of another account 404 for
any object of ``account``; a developer of ``account`` and its API key are allowed. Every
denial leaves every catalog and moderation row as it was.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import get_resolver

from apps.catalog.models import App, AppVersion, InstallLink
from apps.catalog.services import app_banner_add, app_listing_update, app_logo_set
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.catalog.api.helpers import PERSONAS, catalog_snapshot, persona_client
from tests.factories import MembershipFactory
from tests.factories.catalog import (
    banner_file,
    logo_file,
    make_app,
    make_install_link,
    make_version,
    manifest_text,
)

pytestmark = pytest.mark.django_db


def _json(data: dict) -> Callable[[], dict[str, Any]]:
    return lambda: {"data": data, "format": "json"}


def _manifest(number: str) -> Callable[[], dict[str, Any]]:
    return lambda: {"data": manifest_text(number), "content_type": "application/json"}


def _file(make: Callable) -> Callable[[], dict[str, Any]]:
    return lambda: {"data": {"file": make()}, "format": "multipart"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    # {app}: the app's code; {published}/{approved}/{submitted}/{draft}: version numbers;
    # {banner}, {link}: ids.
    path: str
    allowed: int = 200
    body: Callable[[], dict[str, Any]] | None = None
    collection: bool = False  # acts on the acting account, not on an object of it
    extra: dict = field(default_factory=dict)

    def call(self, client, objects: dict, **kwargs):
        url = API + self.path.format(**objects)
        if self.body is not None:
            kwargs.update(self.body())
        return getattr(client, self.method)(url, **kwargs)

    def __str__(self) -> str:
        return f"{self.name}:{self.method}"


A = "/apps/{app}"
V = A + "/versions"
ENDPOINTS = [
    Endpoint("app-list", "get", "/apps", collection=True),
    Endpoint(
        "app-list",
        "post",
        "/apps",
        201,
        _json({"name": "New app", "type": "private"}),
        collection=True,
    ),
    Endpoint("app-detail", "get", A),
    Endpoint("app-detail", "patch", A, body=_json({"summary": "Better summary."})),
    Endpoint("app-detail", "delete", A, 202),
    Endpoint("app-activate", "post", A + "/activate"),
    Endpoint("app-deactivate", "post", A + "/deactivate"),
    Endpoint("app-list_in_catalog", "post", A + "/list"),
    Endpoint("app-unlist", "post", A + "/unlist"),
    Endpoint("app-logo", "put", A + "/logo", body=_file(logo_file)),
    Endpoint("app-logo", "delete", A + "/logo"),
    Endpoint("app_banner-list", "get", A + "/banners"),
    Endpoint("app_banner-list", "post", A + "/banners", 201, _file(banner_file)),
    Endpoint("app_banner-detail", "delete", A + "/banners/{banner}", 204),
    Endpoint("app_credentials-detail", "get", A + "/credentials"),
    Endpoint("app_credentials-rotate", "post", A + "/credentials/rotate"),
    Endpoint("version-list", "get", V),
    Endpoint("version-list", "post", V, 201, _manifest("2.0.0")),
    Endpoint("version-detail", "get", V + "/{draft}"),
    Endpoint("version-detail", "put", V + "/{draft}", body=_manifest("1.3.0")),
    Endpoint("version-detail", "patch", V + "/{draft}", body=_json({"changelog": "Better."})),
    Endpoint("version-submit", "post", V + "/{draft}/submit"),
    Endpoint("version-withdraw", "post", V + "/{submitted}/withdraw"),
    Endpoint("version-publish", "post", V + "/{approved}/publish"),
    Endpoint("version-hide", "post", V + "/{published}/hide"),
    Endpoint("version-diff", "get", V + "/{draft}/diff"),
    Endpoint("version-history", "get", V + "/{draft}/history"),
    Endpoint("install_link-list", "get", V + "/{published}/install-links"),
    Endpoint(
        "install_link-list",
        "post",
        V + "/{published}/install-links",
        201,
        _json({"label": "Testers"}),
    ),
    Endpoint("install_link-revoke", "post", V + "/{published}/install-links/{link}/revoke"),
]
OBJECT_LEVEL = [e for e in ENDPOINTS if not e.collection]


def make_objects(account) -> dict:
    """A listed public app of ``account`` with a logo, a banner, an install link and a
    version in each state the endpoints act on."""
    app = make_app(account=account, name=f"{account.slug} invoicer")
    make_version(app=app, number="1.0.0", status="published")
    make_version(app=app, number="1.1.0", status="approved")
    make_version(app=app, number="1.2.0", status="submitted")
    make_version(app=app, number="1.3.0", status="draft")
    app_listing_update(
        app=app, summary="Invoices.", description="Invoices from deals.", support_email="h@x.io"
    )
    app_logo_set(app=app, upload=logo_file())
    banner = app_banner_add(app=app, upload=banner_file())
    link, _ = make_install_link(version=AppVersion.objects.get(app=app, number="1.0.0"))
    return {
        "app": app.code,
        "published": "1.0.0",
        "approved": "1.1.0",
        "submitted": "1.2.0",
        "draft": "1.3.0",
        "banner": banner.pk,
        "link": link.pk,
    }


@pytest.fixture
def objects(account):
    return make_objects(account)


@pytest.fixture
def other_objects(other_account):
    return make_objects(other_account)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("persona", ["developer", "api_key"])
def test_allowed(request, endpoint, persona, objects):
    client = persona_client(request, persona)

    response = endpoint.call(client, objects)

    assert response.status_code == endpoint.allowed, response.content


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_anonymous_is_asked_to_authenticate(endpoint, objects):
    before = catalog_snapshot()

    response = endpoint.call(api_client(), objects)

    assert_error(response, 401, "not_authenticated")
    assert catalog_snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_members_without_the_developer_right_are_refused(request, endpoint, persona, objects):
    client = persona_client(request, persona)
    before = catalog_snapshot()

    response = endpoint.call(client, objects)

    error = assert_error(response, 403, "permission_denied")
    assert "developer right" in error["message"]
    assert catalog_snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("persona", ["moderator", "staff"])
def test_platform_staff_are_members_of_no_account(request, endpoint, persona, objects):
    client = persona_client(request, persona)
    before = catalog_snapshot()

    response = endpoint.call(client, objects)

    assert_error(response, 404, "not_found")
    assert catalog_snapshot() == before


@pytest.mark.parametrize("endpoint", OBJECT_LEVEL, ids=str)
@pytest.mark.parametrize("persona", ["other_developer", "other_api_key"])
def test_another_accounts_developers_and_keys_see_nothing(request, endpoint, persona, objects):
    client = persona_client(request, persona)
    before = catalog_snapshot()

    response = endpoint.call(client, objects)

    assert_error(response, 404, "not_found")
    assert catalog_snapshot() == before


@pytest.mark.parametrize("endpoint", OBJECT_LEVEL, ids=str)
def test_another_accounts_objects_are_not_found_for_the_developer(
    developer, endpoint, objects, other_objects
):
    """The developer's own account has the same states: only tenancy refuses."""
    before = catalog_snapshot()

    response = endpoint.call(api_client(developer), other_objects)

    assert_error(response, 404, "not_found")
    assert catalog_snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_the_account_header_names_an_account_the_user_is_not_in(outsider, endpoint, objects):
    before = catalog_snapshot()

    response = endpoint.call(api_client(outsider), objects, headers={"X-Account": "acme"})

    assert_error(response, 404, "not_found")
    assert catalog_snapshot() == before


def test_a_developer_in_two_accounts_acts_where_the_header_says(
    developer, other_account, objects, other_objects
):
    MembershipFactory(account=other_account, user=developer, is_developer=True)
    client = api_client(developer)

    acme = client.get(f"{API}/apps", headers={"X-Account": "acme"}).json()["results"]
    globex = client.get(f"{API}/apps", headers={"X-Account": "globex"}).json()["results"]

    assert [a["code"] for a in acme] == [str(objects["app"])]
    assert [a["code"] for a in globex] == [str(other_objects["app"])]


@pytest.mark.parametrize("persona", ["other_developer", "other_api_key"])
def test_lists_and_creation_stay_in_the_callers_account(request, persona, objects, other_account):
    client = persona_client(request, persona)

    listed = client.get(f"{API}/apps")
    created = client.post(f"{API}/apps", {"name": "Mine", "type": "public"}, format="json")

    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    assert created.status_code == 201
    assert App.objects.get(code=created.json()["code"]).account == other_account
    assert App.objects.filter(account__slug="acme").count() == 1


# --- the public and signed-in-only endpoints ---------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_marketplace_is_open_to_everyone(request, persona, objects):
    client = persona_client(request, persona)
    before = catalog_snapshot()

    listing = client.get(f"{API}/marketplace/apps")
    detail = client.get(f"{API}/marketplace/apps/{objects['app']}")

    assert listing.status_code == 200
    assert listing.json()["count"] == 0  # listed only by the endpoint tests
    assert_error(detail, 404, "not_found")
    App.objects.filter(code=objects["app"]).update(is_listed=True)
    assert client.get(f"{API}/marketplace/apps").json()["count"] == 1
    assert client.get(f"{API}/marketplace/apps/{objects['app']}").status_code == 200
    App.objects.filter(code=objects["app"]).update(is_listed=False)
    assert catalog_snapshot() == before


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_any_signed_in_caller_may_preview_an_install_link(request, persona, account):
    app = make_app(account=account)
    _, token = make_install_link(version=make_version(app=app))
    before = catalog_snapshot()

    response = persona_client(request, persona).get(f"{API}/install-links/{token}")

    assert response.status_code == 200
    assert response.json()["app"]["code"] == str(app.code)
    assert catalog_snapshot() == before


def test_anonymous_cannot_preview_an_install_link(account):
    _, token = make_install_link(version=make_version(app=make_app(account=account)))

    assert_error(api_client().get(f"{API}/install-links/{token}"), 401, "not_authenticated")
    assert InstallLink.objects.get().revoked_at is None


def test_the_matrix_covers_every_developer_route():
    catalog = get_resolver().namespace_dict["api"][1].namespace_dict["catalog"][1]
    names = {name for name in catalog.reverse_dict if isinstance(name, str)}
    developer_routes = {
        name
        for name in names
        if name.startswith(("app-", "app_", "version-", "install_link-"))
        and name != "install_link-preview"
    }

    assert developer_routes == {e.name for e in ENDPOINTS}
