"""``installation_pin``: an admin (or an API key) keeps an installation on its version;
members and outsiders are refused with nothing changed; pinning twice records once; an
installation being uninstalled cannot be pinned."""

import pytest

from apps.accounts.actors import actor_for_user, actor_system
from apps.accounts.models import Membership
from apps.catalog.services import app_delete
from apps.core.errors import Conflict, PermissionDenied
from apps.installations.models import InstallationEvent
from apps.installations.services import (
    RolloutOutcome,
    installation_access_set,
    installation_pin,
    installation_rollout,
    installation_settings_save,
    installation_uninstall,
    installation_update,
)
from tests.factories import AccountFactory
from tests.factories.accounts import acting_as
from tests.factories.catalog import make_app, make_version, manifest_data
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


@pytest.fixture
def app():
    return make_app(account=AccountFactory(slug="devstudio", name="Dev Studio"))


@pytest.fixture
def installation(app, account, admin):
    version = make_version(app=app, number="1.0.0", status="published")
    return make_installation(account=account, version=version, by_user=admin)


def _membership(account, user):
    return Membership.objects.get(account=account, user=user)


def _api_key(account):
    return Membership(account=account, user=None, is_admin=True)


def _state(installation) -> tuple:
    installation.refresh_from_db()
    return (
        installation.pinned_at,
        installation.updated_at,
        list(installation.events.values_list("pk", "kind")),
    )


def _pin(installation, user, account, pinned=True):
    return installation_pin(
        installation=installation,
        pinned=pinned,
        actor=actor_for_user(user=user, membership=_membership(account, user)),
    )


def test_an_admin_pins_and_unpins(installation, account, admin):
    pinned = _pin(installation, admin, account)

    assert pinned.is_pinned
    event = installation.events.get(kind=InstallationEvent.Kind.PINNED)
    assert (event.actor, event.actor_label, event.detail) == (
        admin,
        "admin@acme.test",
        {"version": "1.0.0"},
    )

    unpinned = _pin(installation, admin, account, pinned=False)

    assert not unpinned.is_pinned
    installation.refresh_from_db()
    assert installation.pinned_at is None
    assert list(installation.events.values_list("kind", flat=True)) == [
        InstallationEvent.Kind.INSTALLED,
        InstallationEvent.Kind.PINNED,
        InstallationEvent.Kind.UNPINNED,
    ]


def test_an_api_key_may_pin(installation, account):
    installation_pin(
        installation=installation,
        pinned=True,
        actor=acting_as(actor_system(label="API key mpk_test"), _api_key(account)),
    )

    installation.refresh_from_db()
    assert installation.is_pinned
    event = installation.events.get(kind=InstallationEvent.Kind.PINNED)
    assert (event.actor, event.actor_label) == (None, "API key mpk_test")


def test_pinning_twice_records_once(installation, account, admin):
    _pin(installation, admin, account)
    after_first = _state(installation)

    again = _pin(installation, admin, account)

    assert again.is_pinned
    assert _state(installation) == after_first


def test_unpinning_an_unpinned_installation_changes_nothing(installation, account, admin):
    before = _state(installation)

    _pin(installation, admin, account, pinned=False)

    assert _state(installation) == before


@pytest.mark.parametrize("pinned", [True, False])
def test_a_member_is_refused(installation, account, admin, member, pinned):
    if not pinned:
        _pin(installation, admin, account)
    before = _state(installation)

    with pytest.raises(PermissionDenied):
        _pin(installation, member, account, pinned=pinned)

    assert _state(installation) == before


@pytest.mark.parametrize("pinned", [True, False])
def test_an_outsider_is_refused(installation, other_account, outsider, account, admin, pinned):
    if not pinned:
        _pin(installation, admin, account)
    before = _state(installation)

    with pytest.raises(PermissionDenied):
        installation_pin(
            installation=installation,
            pinned=pinned,
            actor=actor_for_user(user=outsider, membership=_membership(other_account, outsider)),
        )
    with pytest.raises(PermissionDenied):
        installation_pin(
            installation=installation,
            pinned=pinned,
            actor=acting_as(actor_system(label="API key of Globex"), _api_key(other_account)),
        )

    assert _state(installation) == before


def test_no_membership_is_refused(installation):
    before = _state(installation)

    with pytest.raises(PermissionDenied):
        installation_pin(
            installation=installation, pinned=True, actor=acting_as(actor_system(label="x"), None)
        )

    assert _state(installation) == before


def test_an_uninstalling_installation_cannot_be_pinned(installation, account, admin):
    installation_uninstall(
        installation=installation,
        actor=actor_for_user(user=admin, membership=_membership(account, admin)),
    )
    before = _state(installation)

    with pytest.raises(Conflict) as refused:
        _pin(installation, admin, account)

    assert refused.value.code == "not_active"
    assert _state(installation) == before


def test_pinned_keeps_automatic_updates_away_but_not_an_admins(installation, app, account, admin):
    _pin(installation, admin, account)
    newer = make_version(app=app, number="1.1.0", status="published")

    assert installation_rollout(installation_id=installation.pk, version=newer) == (
        RolloutOutcome.PINNED
    )
    installation.refresh_from_db()
    assert installation.version.number == "1.0.0"

    installation_update(
        installation=installation,
        version=newer,
        actor=actor_for_user(user=admin, membership=_membership(account, admin)),
        consent=False,
    )

    installation.refresh_from_db()
    assert installation.version == newer
    assert installation.is_pinned


def test_unpinning_catches_up_with_what_was_published_meanwhile(installation, app, account, admin):
    """A version published while the installation was pinned is applied when it is
    unpinned, as its rollout would have done: here it asks for nothing new, so the
    installation moves to it (recorded as an automatic update)."""
    _pin(installation, admin, account)
    newer = make_version(app=app, number="1.1.0", status="published")
    assert installation_rollout(installation_id=installation.pk, version=newer) == (
        RolloutOutcome.PINNED
    )

    unpinned = _pin(installation, admin, account, pinned=False)

    assert (unpinned.version, unpinned.is_pinned) == (newer, False)
    kinds = list(installation.events.order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == [InstallationEvent.Kind.UNPINNED, InstallationEvent.Kind.UPDATED]
    assert installation_rollout(installation_id=installation.pk, version=newer) == (
        RolloutOutcome.SKIPPED
    )


def test_unpinning_asks_for_approval_of_a_version_that_wants_more(
    installation, app, account, admin
):
    _pin(installation, admin, account)
    grown = make_version(
        app=app,
        number="1.1.0",
        status="published",
        scopes=[*manifest_data()["scopes"], {"code": "task", "level": "read", "reason": "Tasks."}],
    )

    unpinned = _pin(installation, admin, account, pinned=False)

    assert (unpinned.version.number, unpinned.pending_version) == ("1.0.0", grown)


def test_nothing_changes_an_installation_of_an_app_being_deleted(installation, app, account, admin):
    """Pinning, settings and access are refused once the developer deletes the app: the
    installation is on its way out (the console hides those actions as well)."""
    app_delete(app=app)
    before = _state(installation)
    membership = _membership(account, admin)
    attempts = [
        lambda: _pin(installation, admin, account),
        lambda: installation_settings_save(
            installation=installation,
            level="app",
            user=None,
            values={},
            files={},
            actor=actor_for_user(user=admin, membership=membership),
        ),
        lambda: installation_access_set(
            installation=installation,
            role_ids=[],
            group_ids=[],
            actor=actor_for_user(user=admin, membership=membership),
        ),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == "app_deleting"
    assert _state(installation) == before
