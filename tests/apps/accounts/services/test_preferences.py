"""A user's own interface language: one of the product's languages or none (follow the
account's); anything else is refused under ``language`` and changes nothing."""

import pytest

from apps.accounts.actors import ANONYMOUS, actor_for_user
from apps.accounts.models import User
from apps.accounts.services import user_language_set
from apps.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def _actor(user):
    return actor_for_user(user=user, membership=user.memberships.first())


def test_a_user_sets_their_language_and_clears_it(member):
    assert user_language_set(actor=_actor(member), language="pt") is True
    assert User.objects.get(pk=member.pk).language == "pt"
    assert user_language_set(actor=_actor(member), language="PT ") is False  # already so
    assert user_language_set(actor=_actor(member), language="") is True
    assert User.objects.get(pk=member.pk).language == ""


def test_it_writes_only_the_acting_users_row(member, admin):
    user_language_set(actor=_actor(member), language="es")
    assert User.objects.get(pk=admin.pk).language == ""


@pytest.mark.parametrize("bad", ["fr", "english", "p", "e n"])
def test_an_unknown_language_is_refused_naming_the_field(member, bad):
    User.objects.filter(pk=member.pk).update(language="es")
    with pytest.raises(ValidationFailed) as caught:
        user_language_set(actor=_actor(member), language=bad)
    assert list(caught.value.fields) == ["language"]
    assert "en (English)" in caught.value.fields["language"][0]
    assert User.objects.get(pk=member.pk).language == "es"


def test_without_a_user_nothing_is_set(member):
    with pytest.raises(PermissionDenied):
        user_language_set(actor=ANONYMOUS, language="pt")
    assert not User.objects.exclude(language="").exists()
