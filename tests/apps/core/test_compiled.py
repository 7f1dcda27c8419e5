"""A ``CompiledLookup`` answers what its queryset answers, compiled once."""

from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count, FilteredRelation, Q
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Account, Membership, User
from apps.core.compiled import CompiledLookup
from tests.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _memberships(email: str):
    return (
        Membership.objects.filter(user__email=email)
        .select_related("user", "account", "role")
        .annotate(groups_count=Count("groups"))
        .order_by("account__slug")
    )


@pytest.fixture
def people(db):
    acme, globex = AccountFactory(slug="acme"), AccountFactory(slug="globex")
    ann = UserFactory(email="ann@example.com")
    MembershipFactory(user=ann, account=acme, is_admin=True)
    MembershipFactory(user=ann, account=globex)
    MembershipFactory(user=UserFactory(email="bob@example.com"), account=acme)
    return ann


def test_it_returns_what_the_queryset_returns(people):
    lookup = CompiledLookup(_memberships)

    for email in ["ann@example.com", "bob@example.com", "nobody@example.com"]:
        expected = list(_memberships(email))
        got = lookup(email)
        assert [m.pk for m in got] == [m.pk for m in expected]
        for ours, theirs in zip(got, expected, strict=True):
            assert ours.__dict__.keys() == theirs.__dict__.keys()
            assert (ours.account.slug, ours.user.email, ours.role) == (
                theirs.account.slug,
                theirs.user.email,
                theirs.role,
            )
            assert ours.groups_count == theirs.groups_count
            assert ours.created_at == theirs.created_at  # converters applied (SQLite)
            assert ours._state.adding is False


def test_it_compiles_once_and_runs_one_query_a_call(people):
    lookup = CompiledLookup(_memberships)
    lookup("ann@example.com")

    with (
        mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError) as as_sql,
        CaptureQueriesContext(connection) as ctx,
    ):
        assert len(lookup("ann@example.com")) == 2
        assert lookup.first("bob@example.com").user.email == "bob@example.com"
        assert lookup.first("nobody@example.com") is None

    as_sql.assert_not_called()
    assert len(ctx.captured_queries) == 3


def test_a_join_that_finds_nothing_leaves_no_attribute(people):
    lookup = CompiledLookup(
        lambda email: (
            User.objects.filter(email=email)
            .annotate(
                admin_of=FilteredRelation("memberships", condition=Q(memberships__is_admin=True))
            )
            .select_related("admin_of")
        )
    )

    (user,) = lookup("bob@example.com")

    assert user.email == "bob@example.com"
    assert getattr(user, "admin_of", None) is None


def test_a_queryset_that_ignores_its_key_is_refused(people):
    lookup = CompiledLookup(lambda key: Account.objects.filter(slug="acme"))

    with pytest.raises(ValueError, match="does not use its key"):
        lookup("acme")
