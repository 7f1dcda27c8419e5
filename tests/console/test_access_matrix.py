"""Who may open each console page: one row per route of the ``console:`` namespace, one
cell per persona, for GET and, on the routes that take it, POST.

Personas (tests/console/access_world.py, as in tests/conftest.py): anonymous; ``outsider``,
an admin of another account; ``other_developer``, a developer of another account;
``member`` (Sales role, no admin or developer right); ``developer``; ``admin``;
``moderator`` and ``staff``, platform people who belong to no account.

The rules the rows spell out: anonymous is sent to the login page; a signed-in user
lacking the right gets 403; another account's object is a 404, so outsiders learn
nothing about it; platform people without an account get 404 on an account's pages
(no current account) and 403 on a member's. Every POST cell states whether the request
wrote anything; every other POST cell asserts that no row of any table changed.

A console route without a row fails ``test_every_console_route_has_a_row``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from apps.modules.policies import record_module
from console.records.pages import PAGES, RecordPage
from tests.console.access_world import PERSONAS, World, snapshot, world_in_transaction
from tests.factories.accounts import PASSWORD
from tests.factories.catalog import manifest_text

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Expect:
    status: int
    # A redirect's target: "login" (the login page, back here after), or a path pattern
    # (fnmatch) naming world values in braces.
    to: str | None = None
    # POST: the request changed rows; otherwise no row of any table may change.
    writes: bool = False
    # A download: the bytes of the file; an image: its content type.
    body: bytes | None = None
    content_type: str | None = None


OK = Expect(200)
JSON = Expect(200, content_type="application/json")
LOGIN = Expect(302, "login")
DENIED = Expect(403)
HIDDEN = Expect(404)
NO_METHOD = Expect(405)


def to(path: str, *, writes: bool = False) -> Expect:
    return Expect(302, path, writes=writes)


def wrote(path: str) -> Expect:
    return to(path, writes=True)


def row(default: Expect, **cells: Expect) -> dict[str, Expect]:
    """One expectation per persona: ``default`` unless ``cells`` names the persona."""
    unknown = set(cells) - set(PERSONAS)
    assert not unknown, unknown
    return {persona: cells.get(persona, default) for persona in PERSONAS}


# The access rules of the console's mixins, as rows; a route's row starts from one of
# these and replaces the cells where its page answers something else.
PUBLIC = row(OK)
SIGNED_IN = row(OK, anonymous=LOGIN)
# AccountAdminRequiredMixin: the outsider is an admin in their own account.
ADMIN_LIST = row(DENIED, anonymous=LOGIN, outsider=OK, admin=OK, moderator=HIDDEN, staff=HIDDEN)
ADMIN_OBJECT = ADMIN_LIST | {"outsider": HIDDEN}
# DeveloperRequiredMixin: the other account's developer works in their own account.
DEVELOPER_LIST = row(
    DENIED,
    anonymous=LOGIN,
    other_developer=OK,
    developer=OK,
    moderator=HIDDEN,
    staff=HIDDEN,
)
DEVELOPER_OBJECT = DEVELOPER_LIST | {"other_developer": HIDDEN}
# MemberRequiredMixin: platform people without an account are refused.
MEMBER_LIST = row(OK, anonymous=LOGIN, moderator=DENIED, staff=DENIED)
MODERATOR = row(DENIED, anonymous=LOGIN, moderator=OK, staff=OK)
# The host bridge's endpoints (console.embedding): POST only, for an embedding the member
# may open; another account's installation is a 404, a member without access a 403.
BRIDGE_GET = row(NO_METHOD, anonymous=LOGIN, moderator=DENIED, staff=DENIED)
BRIDGE_POST = MEMBER_LIST | {"outsider": HIDDEN, "other_developer": HIDDEN, "developer": DENIED}
STAFF = MODERATOR  # the moderator is platform staff too


@dataclass(frozen=True)
class Route:
    name: str  # under console:
    get: dict[str, Expect]
    post: dict[str, Expect] | None = None  # None: the route takes no POST
    kwargs: dict[str, str] = field(default_factory=dict)  # values name world values
    query: str = ""
    data: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def url(self, values: dict[str, Any]) -> str:
        kwargs = {key: value.format(**values) for key, value in self.kwargs.items()}
        return reverse(f"console:{self.name}", kwargs=kwargs) + self.query.format(**values)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Value:
    """In a POST body: the world value of this name."""

    name: str


def posts(data: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda values: {
        key: values[raw.name] if isinstance(raw, Value) else raw for key, raw in data.items()
    }


APP = {"code": "{code}"}
DRAFT = APP | {"number": "{draft}"}
PUBLISHED = APP | {"number": "{published}"}
LINK = PUBLISHED | {"link_id": "{link_id}"}
INSTALLED = {"installation_id": "{installation_id}"}
FRAME = INSTALLED | {"embedding_id": "menu"}
APP_PAGE = "/developer/apps/{code}/"
INSTALLED_PAGE = "/apps/installed/{installation_id}/"
NEW_PASSWORD = "An0ther-long-passphrase"
MEMBER = {"user_id": "{member_id}"}
MEMBERS = "/accounts/members/"
INVITATIONS = "/accounts/invitations/"
ROLES = "/accounts/roles/"
CHECKLIST = ["functionality", "works_as_described", "security", "scopes"]

ROUTES = [
    # --- home and signing in -----------------------------------------------------------------
    Route("home", get=SIGNED_IN, post=row(NO_METHOD, anonymous=LOGIN), data=posts({})),
    Route(
        "login",
        get=row(to("/"), anonymous=OK),
        post=row(to("/"), anonymous=wrote("/")),  # last_login
        data=posts({"username": "member@acme.test", "password": PASSWORD}),
    ),
    Route("logout", get=row(NO_METHOD), post=row(to("/login/")), data=posts({})),
    Route(
        "password-reset",
        get=PUBLIC,
        post=row(to("/password/reset/sent/")),  # an e-mail, no row
        data=posts({"email": "member@acme.test"}),
    ),
    Route("password-reset-done", get=PUBLIC),
    # An unknown user and token: the page says the link is invalid, to everyone.
    Route(
        "password-reset-confirm",
        get=PUBLIC,
        post=PUBLIC,
        kwargs={"uidb64": "MQ", "token": "set-password"},
        data=posts({"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}),
    ),
    Route("password-reset-complete", get=PUBLIC),
    Route(
        "password-change",
        get=SIGNED_IN,
        post=row(wrote("/password/change/done/"), anonymous=LOGIN),
        data=posts(
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            }
        ),
    ),
    Route("password-change-done", get=SIGNED_IN),
    # --- account admin -------------------------------------------------------------------
    # Switching writes only the session; someone else's account is a 404.
    Route(
        "accounts:account-switch",
        get=row(NO_METHOD, anonymous=LOGIN),
        post=row(to("/"), anonymous=LOGIN, outsider=HIDDEN, other_developer=HIDDEN)
        | {"moderator": HIDDEN, "staff": HIDDEN},
        data=posts({"account": "acme"}),
    ),
    Route("accounts:member-list", get=ADMIN_LIST),
    # One's own preferences: anyone signed in, account or not.
    Route(
        "accounts:preferences",
        get=SIGNED_IN,
        post=row(wrote("/accounts/preferences/"), anonymous=LOGIN),
        data=posts({"language": "pt"}),
    ),
    # A member's profile: every member of the account; another account's people, 404.
    Route(
        "accounts:member-profile",
        get=MEMBER_LIST | {"outsider": HIDDEN, "other_developer": HIDDEN},
        kwargs=MEMBER,
    ),
    Route(
        "accounts:member-edit",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(MEMBERS)},
        kwargs=MEMBER,
        data=posts({"role": Value("sales_role_id"), "is_developer": "on"}),
    ),
    Route(
        "accounts:member-deactivate",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(MEMBERS)},
        kwargs=MEMBER,
        data=posts({}),
    ),
    # The member is active: reactivating says so and writes nothing.
    Route(
        "accounts:member-activate",
        get=ADMIN_LIST | {"outsider": NO_METHOD, "admin": NO_METHOD},
        post=ADMIN_OBJECT | {"admin": to(MEMBERS)},
        kwargs=MEMBER,
        data=posts({}),
    ),
    Route(
        "accounts:member-remove",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(MEMBERS)},
        kwargs=MEMBER,
        data=posts({}),
    ),
    Route("accounts:invitation-list", get=ADMIN_LIST),
    # The outsider would invite into their own account, but acme's role is not theirs.
    Route(
        "accounts:invitation-create",
        get=ADMIN_LIST,
        post=ADMIN_LIST | {"outsider": Expect(400), "admin": wrote(INVITATIONS)},
        data=posts({"email": "fresh@person.test", "role": Value("sales_role_id")}),
    ),
    Route(
        "accounts:invitation-resend",
        get=ADMIN_LIST | {"outsider": NO_METHOD, "admin": NO_METHOD},
        post=ADMIN_OBJECT | {"admin": wrote(INVITATIONS)},
        kwargs={"invitation_id": "{invitation_id}"},
        data=posts({}),
    ),
    Route(
        "accounts:invitation-revoke",
        get=ADMIN_LIST | {"outsider": NO_METHOD, "admin": NO_METHOD},
        post=ADMIN_OBJECT | {"admin": wrote(INVITATIONS)},
        kwargs={"invitation_id": "{invitation_id}"},
        data=posts({}),
    ),
    # The link is for invited@person.test: anyone may open it; signed out, one signs up
    # with that address; signed in as anyone else, accepting is refused (409).
    Route(
        "accounts:invitation-accept",
        get=PUBLIC,
        post=row(Expect(409), anonymous=wrote("/")),
        kwargs={"token": "{invitation_token}"},
        data=posts({"full_name": "Invited", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}),
    ),
    Route("accounts:role-list", get=ADMIN_LIST),
    Route(
        "accounts:role-create",
        get=ADMIN_LIST,
        post=ADMIN_LIST | {"outsider": wrote(ROLES), "admin": wrote(ROLES)},
        data=posts({"name": "Support", "right-crm": "read"}),
    ),
    Route(
        "accounts:role-edit",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(ROLES)},
        kwargs={"role_id": "{sales_role_id}"},
        data=posts({"name": "Sales", "right-crm": "read"}),
    ),
    Route(
        "accounts:role-delete",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(ROLES)},
        kwargs={"role_id": "{spare_role_id}"},
        data=posts({}),
    ),
    Route(
        "accounts:group-create",
        get=ADMIN_LIST,
        post=ADMIN_LIST | {"outsider": wrote(ROLES), "admin": wrote(ROLES)},
        data=posts({"name": "South"}),
    ),
    Route(
        "accounts:group-edit",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(ROLES)},
        kwargs={"group_id": "{group_id}"},
        data=posts({"name": "North-east"}),
    ),
    Route(
        "accounts:group-delete",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(ROLES)},
        kwargs={"group_id": "{group_id}"},
        data=posts({}),
    ),
    Route("accounts:event-list", get=ADMIN_LIST),
    # Bulk revoke: an outsider's ticks of another account's key select nothing.
    Route(
        "accounts:api_key-list",
        get=ADMIN_LIST,
        post=ADMIN_LIST
        | {"outsider": to("/accounts/api-keys/"), "admin": wrote("/accounts/api-keys/")},
        data=posts({"action": "revoke", "selected": Value("key_id"), "confirm": "yes"}),
    ),
    Route(
        "accounts:api_key-create",
        get=ADMIN_LIST,
        post=ADMIN_LIST  # the outsider's key goes into their own account
        | {
            "outsider": wrote("/accounts/api-keys/*/created/"),
            "admin": wrote("/accounts/api-keys/*/created/"),
        },
        data=posts({"name": "New key"}),
    ),
    Route("accounts:api_key-created", get=ADMIN_OBJECT, kwargs={"key_id": "{key_id}"}),
    Route(
        "accounts:api_key-revoke",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote("/accounts/api-keys/")},
        kwargs={"key_id": "{key_id}"},
        data=posts({}),
    ),
    # --- developer -----------------------------------------------------------------------
    Route(
        "developer:manifest-check",
        get=DEVELOPER_LIST,
        post=DEVELOPER_LIST,  # checks, stores nothing
        data=posts({"manifest": manifest_text("9.0.0")}),
    ),
    Route("developer:scope-reference", get=DEVELOPER_LIST),
    # Bulk deactivate: another account's developer selects nothing by ticking acme's app.
    Route(
        "developer:app-list",
        get=DEVELOPER_LIST,
        post=DEVELOPER_LIST
        | {"other_developer": to("/developer/apps/"), "developer": wrote("/developer/apps/")},
        data=posts({"action": "deactivate", "selected": Value("app_id"), "confirm": "yes"}),
    ),
    Route(
        "developer:app-create",
        get=DEVELOPER_LIST,
        post=DEVELOPER_LIST  # the other developer's app goes into their own account
        | {
            "other_developer": wrote("/developer/apps/*/secret/"),
            "developer": wrote("/developer/apps/*/secret/"),
        },
        data=posts({"name": "New app", "type": "public"}),
    ),
    Route(
        "developer:app-detail",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        kwargs=APP,
        data=posts({}),
    ),
    Route(
        "developer:app-edit",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE)},
        kwargs=APP,
        data=posts({"name": "Renamed"}),
    ),
    Route(
        "developer:app-connection",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE + "connection/")},
        kwargs=APP,
        data=posts({"client_id": "outside-client", "client_secret": "outside-secret-0123456789"}),
    ),
    Route(
        "developer:app-listing",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE + "listing/")},
        kwargs=APP,
        data=posts(
            {
                "section": "text",
                "summary": "New summary.",
                "description": "New.",
                "support_email": "h@x.io",
                "support_url": "",
            }
        ),
    ),
    Route(
        "developer:app-secret",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        kwargs=APP,
        data=posts({}),
    ),
    Route(
        "developer:app-webhooks",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        kwargs=APP,
        data=posts({}),
    ),
    Route(
        "developer:app-webhooks-rotate",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE + "webhooks/")},
        kwargs=APP,
        data=posts({}),
    ),
    Route(
        "developer:app-webhooks-replay-failed",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": wrote("/jobs/*/")},  # the replay job's page
        kwargs=APP,
        data=posts({"since": "2026-01-01T00:00", "event": "crm.account.updated"}),
    ),
    # No delivery of that id (tests/console/developer/test_webhooks.py opens real ones).
    Route(
        "developer:app-webhook-delivery",
        get=DEVELOPER_OBJECT | {"developer": HIDDEN},
        post=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        kwargs=APP | {"delivery_id": "msg_none"},
        data=posts({}),
    ),
    Route(
        "developer:app-webhook-delivery-replay",
        get=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        post=DEVELOPER_OBJECT | {"developer": HIDDEN},
        kwargs=APP | {"delivery_id": "msg_none"},
        data=posts({}),
    ),
    # No subscription of that id (tests/console/developer/test_webhook_subscriptions.py enables
    # a real one).
    Route(
        "developer:app-webhook-subscription-enable",
        get=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        post=DEVELOPER_OBJECT | {"developer": HIDDEN},
        kwargs=APP | {"subscription_id": "999999"},
        data=posts({"replay": "1"}),
    ),
    Route(
        "developer:app-credentials-rotate",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE + "secret/")},
        kwargs=APP,
        data=posts({}),
    ),
    # The app is active already: activating says so and writes nothing.
    Route(
        "developer:app-activate",
        get=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        post=DEVELOPER_OBJECT | {"developer": to(APP_PAGE)},
        kwargs=APP,
        data=posts({}),
    ),
    Route(
        "developer:app-deactivate",
        get=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE)},
        kwargs=APP,
        data=posts({}),
    ),
    Route(
        "developer:app-list_in_catalog",
        get=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE)},
        kwargs=APP,
        data=posts({}),
    ),
    # Not listed: unlisting only touches the app's updated_at.
    Route(
        "developer:app-unlist",
        get=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE)},
        kwargs=APP,
        data=posts({}),
    ),
    Route(
        "developer:app-delete",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": wrote("/jobs/*/")},  # the deletion job's page
        kwargs=APP,
        data=posts({"confirm_name": "Acme invoicer"}),
    ),
    Route(
        "developer:version-create",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE + "versions/2.0.0/")},
        kwargs=APP,
        data=posts({"manifest": manifest_text("2.0.0"), "changelog": "New."}),
    ),
    Route(
        "developer:version-detail",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        kwargs=DRAFT,
        data=posts({}),
    ),
    Route(
        "developer:version-edit",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE + "versions/{draft}/")},
        kwargs=DRAFT,
        data=posts({"manifest": manifest_text("1.4.0"), "changelog": "Changed."}),
    ),
    Route(
        "developer:version-submit",
        get=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE + "versions/{draft}/")},
        kwargs=DRAFT,
        data=posts({}),
    ),
    Route(
        "developer:version-withdraw",
        get=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE + "versions/{submitted}/")},
        kwargs=APP | {"number": "{submitted}"},
        data=posts({}),
    ),
    Route(
        "developer:version-publish",
        get=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE + "versions/{approved}/")},
        kwargs=APP | {"number": "{approved}"},
        data=posts({}),
    ),
    Route(
        "developer:version-hide",
        get=DEVELOPER_OBJECT | {"developer": NO_METHOD},
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE + "versions/{published}/")},
        kwargs=PUBLISHED,
        data=posts({}),
    ),
    Route("developer:version-install", get=DEVELOPER_OBJECT, kwargs=PUBLISHED),
    Route(
        "developer:install_link-create",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT
        | {"developer": wrote(APP_PAGE + "versions/{published}/links/*/created/")},
        kwargs=PUBLISHED,
        data=posts({"label": "New", "expires_in_days": "7"}),
    ),
    Route("developer:install_link-created", get=DEVELOPER_OBJECT, kwargs=LINK),
    Route(
        "developer:install_link-revoke",
        get=DEVELOPER_OBJECT,
        post=DEVELOPER_OBJECT | {"developer": wrote(APP_PAGE + "versions/{published}/")},
        kwargs=LINK,
        data=posts({}),
    ),
    # --- platform staff ------------------------------------------------------------------
    Route("system:status", get=STAFF),
    Route(
        "system:diagnostic-run",
        get=STAFF | {"moderator": NO_METHOD, "staff": NO_METHOD},
        post=STAFF | {"moderator": wrote("/system/jobs/*/"), "staff": wrote("/system/jobs/*/")},
        data=posts({}),
    ),
    Route("system:job-detail", get=STAFF, kwargs={"job_id": "{job_id}"}),
    Route("system:job-progress", get=STAFF, kwargs={"job_id": "{job_id}"}),
    Route(
        "system:job-retry",
        get=STAFF | {"moderator": NO_METHOD, "staff": NO_METHOD},
        post=STAFF
        | {"moderator": wrote("/system/jobs/{job_id}/"), "staff": wrote("/system/jobs/{job_id}/")},
        kwargs={"job_id": "{job_id}"},
        data=posts({}),
    ),
    # --- jobs of the account -------------------------------------------------------------
    Route("jobs:job-list", get=MEMBER_LIST),
    # A diagnostic is the admins' to see: for anyone else it does not exist.
    Route(
        "jobs:job-detail",
        get=row(HIDDEN, anonymous=LOGIN, admin=OK, moderator=DENIED, staff=DENIED),
        kwargs={"job_id": "{job_id}"},
    ),
    Route(
        "jobs:job-progress",
        get=row(HIDDEN, anonymous=LOGIN, admin=OK, moderator=DENIED, staff=DENIED),
        kwargs={"job_id": "{job_id}"},
    ),
    Route(
        "jobs:job-retry",
        get=row(NO_METHOD, anonymous=LOGIN, moderator=DENIED, staff=DENIED),
        post=row(HIDDEN, anonymous=LOGIN, admin=wrote("/jobs/{job_id}/"))
        | {"moderator": DENIED, "staff": DENIED},
        kwargs={"job_id": "{job_id}"},
        data=posts({}),
    ),
    # --- moderation ----------------------------------------------------------------------
    Route("moderation:review-list", get=MODERATOR),
    Route("moderation:review-detail", get=MODERATOR, kwargs={"version_id": "{claimed_id}"}),
    Route(
        "moderation:review-claim",
        get=MODERATOR | {"moderator": NO_METHOD, "staff": NO_METHOD},
        post=MODERATOR
        | {
            "moderator": wrote("/moderation/versions/{submitted_id}/"),
            "staff": wrote("/moderation/versions/{submitted_id}/"),
        },
        kwargs={"version_id": "{submitted_id}"},
        data=posts({}),
    ),
    # The moderator claimed the version: staff may not release or decide for them.
    Route(
        "moderation:review-release",
        get=MODERATOR | {"moderator": NO_METHOD, "staff": NO_METHOD},
        post=MODERATOR
        | {
            "moderator": wrote("/moderation/"),
            "staff": to("/moderation/versions/{claimed_id}/"),
        },
        kwargs={"version_id": "{claimed_id}"},
        data=posts({}),
    ),
    Route(
        "moderation:review-approve",
        get=MODERATOR | {"moderator": NO_METHOD, "staff": NO_METHOD},
        post=MODERATOR | {"moderator": wrote("/moderation/"), "staff": Expect(409)},
        kwargs={"version_id": "{claimed_id}"},
        data=posts({"approve-checklist": CHECKLIST}),
    ),
    Route(
        "moderation:review-reject",
        get=MODERATOR | {"moderator": NO_METHOD, "staff": NO_METHOD},
        post=MODERATOR | {"moderator": wrote("/moderation/"), "staff": Expect(409)},
        kwargs={"version_id": "{claimed_id}"},
        data=posts({"reject-reason": "Broken."}),
    ),
    # --- a member's own apps -------------------------------------------------------------
    # The member's Sales role may use the installed app; the developer has no role, so
    # no access; admins may use every app.
    Route("installations:my_app-list", get=MEMBER_LIST),
    Route(
        "installations:my_app-settings",
        get=MEMBER_LIST | {"outsider": HIDDEN, "other_developer": HIDDEN, "developer": DENIED},
        post=MEMBER_LIST
        | {
            "outsider": HIDDEN,
            "other_developer": HIDDEN,
            "developer": DENIED,
            "member": wrote("/apps/{installation_id}/settings/"),
            "admin": wrote("/apps/{installation_id}/settings/"),
        },
        kwargs=INSTALLED,
        data=posts({"setting-signature": "Changed"}),
    ),
    # The member's own file; the admin has none stored.
    Route(
        "installations:my_app-file",
        get=MEMBER_LIST
        | {
            "outsider": HIDDEN,
            "other_developer": HIDDEN,
            "developer": DENIED,
            "member": Expect(200, body=b"\x89PNG avatar"),
            "admin": HIDDEN,
        },
        kwargs=INSTALLED | {"key": "avatar"},
    ),
    Route(
        "installations:my_app-open",
        get=MEMBER_LIST | {"outsider": HIDDEN, "other_developer": HIDDEN, "developer": DENIED},
        kwargs=INSTALLED | {"embedding_id": "menu"},
    ),
    # The installed app is account-level: a member is told an admin reauthorizes it.
    Route(
        "installations:my_app-reauthorize",
        get=row(NO_METHOD, anonymous=LOGIN, moderator=DENIED, staff=DENIED),
        post=MEMBER_LIST
        | {
            "outsider": HIDDEN,
            "other_developer": HIDDEN,
            "developer": DENIED,
            "member": to("/apps/"),
            "admin": to("/apps/"),
        },
        kwargs=INSTALLED,
        data=posts({}),
    ),
    # The sidebar's Apps section, loaded by every member's page.
    Route("embedding:menu", get=MEMBER_LIST),
    # A lazily launched frame's first load: the launch URL is signed for one member's
    # session, so here every member's is refused as not a launch (400, plain text).
    Route(
        "embedding:launch",
        get=MEMBER_LIST
        | {
            "outsider": HIDDEN,
            "other_developer": HIDDEN,
            "developer": DENIED,
            "member": Expect(400),
            "admin": Expect(400),
        },
        kwargs=FRAME,
        query="?launch=made-up",
    ),
    # --- the host bridge's endpoints for an embedded frame (JSON) ------------------------
    # Signing a launch token writes no row a console page could (the first key aside).
    Route(
        "embedding:launch-token",
        get=BRIDGE_GET,
        post=BRIDGE_POST,
        kwargs=FRAME,
        data=posts({}),
    ),
    # The member's own tokens for the installation: issued (rows), never another's.
    Route(
        "embedding:tokens",
        get=BRIDGE_GET,
        post=BRIDGE_POST | {"member": Expect(200, writes=True), "admin": Expect(200, writes=True)},
        kwargs=FRAME,
        data=posts({}),
    ),
    # Settings as the browser may see them; an empty body reads, a body saves.
    Route(
        "embedding:settings-app",
        get=BRIDGE_GET,
        post=BRIDGE_POST,
        kwargs=FRAME,
        data=posts({}),
    ),
    Route(
        "embedding:settings-user",
        get=BRIDGE_GET,
        post=BRIDGE_POST,
        kwargs=FRAME,
        data=posts({}),
    ),
    Route(
        "embedding:status",
        get=BRIDGE_GET,
        post=BRIDGE_POST,
        kwargs=FRAME,
        data=posts({}),
    ),
    # --- installed apps, for account admins ----------------------------------------------
    # Records the reauthorization, then on to the consent screen.
    Route(
        "installations:installation-reauthorize",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote("/oauth/authorize/?*")},
        kwargs=INSTALLED,
        data=posts({}),
    ),
    Route("installations:installation-list", get=ADMIN_LIST),
    Route(
        "installations:installation-detail",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": NO_METHOD},
        kwargs=INSTALLED,
        data=posts({}),
    ),
    # No subscription of that id (tests/console/installations/test_webhook_subscriptions.py
    # enables a real one).
    Route(
        "installations:installation-webhook_enable",
        get=ADMIN_OBJECT | {"admin": NO_METHOD},
        post=ADMIN_OBJECT | {"admin": HIDDEN},
        kwargs=INSTALLED | {"subscription_id": "999999"},
        data=posts({"replay": "1"}),
    ),
    Route(
        "installations:installation-access",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(INSTALLED_PAGE)},
        kwargs=INSTALLED,
        data=posts({"roles": []}),
    ),
    Route(
        "installations:installation-settings",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(INSTALLED_PAGE + "settings/")},
        kwargs=INSTALLED,
        data=posts({"setting-company_name": "Changed"}),
    ),
    Route(
        "installations:installation-connection",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(INSTALLED_PAGE + "connection/")},
        kwargs=INSTALLED,
        data=posts({"setting-api_key": "sk-live-0123456789abcdef", "setting-region": "eu"}),
    ),
    # The world's installed app has a generic connection: Connect says there is no OAuth
    # connection and goes back to the page, writing nothing.
    Route(
        "installations:installation-connection_connect",
        get=ADMIN_OBJECT | {"admin": NO_METHOD},
        post=ADMIN_OBJECT | {"admin": to(INSTALLED_PAGE + "connection/")},
        kwargs=INSTALLED,
        data=posts({}),
    ),
    # The world's connection declares no test: Test says so and writes nothing.
    Route(
        "installations:installation-connection_test",
        get=ADMIN_OBJECT | {"admin": NO_METHOD},
        post=ADMIN_OBJECT | {"admin": to(INSTALLED_PAGE + "connection/")},
        kwargs=INSTALLED,
        data=posts({}),
    ),
    # Refresh now and Disconnect: the world's connection is generic (no OAuth
    # authorization to refresh or revoke); each says so and writes nothing.
    Route(
        "installations:installation-connection_refresh",
        get=ADMIN_OBJECT | {"admin": NO_METHOD},
        post=ADMIN_OBJECT | {"admin": to(INSTALLED_PAGE + "connection/")},
        kwargs=INSTALLED,
        data=posts({}),
    ),
    Route(
        "installations:installation-connection_disconnect",
        get=ADMIN_OBJECT | {"admin": NO_METHOD},
        post=ADMIN_OBJECT | {"admin": to(INSTALLED_PAGE + "connection/")},
        kwargs=INSTALLED,
        data=posts({}),
    ),
    # A one-time connect link the platform did not sign: not found, for every admin.
    Route(
        "connection-link",
        get=ADMIN_LIST | {"outsider": HIDDEN, "admin": HIDDEN},
        post=ADMIN_LIST | {"outsider": NO_METHOD, "admin": NO_METHOD},
        kwargs={"token": "forged"},
        data=posts({}),
    ),
    # The outside service's way back: without a state this session started, refused.
    Route(
        "connection-callback",
        get=ADMIN_LIST | {"outsider": Expect(400), "admin": Expect(400)},
        post=ADMIN_LIST | {"outsider": NO_METHOD, "admin": NO_METHOD},
        data=posts({}),
    ),
    Route(
        "installations:installation-file",
        get=ADMIN_OBJECT | {"admin": Expect(200, body=b"%PDF-1.4 letterhead")},
        post=ADMIN_OBJECT | {"admin": NO_METHOD},
        kwargs=INSTALLED | {"key": "letterhead"},
        data=posts({}),
    ),
    # The member picker's GET form: on to the member's settings.
    Route(
        "installations:installation-user_pick",
        get=ADMIN_OBJECT | {"admin": to(INSTALLED_PAGE + "settings/user/{member_id}/")},
        post=ADMIN_OBJECT | {"admin": NO_METHOD},
        kwargs=INSTALLED,
        query="?user={member_id}",
        data=posts({}),
    ),
    Route(
        "installations:installation-user_settings",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(INSTALLED_PAGE + "settings/user/{member_id}/")},
        kwargs=INSTALLED | {"user_id": "{member_id}"},
        data=posts({"setting-signature": "Changed"}),
    ),
    Route(
        "installations:installation-user_file",
        get=ADMIN_OBJECT | {"admin": Expect(200, body=b"\x89PNG avatar")},
        post=ADMIN_OBJECT | {"admin": NO_METHOD},
        kwargs=INSTALLED | {"user_id": "{member_id}", "key": "avatar"},
        data=posts({}),
    ),
    Route(
        "installations:installation-update",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote(INSTALLED_PAGE)},
        kwargs=INSTALLED,
        data=posts({"version": "1.1.0", "consent": "on"}),
    ),
    Route(
        "installations:installation-pin",
        get=ADMIN_OBJECT | {"admin": NO_METHOD},
        post=ADMIN_OBJECT | {"admin": wrote(INSTALLED_PAGE)},
        kwargs=INSTALLED,
        data=posts({}),
    ),
    # Not pinned: unpinning says so and writes nothing.
    Route(
        "installations:installation-unpin",
        get=ADMIN_OBJECT | {"admin": NO_METHOD},
        post=ADMIN_OBJECT | {"admin": to(INSTALLED_PAGE)},
        kwargs=INSTALLED,
        data=posts({}),
    ),
    Route(
        "installations:installation-uninstall",
        get=ADMIN_OBJECT,
        post=ADMIN_OBJECT | {"admin": wrote("/jobs/*/")},  # the uninstall job's page
        kwargs=INSTALLED,
        data=posts({}),
    ),
    # --- the marketplace -----------------------------------------------------------------
    Route("marketplace:app-list", get=PUBLIC),
    Route("marketplace:app-detail", get=PUBLIC, kwargs={"code": "{catalog_code}"}),
    Route("marketplace:app-install", get=SIGNED_IN, kwargs={"code": "{catalog_code}"}),
    # Globex's Invoicer is in the catalog: its logo is anyone's to see.
    Route(
        "marketplace:app-logo",
        get=row(Expect(200, content_type="image/png")),
        kwargs={"code": "{catalog_code}"},
    ),
    # Acme's own app is not in the catalog: its banner is for acme's members and
    # moderators; for anyone else it does not exist (no login page: images are public).
    Route(
        "marketplace:app-banner",
        get=row(
            Expect(200, content_type="image/png"),
            anonymous=HIDDEN,
            outsider=HIDDEN,
            other_developer=HIDDEN,
        ),
        kwargs={"code": "{code}", "banner_id": "{banner_id}"},
    ),
    Route("marketplace:install_link-detail", get=SIGNED_IN, kwargs={"token": "{token}"}),
]

# --- the product's own record pages ------------------------------------------------------
# The member's Sales role: full on CRM, read on tasks, nothing else; the developer has no
# role (no right anywhere); admins have full everywhere. The outsider is an admin of
# globex: its lists and new-record forms are theirs, acme's records are a 404. Platform
# people belong to no account: 403.
SALES_RIGHTS = {"crm": "full", "task": "read"}
READ = ("read", "full")


def record_routes(page: RecordPage) -> list[Route]:
    level = SALES_RIGHTS.get(record_module(page.code), "none")
    base = row(DENIED, anonymous=LOGIN)
    readers = base | {"admin": OK} | ({"member": OK} if level in READ else {})
    writers = base | {"admin": OK} | ({"member": OK} if level == "full" else {})
    own = {"outsider": OK}
    theirs = {"outsider": HIDDEN}
    root = "/records/" + page.path + "/"
    key = "{" + page.slug + "_id}"  # the world value of the page's record
    record = {"record_id": key}
    mine = root + key + "/"

    def writing(expect: Expect) -> dict[str, Expect]:
        return {"admin": expect} | ({"member": expect} if level == "full" else {})

    def form(values: dict[str, Any]) -> dict[str, Any]:
        return values["record_forms"][page.slug]

    def edit_form(values: dict[str, Any]) -> dict[str, Any]:
        return form(values) | {"revision": 1}

    return [
        Route(f"records:{page.slug}-list", get=readers | own),
        Route(
            f"records:{page.slug}-create",
            get=writers | own,
            post=writers | {"outsider": OUTSIDER_CREATE[page.slug]} | writing(wrote(root + "*/")),
            data=form,
        ),
        Route(f"records:{page.slug}-detail", get=readers | theirs, kwargs=record),
        Route(
            f"records:{page.slug}-revision",
            get=base | {"admin": JSON} | ({"member": JSON} if level in READ else {}) | theirs,
            kwargs=record,
        ),
        Route(
            f"records:{page.slug}-edit",
            get=writers | theirs,
            post=writers | theirs | writing(wrote(mine)),
            kwargs=record,
            data=edit_form,
        ),
        Route(
            f"records:{page.slug}-delete",
            get=writers | theirs,
            post=writers | theirs | writing(wrote(root)),
            kwargs=record,
            data=posts({}),
        ),
    ]


# What globex's admin gets posting the world's new-record form, made with acme's records
# for the relations a record must have: a 400 naming the field, or their own new record.
OUTSIDER_CREATE = {page.slug: wrote("/records/" + page.path + "/*/") for page in PAGES} | {
    "agile_issue": Expect(400)
}

ROUTES += [route for page in PAGES for route in record_routes(page)]

GET_CELLS = [
    pytest.param(route, persona, id=f"{route}-{persona}")
    for route in ROUTES
    for persona in PERSONAS
]
POST_CELLS = [
    pytest.param(route, persona, id=f"{route}-{persona}")
    for route in ROUTES
    if route.post is not None
    for persona in PERSONAS
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from world_in_transaction(django_db_blocker)


def client_for(world: World, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(world.users[persona])
    return client


def assert_answer(response, expect: Expect, url: str, values: dict[str, Any]) -> None:
    assert response.status_code == expect.status, response.content[:500]
    if expect.to == "login":
        location = urlsplit(response["Location"])
        assert location.path == reverse("console:login")
        assert parse_qs(location.query)["next"] == [url]
    elif expect.to is not None:
        assert fnmatch(response["Location"], expect.to.format(**values)), response["Location"]
    if expect.body is not None:
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == expect.body
    if expect.content_type is not None:
        assert response["Content-Type"] == expect.content_type


@pytest.mark.parametrize(("route", "persona"), GET_CELLS)
def test_get(world, route, persona):
    values = world.kwargs()
    url = route.url(values)

    response = client_for(world, persona).get(url)

    assert_answer(response, route.get[persona], url, values)


@pytest.mark.parametrize(("route", "persona"), POST_CELLS)
def test_post(world, route, persona):
    values = world.kwargs()
    url = route.url(values)
    expect = route.post[persona]
    client = client_for(world, persona)
    before = snapshot()

    response = client.post(url, route.data(values) if route.data else {})

    assert_answer(response, expect, url, values)
    if expect.writes:
        assert snapshot() != before
    else:
        assert snapshot() == before


RECORD_CELLS = [
    pytest.param(page, verb, method, id=f"{page.slug}-{verb}-{method}")
    for page in PAGES
    for verb, method in [
        ("detail", "get"),
        ("edit", "get"),
        ("edit", "post"),
        ("delete", "get"),
        ("delete", "post"),
    ]
]


@pytest.mark.parametrize(("page", "verb", "method"), RECORD_CELLS)
def test_another_accounts_record_is_not_found_even_for_an_admin(world, page, verb, method):
    values = world.kwargs()
    url = reverse(page.url_name(verb), kwargs={"record_id": values[f"other_{page.slug}_id"]})
    data = values["record_forms"][page.slug] | {"revision": 1} if verb == "edit" else {}
    client = client_for(world, "admin")
    before = snapshot()

    response = client.get(url) if method == "get" else client.post(url, data)

    assert response.status_code == 404
    assert snapshot() == before


def test_every_console_route_has_a_row():
    def names(resolver, prefix: str = "") -> set[str]:
        found = {prefix + n for n in resolver.reverse_dict if isinstance(n, str)}
        for namespace, (_, sub) in resolver.namespace_dict.items():
            found |= names(sub, f"{prefix}{namespace}:")
        return found

    console = get_resolver().namespace_dict["console"][1]

    assert sorted(names(console)) == sorted(route.name for route in ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_row_names_every_persona(route):
    assert list(route.get) == PERSONAS
    assert route.post is None or list(route.post) == PERSONAS
    assert (route.post is None) == (route.data is None)
