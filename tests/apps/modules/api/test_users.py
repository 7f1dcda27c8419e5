"""The users endpoints apps call with an access token: what each scope allows, the token
user's own rights, the installation's current grant, and the one-query check.

Tokens are issued directly for an installation (``tests.factories.installations``); the
code flow that normally issues them has its own tests in tests/apps/oauth.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.services import installation_access_set, installation_update
from tests.apps.api.helpers import API, api_client, assert_error
from tests.factories import ApiKeyFactory, MembershipFactory, UserFactory
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import issue_token, make_installation

pytestmark = pytest.mark.django_db

ME = f"{API}/users/me"
USERS = f"{API}/users"


def _scopes(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"code": c, "level": lv, "reason": "Needed."} for c, lv in pairs]


def _installed(account, admin, publisher, name, scopes):
    app = make_app(account=publisher, name=name)
    version = make_version(app=app, status="published", scopes=scopes, webhooks=[])
    return make_installation(account=account, version=version, by_user=admin)


@pytest.fixture
def publisher(other_account):
    return other_account


@pytest.fixture
def users_app(account, admin, publisher, sales_role):
    """An installation granting ``users:read`` and ``crm.accounts:read``; the Sales role
    (the member's, without any right on the users module) may use it."""
    installation = _installed(
        account,
        admin,
        publisher,
        "Directory",
        _scopes(("users", "read"), ("crm.accounts", "read")),
    )
    installation_access_set(
        installation=installation,
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(account=account, user=admin)
        ),
    )
    return installation


@pytest.fixture
def me_app(account, admin, publisher):
    return _installed(account, admin, publisher, "Profile", _scopes(("user.me", "read")))


@pytest.fixture
def crm_app(account, admin, publisher):
    return _installed(account, admin, publisher, "Deals", _scopes(("crm.accounts", "read")))


def _get(path: str, token: str):
    return api_client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


# --- /users/me -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("app_fixture", "who"),
    # users:read needs no users right for the user's own record: the member's role has none
    [("users_app", "admin"), ("users_app", "member"), ("me_app", "admin")],
)
def test_me_is_allowed_by_users_or_user_me(request, app_fixture, who, account):
    installation = request.getfixturevalue(app_fixture)
    user = request.getfixturevalue(who)
    response = _get(ME, issue_token(installation=installation, user=user))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == user.pk
    assert body["email"] == user.email
    assert body["language"] == account.language
    assert body["is_admin"] is (who == "admin")


def test_me_with_only_crm_scopes_is_insufficient_scope(admin, crm_app):
    response = _get(ME, issue_token(installation=crm_app, user=admin))
    error = assert_error(response, 403, "insufficient_scope", fields={"scope"})
    assert error["fields"]["scope"] == ["users:read", "user.me:read"]
    assert "users:read" in error["message"]
    assert "user.me:read" in error["message"]


def test_me_with_a_token_narrower_than_the_grant_is_insufficient_scope(admin, users_app):
    token = issue_token(installation=users_app, user=admin, scopes=["crm.accounts:read"])
    assert_error(_get(ME, token), 403, "insufficient_scope", fields={"scope"})


def test_me_is_one_query(admin, users_app, django_assert_num_queries):
    token = issue_token(installation=users_app, user=admin)
    _get(ME, token)  # the scope catalog is built once per process
    with django_assert_num_queries(1):
        assert _get(ME, token).status_code == 200


# --- /users ----------------------------------------------------------------------------------


def test_users_lists_the_account_for_an_admin(admin, member, users_app):
    response = _get(USERS, issue_token(installation=users_app, user=admin))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    assert [row["email"] for row in body["results"]] == ["admin@acme.test", "member@acme.test"]
    assert body["results"][1]["role"] == "Sales"


def test_users_with_user_me_only_is_insufficient_scope(admin, me_app):
    response = _get(USERS, issue_token(installation=me_app, user=admin))
    error = assert_error(response, 403, "insufficient_scope", fields={"scope"})
    assert "users:read" in error["fields"]["scope"]
    assert "user.me:read" not in error["fields"]["scope"]


def test_users_for_a_member_without_the_users_right_is_insufficient_rights(member, users_app):
    response = _get(USERS, issue_token(installation=users_app, user=member))
    error = assert_error(response, 403, "insufficient_rights", fields={"right"})
    assert error["fields"]["right"] == ["users:read"]
    assert "member@acme.test" in error["message"]


def test_users_for_a_member_whose_role_reads_users(account, member, sales_role, users_app):
    sales_role.rights = {**sales_role.rights, "users": "read"}
    sales_role.save()
    response = _get(USERS, issue_token(installation=users_app, user=member))
    assert response.status_code == 200, response.content


def test_after_the_admin_narrows_the_installation_the_token_is_refused(
    account, admin, publisher, users_app
):
    token = issue_token(installation=users_app, user=admin)
    assert _get(USERS, token).status_code == 200
    narrower = make_version(
        app=users_app.app,
        number="1.1.0",
        status="published",
        scopes=_scopes(("crm.accounts", "read")),
        webhooks=[],
    )
    installation_update(
        installation=users_app,
        version=narrower,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(account=account, user=admin)
        ),
        consent=False,
    )
    for path in (ME, USERS):
        error = assert_error(_get(path, token), 403, "insufficient_scope", fields={"scope"})
        assert "no longer grants" in error["message"]


def test_users_costs_the_same_queries_for_1_and_20_users(account, admin, users_app):
    token = issue_token(installation=users_app, user=admin)
    _get(USERS, token)
    with CaptureQueriesContext(connection) as one:
        assert _get(USERS, token).json()["count"] == 1
    for n in range(19):
        MembershipFactory(account=account, user=UserFactory(email=f"u{n:02}@acme.test"))
    with CaptureQueriesContext(connection) as twenty:
        assert _get(USERS, token).json()["count"] == 20
    assert len(twenty) == len(one)
    assert len(one) == 3  # the token and its checks, the count, the page


def test_users_for_a_member_whose_role_reads_users_is_one_query_and_the_page(
    member, sales_role, users_app
):
    """The token, its checks and the member's role and rights in one query; then the
    page's count and rows. A member (not an admin) with a role, so the rights check reads
    the role the token query brought along."""
    sales_role.rights = {**sales_role.rights, "users": "read"}
    sales_role.save()
    token = issue_token(installation=users_app, user=member)
    _get(USERS, token)  # the scope catalog is built once per process
    with CaptureQueriesContext(connection) as queries:
        response = _get(USERS, token)
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 2
    assert len(queries) == 3
    token_query, count, page = (q["sql"] for q in queries)
    assert token_query.startswith('SELECT "oauth_accesstoken"."id"')  # with its checks, the role
    assert count.startswith('SELECT COUNT(*) AS "__count" FROM "accounts_membership"')
    assert page.startswith('SELECT "accounts_membership"."id"')


# --- credentials that are not app tokens -----------------------------------------------------


@pytest.mark.parametrize("path", [ME, USERS])
def test_a_session_is_not_accepted(admin, users_app, path):
    assert_error(api_client(admin).get(path), 401, "not_authenticated")


@pytest.mark.parametrize("path", [ME, USERS])
def test_an_api_key_is_not_accepted(account, users_app, path):
    _, raw = ApiKeyFactory(account=account)
    assert_error(api_client(key=raw).get(path), 401, "not_authenticated")


@pytest.mark.parametrize("path", [ME, USERS])
def test_anonymous_and_unknown_tokens(users_app, path):
    assert_error(api_client().get(path), 401, "not_authenticated")
    assert_error(_get(path, "not-a-token"), 401, "invalid_token")


def test_an_expired_token_is_invalid(admin, users_app):
    token = issue_token(installation=users_app, user=admin, expires_in=-1)
    error = assert_error(_get(ME, token), 401, "invalid_token")
    assert "expired" in error["message"]


def test_a_member_who_lost_access_to_the_app_gets_invalid_token(account, admin, member, users_app):
    token = issue_token(installation=users_app, user=member)
    assert _get(ME, token).status_code == 200
    installation_access_set(
        installation=users_app,
        role_ids=[],
        group_ids=[],
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(account=account, user=admin)
        ),
    )
    assert_error(_get(ME, token), 401, "invalid_token")


def test_me_answers_what_the_users_serializer_would(account, member, users_app):
    """/users/me builds its body from the token without the serializer; it is the body
    UserOutput gives for the same membership."""
    from apps.modules.api.users import UserOutput

    response = _get(ME, issue_token(installation=users_app, user=member))
    membership = Membership.objects.select_related("user", "role", "account").get(
        user=member, account=account
    )
    assert response.json() == UserOutput(membership).data
    assert list(response.json()) == list(UserOutput(membership).data)
