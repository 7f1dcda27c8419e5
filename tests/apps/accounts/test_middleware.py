"""``request.actor``: the user in the account chosen in the switcher, else their first one."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from apps.accounts.actors import ANONYMOUS
from apps.accounts.middleware import SESSION_KEY, CurrentAccountMiddleware
from tests.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def run_middleware(user, session_account_id=None):
    """Run the middleware on a request for ``user``; returns (membership seen, session)."""
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    if session_account_id is not None:
        request.session[SESSION_KEY] = session_account_id
    seen = {}

    def view(req):
        seen["actor"] = req.actor
        return HttpResponse("ok")

    CurrentAccountMiddleware(view)(request)
    assert seen["actor"].membership is None or seen["actor"].user == user
    return seen["actor"].membership, request.session


@pytest.fixture
def two_accounts_user():
    """A member of Alpha (listed first) and Beta, and the two memberships."""
    user = UserFactory(email="two@example.test")
    alpha = MembershipFactory(user=user, account=AccountFactory(slug="alpha", name="Alpha"))
    beta = MembershipFactory(
        user=user, account=AccountFactory(slug="beta", name="Beta"), is_admin=True
    )
    return user, alpha, beta


def test_anonymous_user_has_no_membership():
    membership, _ = run_middleware(AnonymousUser())

    assert membership is None


def test_user_without_accounts_has_no_membership():
    membership, _ = run_middleware(UserFactory())

    assert membership is None


def test_chosen_account_when_the_user_is_a_member(two_accounts_user):
    user, _, beta = two_accounts_user

    membership, session = run_middleware(user, session_account_id=beta.account_id)

    assert membership == beta
    assert membership.is_admin is True
    assert session[SESSION_KEY] == beta.account_id


def test_first_membership_without_a_choice(two_accounts_user):
    user, alpha, _ = two_accounts_user

    membership, _ = run_middleware(user)

    assert membership == alpha


def test_falls_back_to_the_first_membership_for_a_foreign_choice(two_accounts_user):
    user, alpha, _ = two_accounts_user
    foreign = AccountFactory(slug="foreign", name="AAA Foreign")

    membership, session = run_middleware(user, session_account_id=foreign.pk)

    assert membership == alpha
    assert SESSION_KEY not in session


def test_falls_back_when_the_chosen_account_is_inactive(two_accounts_user):
    user, alpha, beta = two_accounts_user
    beta.account.is_active = False
    beta.account.save()

    membership, session = run_middleware(user, session_account_id=beta.account_id)

    assert membership == alpha
    assert SESSION_KEY not in session


def test_membership_is_loaded_with_account_and_role(two_accounts_user, django_assert_num_queries):
    user, _, beta = two_accounts_user

    membership, _ = run_middleware(user, session_account_id=beta.account_id)

    with django_assert_num_queries(0):
        assert membership.account.slug == "beta"
        assert membership.role is None


def test_the_console_session_choice_reaches_the_api(client, account, other_account):
    user = UserFactory()
    MembershipFactory(user=user, account=account)
    MembershipFactory(user=user, account=other_account, is_admin=True)
    client.force_login(user)

    assert client.get("/api/v1/account").json()["account"]["domain"] == "acme"

    session = client.session
    session[SESSION_KEY] = other_account.pk
    session.save()
    body = client.get("/api/v1/account").json()

    assert body["account"]["domain"] == "globex"
    assert body["is_admin"] is True


def test_the_actor_carries_the_user_account_and_label(two_accounts_user):
    user, _, beta = two_accounts_user
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    request.session[SESSION_KEY] = beta.account_id
    seen = {}
    CurrentAccountMiddleware(lambda req: seen.setdefault("a", req.actor) and HttpResponse())(
        request
    )

    actor = seen["a"]
    assert (actor.user, actor.account, actor.label) == (user, beta.account, user.email)
    assert actor.is_admin is True
    assert actor.via_api_key is False


def test_an_anonymous_request_gets_the_anonymous_actor():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    seen = {}
    CurrentAccountMiddleware(lambda req: seen.setdefault("a", req.actor) and HttpResponse())(
        request
    )

    assert seen["a"] is ANONYMOUS
    assert seen["a"].is_authenticated is False
