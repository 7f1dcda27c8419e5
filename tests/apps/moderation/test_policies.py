"""Who may review: a moderator, acting as a person, never on their own account's app."""

import pytest

from apps.accounts.actors import ANONYMOUS, actor_for_api_key, actor_for_user, actor_system
from apps.moderation.policies import actor_can_moderate, version_can_review
from apps.moderation.services import review_claim
from tests.factories import ApiKeyFactory, MembershipFactory, UserFactory
from tests.factories.catalog import make_app, make_version

pytestmark = pytest.mark.django_db


def test_a_moderator_moderates_in_whatever_account_they_act(moderator, account):
    member = MembershipFactory(user=moderator, account=account)

    assert actor_can_moderate(actor_for_user(user=moderator))
    assert actor_can_moderate(actor_for_user(user=moderator, membership=member))


def test_a_superuser_moderates(staff):
    assert actor_can_moderate(actor_for_user(user=staff))


def test_nobody_else_moderates(account):
    admin = MembershipFactory(account=account, is_admin=True)

    assert not actor_can_moderate(ANONYMOUS)
    assert not actor_can_moderate(actor_for_user(user=admin.user, membership=admin))
    assert not actor_can_moderate(actor_for_user(user=UserFactory(is_staff=True)))
    assert not actor_can_moderate(actor_for_api_key(api_key=ApiKeyFactory(account=account)[0]))
    assert not actor_can_moderate(actor_system(label="Automatic update"))


def test_a_command_started_by_a_moderator_reviews_as_its_own_label(moderator, account):
    version = make_version(app=make_app(account=account), status="submitted")

    review = review_claim(version=version, actor=actor_system(label="Import", user=moderator))

    assert (review.moderator_id, review.moderator_label) == (moderator.pk, "Import")


def test_a_moderator_reviews_only_apps_of_accounts_they_are_not_in(moderator):
    actor = actor_for_user(user=moderator)

    assert version_can_review(actor, develops_app=False)
    assert not version_can_review(actor, develops_app=True)
    assert not version_can_review(ANONYMOUS, develops_app=False)
