"""The one write path of a version's status: every move outside the table is refused
with ``illegal_transition`` and writes nothing; a reason is required to reject; a caller
that saw an old status loses the compare-and-set."""

import itertools

import pytest

from apps.accounts.actors import actor_system
from apps.catalog.models import AppType, AppVersion, VersionStatus
from apps.catalog.policies import TRANSITIONS, Party
from apps.catalog.services import version_publish, version_submit, version_transition
from apps.core.errors import Conflict, ValidationFailed
from tests.apps.catalog.services.helpers import catalog_rows, history
from tests.factories.catalog import make_app, make_version

pytestmark = pytest.mark.django_db

S = VersionStatus
REACHABLE = {
    AppType.PUBLIC: list(S),
    AppType.PRIVATE: [S.DRAFT, S.PUBLISHED, S.HIDDEN],
}
ILLEGAL = [
    (app_type, current, target, actor)
    for app_type, statuses in REACHABLE.items()
    for current, target, actor in itertools.product(statuses, S, Party)
    if actor not in TRANSITIONS.get((app_type, current, target), frozenset())
]


def test_the_illegal_moves_cover_everything_outside_the_table():
    legal = sum(
        len(actors)
        for (app_type, current, _), actors in TRANSITIONS.items()
        if current in REACHABLE[app_type]
    )
    assert len(ILLEGAL) + legal == (7 + 3) * 7 * 2


@pytest.mark.parametrize(("app_type", "current", "target", "actor"), ILLEGAL)
def test_every_illegal_move_is_refused_and_changes_nothing(
    account, app_type, current, target, actor
):
    version = make_version(app=make_app(account=account, type=app_type), status=current)
    events = len(history(version))
    before = catalog_rows()

    with pytest.raises(Conflict) as caught:
        version_transition(
            version=version, target=target, party=actor, actor=actor_system(label="t"), reason="x"
        )

    assert caught.value.code == "illegal_transition"
    assert caught.value.status_code == 409
    assert " version of a " in caught.value.message
    assert catalog_rows() == before
    assert AppVersion.objects.get(pk=version.pk).status == current
    assert len(history(version)) == events


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_rejection_needs_a_reason(account, reason):
    version = make_version(app=make_app(account=account), status=S.IN_REVIEW)
    before = catalog_rows()

    with pytest.raises(ValidationFailed) as caught:
        version_transition(
            version=version,
            target=S.REJECTED,
            party=Party.MODERATOR,
            actor=actor_system(label="t"),
            reason=reason,
        )

    assert caught.value.fields == {"reason": ["This field is required."]}
    assert catalog_rows() == before


def test_other_moves_need_no_reason(account):
    version = make_version(app=make_app(account=account), status=S.IN_REVIEW)

    version_transition(
        version=version, target=S.APPROVED, party=Party.MODERATOR, actor=actor_system(label="t")
    )

    assert history(version)[-1] == ("t", "in_review", "approved", "")


def test_a_caller_who_saw_an_old_status_loses_and_writes_nothing(account):
    version = make_version(app=make_app(account=account), status=S.APPROVED)
    mine = AppVersion.objects.get(pk=version.pk)
    theirs = AppVersion.objects.get(pk=version.pk)
    version_publish(version=theirs, actor=actor_system(label="them"))
    before = catalog_rows()

    with pytest.raises(Conflict) as caught:
        version_publish(version=mine, actor=actor_system(label="me"))

    assert caught.value.code == "conflict"
    assert caught.value.message == (
        "Someone changed version 1.0.0 first: it is now published. Reload the page to see its "
        "current state."
    )
    assert caught.value.extra == {"status": "published"}
    assert catalog_rows() == before
    assert [e[0] for e in history(version)].count("me") == 0


def test_a_stale_move_that_the_table_still_allows_is_refused_too(account):
    # Both saw "draft"; the first submits, the second's submit must not write a second event.
    version = make_version(app=make_app(account=account), status=S.DRAFT)
    first = AppVersion.objects.get(pk=version.pk)
    second = AppVersion.objects.get(pk=version.pk)
    version_submit(version=first, actor=actor_system(label="first"))

    with pytest.raises(Conflict):
        version_submit(version=second, actor=actor_system(label="second"))

    assert history(version) == [
        ("test", "", "draft", "Created."),
        ("first", "draft", "submitted", ""),
    ]
