"""The one ``Actor``: what it carries, the account rules on it, and its resolution for the
REST API (once per request, after authentication)."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.accounts.actors import (
    ANONYMOUS,
    actor_for_api_key,
    actor_for_app_token,
    actor_for_user,
    actor_system,
)
from apps.accounts.api.context import account_actor, request_actor
from apps.accounts.models import ModuleCode
from apps.accounts.policies import (
    account_can_administer,
    account_can_develop,
    actor_admin_refusal,
)
from apps.accounts.principals import ApiKeyPrincipal
from apps.accounts.services import actor_require_developer
from apps.core.errors import NotFound, PermissionDenied
from tests.factories import ApiKeyFactory, GroupFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def member_actor(**flags):
    membership = MembershipFactory(**flags)
    return actor_for_user(user=membership.user, membership=membership)


class TestWhatAnActorCarries:
    def test_a_member_carries_user_account_membership_and_label(self):
        membership = MembershipFactory(is_admin=True, is_developer=True)
        actor = actor_for_user(user=membership.user, membership=membership)

        assert (actor.user, actor.account, actor.membership) == (
            membership.user,
            membership.account,
            membership,
        )
        assert actor.label == membership.user.email
        assert (actor.is_admin, actor.is_developer, actor.via_api_key) == (True, True, False)
        assert actor.rights == dict.fromkeys(sorted(ModuleCode.values), "full")

    def test_an_api_key_acts_for_its_account_as_no_user(self, account):
        key, _raw = ApiKeyFactory(account=account)
        actor = actor_for_api_key(api_key=key)

        assert (actor.user, actor.account, actor.membership) == (None, account, None)
        assert actor.label == f"API key {key.display_prefix}"
        assert actor.via_api_key is True
        assert actor.is_admin is False
        assert actor.rights == {}

    def test_an_app_token_carries_its_user_membership_and_installation(self):
        membership = MembershipFactory()

        class Installed:
            account = membership.account

        actor = actor_for_app_token(
            user=membership.user,
            account=membership.account,
            membership=membership,
            installation=Installed,
        )

        assert actor.via_app_token is True
        assert actor.account == membership.account
        assert actor.user == membership.user

    def test_the_platform_acts_under_a_label(self):
        actor = actor_system(label="rollout")

        assert (actor.user, actor.account, actor.label, str(actor)) == (
            None,
            None,
            "rollout",
            "rollout",
        )

    def test_groups_and_moderator_flag_are_loaded_once(self, django_assert_num_queries):
        membership = MembershipFactory()
        group = GroupFactory(account=membership.account)
        membership.groups.add(group)
        user = membership.user
        user.is_staff = True
        user.save()
        user.user_permissions.add(Permission.objects.get(codename="moderate_apps"))
        actor = actor_for_user(user=user, membership=membership)

        assert actor.group_ids == {group.pk}
        assert actor.is_moderator is True
        with django_assert_num_queries(0):
            assert actor.group_ids == {group.pk}
            assert actor.is_moderator is True

    def test_staff_needs_an_active_user(self):
        user = UserFactory(is_staff=True, is_active=False)

        assert actor_for_user(user=user).is_staff is False


class TestAccountRules:
    @pytest.mark.parametrize(
        ("flags", "admin", "develop"),
        [
            ({"is_admin": True}, True, False),
            ({"is_developer": True}, False, True),
            ({}, False, False),
        ],
    )
    def test_members_by_their_flags(self, flags, admin, develop):
        actor = member_actor(**flags)

        assert account_can_administer(actor, api_keys=True) is admin
        assert account_can_develop(actor, api_keys=True) is develop

    def test_api_keys_only_where_the_rule_lets_them(self, account):
        actor = actor_for_api_key(api_key=ApiKeyFactory(account=account)[0])

        assert account_can_administer(actor, api_keys=True) is True
        assert account_can_administer(actor, api_keys=False) is False
        assert account_can_develop(actor, api_keys=False) is False
        assert actor_admin_refusal(actor, api_keys=False) == (
            "API keys cannot do this. Sign in to the console as an account admin."
        )

    def test_nobody_without_an_account(self):
        actor = actor_for_user(user=UserFactory(), membership=None)

        assert account_can_administer(actor, api_keys=True) is False
        with pytest.raises(NotFound):
            actor_require_developer(actor=actor)

    def test_app_tokens_never_administer(self):
        membership = MembershipFactory(is_admin=True)

        class Installed:
            account = membership.account

        actor = actor_for_app_token(
            user=membership.user,
            account=membership.account,
            membership=membership,
            installation=Installed,
        )

        assert account_can_administer(actor, api_keys=True) is False

    def test_a_member_without_the_right_is_refused_with_the_reason(self):
        with pytest.raises(PermissionDenied, match="developer right"):
            actor_require_developer(actor=member_actor())


def drf_request(*, user=None, auth=None, headers=None, console_actor=None):
    raw = APIRequestFactory().get("/api/v1/account", headers=headers or {})
    if console_actor is not None:
        raw.actor = console_actor
    request = Request(raw)
    request._user = user if user is not None else AnonymousUser()
    request._auth = auth
    return request


class TestResolutionForTheApi:
    def test_an_api_key_acts_for_its_account(self, account):
        key, _raw = ApiKeyFactory(account=account)

        actor = request_actor(drf_request(user=ApiKeyPrincipal(api_key=key), auth=key))

        assert actor.api_key == key
        assert actor.account == account

    def test_it_is_resolved_once_per_request(self, member):
        request = drf_request(user=member)

        assert request_actor(request) is request_actor(request)

    def test_the_console_actor_is_taken_for_the_same_user(self, member):
        console = actor_for_user(user=member, membership=member.memberships.get())

        assert request_actor(drf_request(user=member, console_actor=console)) is console

    def test_the_account_header_picks_the_membership(self, member, account):
        actor = request_actor(drf_request(user=member, headers={"X-Account": "ACME "}))

        assert actor.account == account

    def test_the_account_header_of_a_foreign_account_is_not_found(self, member, other_account):
        with pytest.raises(NotFound):
            request_actor(drf_request(user=member, headers={"X-Account": other_account.slug}))

    def test_a_credential_that_says_who_acts_is_believed(self, member):
        own = actor_system(label="token")

        class Credential:
            def actor(self):
                return own

        assert request_actor(drf_request(user=member, auth=Credential())) is own

    def test_anonymous_and_accountless_callers(self):
        assert request_actor(drf_request()) is ANONYMOUS
        with pytest.raises(NotFound, match="not a member of any account"):
            account_actor(drf_request(user=UserFactory()))


def test_an_app_request_acts_as_the_tokens_user_in_its_installation(
    account, admin, other_account, django_assert_num_queries
):
    from apps.oauth.selectors import access_token_get_by_checksum, token_checksum
    from tests.factories.catalog import make_app, make_version
    from tests.factories.installations import issue_token, make_installation

    app = make_app(account=other_account, name="Invoicer")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "user.me", "level": "read", "reason": "Needed."}],
        webhooks=[],
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    raw = issue_token(installation=installation, user=admin)
    token = access_token_get_by_checksum(checksum=token_checksum(raw))
    membership = admin.memberships.get()

    with django_assert_num_queries(0):
        actor = request_actor(drf_request(user=token.user, auth=token))

        assert (actor.user, actor.account, actor.installation) == (
            token.user,
            account,
            token.installation,
        )
        assert actor.membership == membership
        assert (actor.is_admin, actor.via_app_token, actor.label) == (True, True, admin.email)
        assert actor.rights["crm"] == "full"
    assert account_can_administer(actor, api_keys=True) is False
