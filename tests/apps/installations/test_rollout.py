"""``installation_rollout``: one installation brought to a newly published version without
an admin. Updated when its grant covers the version, marked "update needs approval"
(once) when it does not, skipped when pinned, newer, uninstalling or of another app."""

import pytest

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.catalog.models import AppVersion, VersionStatus
from apps.catalog.policies import Party
from apps.catalog.services import install_link_create, version_transition
from apps.installations.models import (
    Installation,
    InstallationEvent,
    InstallationStatus,
    WebhookSubscription,
)
from apps.installations.services import (
    ROLLOUT_ACTOR,
    RolloutOutcome,
    installation_install,
    installation_pin,
    installation_rollout,
    installation_uninstall,
    installation_update,
)
from tests.factories import AccountFactory
from tests.factories.accounts import MembershipFactory, acting_as
from tests.factories.catalog import by, make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db

BASE_SCOPES = [
    {"code": "crm.accounts", "level": "read", "reason": "Shows the customer on invoices."},
    {"code": "fin.invoices", "level": "full", "reason": "Creates invoices from deals."},
]
WITH_USERS = [*BASE_SCOPES, {"code": "users", "level": "read", "reason": "Lists colleagues."}]
WITH_TASKS = [*WITH_USERS, {"code": "task", "level": "read", "reason": "Links tasks."}]
HOOK = {
    "id": "invoice-updated",
    "event": "fin.invoices.updated",
    "url": "https://invoicer.example.com/hooks/invoices",
}


def _installation_row(installation: Installation) -> tuple:
    installation.refresh_from_db()
    return (
        installation.version_id,
        installation.pending_version_id,
        installation.status,
        list(installation.granted_scopes),
        installation.scopes_revision,
        installation.updated_at,
        list(installation.events.values_list("pk", flat=True)),
        list(installation.webhook_subscriptions.values_list("pk", "url", "updated_at")),
    )


@pytest.fixture
def app():
    return make_app(account=AccountFactory(slug="devstudio", name="Dev Studio"))


@pytest.fixture
def v100(app):
    return make_version(app=app, number="1.0.0", status="published", scopes=BASE_SCOPES)


@pytest.fixture
def v110(app, v100):
    return make_version(app=app, number="1.1.0", status="published", scopes=WITH_USERS)


def _v120(app):
    """Asks what 1.1.0 asked; its webhook moved."""
    return make_version(
        app=app,
        number="1.2.0",
        status="published",
        scopes=WITH_USERS,
        webhooks=[{**HOOK, "url": "https://invoicer.example.com/hooks/v120"}],
    )


def publish(version):
    version_transition(
        version=version, target=VersionStatus.PUBLISHED, party=Party.DEVELOPER, actor=by()
    )
    version.refresh_from_db()
    return version


def _account(slug: str):
    return AccountFactory(slug=slug, name=slug.title())


def test_a_covered_grant_is_updated_automatically(app, v110):
    installation = make_installation(account=_account("covered"), version=v110)
    target = _v120(app)

    outcome = installation_rollout(installation_id=installation.pk, version=target)

    assert outcome == RolloutOutcome.UPDATED
    installation.refresh_from_db()
    assert installation.version == target
    assert installation.pending_version is None
    assert installation.granted_scopes == ["crm.accounts:read", "fin.invoices:full", "users:read"]
    assert installation.scopes_revision == 2
    event = installation.events.get(kind=InstallationEvent.Kind.UPDATED)
    assert event.actor is None
    assert event.actor_label == ROLLOUT_ACTOR.label == "Automatic update"
    assert event.detail == {
        "from": "1.1.0",
        "to": "1.2.0",
        "scopes_added": [],
        "scopes_removed": [],
        "webhooks": {"added": [], "removed": [], "changed": ["invoice-updated"]},
        "automatic": True,
    }
    assert list(installation.webhook_subscriptions.values_list("url", flat=True)) == [
        "https://invoicer.example.com/hooks/v120"
    ]


def test_a_grant_that_does_not_cover_waits_for_approval_once(app, v100, v110):
    installation = make_installation(account=_account("behind"), version=v100)
    target = _v120(app)

    first = installation_rollout(installation_id=installation.pk, version=target)
    after_first = _installation_row(installation)
    second = installation_rollout(installation_id=installation.pk, version=target)

    assert first == second == RolloutOutcome.NEEDS_APPROVAL
    assert _installation_row(installation) == after_first
    installation.refresh_from_db()
    assert installation.version == v100
    assert installation.pending_version == target
    assert installation.granted_scopes == ["crm.accounts:read", "fin.invoices:full"]
    assert installation.scopes_revision == 1
    event = installation.events.get(kind=InstallationEvent.Kind.UPDATE_NEEDS_APPROVAL)
    assert (event.actor, event.actor_label) == (None, "Automatic update")
    assert event.detail == {"to": "1.2.0", "new_scopes": ["users:read"]}
    assert not installation.events.filter(kind=InstallationEvent.Kind.UPDATED).exists()
    assert list(installation.webhook_subscriptions.values_list("url", flat=True)) == [HOOK["url"]]


def test_a_pinned_installation_is_left_alone(app, v110):
    installation = make_installation(account=_account("pinned"), version=v110)
    installation_pin(
        installation=installation,
        pinned=True,
        actor=acting_as(by(), Membership(account=installation.account, user=None, is_admin=True)),
    )
    before = _installation_row(installation)

    outcome = installation_rollout(installation_id=installation.pk, version=_v120(app))

    assert outcome == RolloutOutcome.PINNED
    assert _installation_row(installation) == before


def test_an_installation_on_a_newer_version_is_skipped(app, v110):
    """1.2.0 approved before 1.3.0, published after it."""
    target = make_version(app=app, number="1.2.0", status="approved", scopes=WITH_USERS)
    newer = make_version(app=app, number="1.3.0", status="published", scopes=WITH_USERS)
    installation = make_installation(account=_account("ahead"), version=newer)
    publish(target)
    before = _installation_row(installation)

    outcome = installation_rollout(installation_id=installation.pk, version=target)

    assert outcome == RolloutOutcome.SKIPPED
    assert _installation_row(installation) == before


def test_an_uninstalling_installation_is_skipped(app, v110):
    installation = make_installation(account=_account("leaving"), version=v110)
    installation_uninstall(
        installation=installation,
        actor=acting_as(by(), Membership(account=installation.account, user=None, is_admin=True)),
    )
    before = _installation_row(installation)

    outcome = installation_rollout(installation_id=installation.pk, version=_v120(app))

    assert outcome == RolloutOutcome.SKIPPED
    assert _installation_row(installation) == before
    assert installation.status == InstallationStatus.UNINSTALLING


def test_another_apps_installation_is_never_touched(app, v110):
    other_app = make_app(account=app.account, name="Timesheets")
    theirs = make_installation(
        account=_account("neighbour"),
        version=make_version(app=other_app, number="1.0.0", status="published"),
    )
    before = _installation_row(theirs)

    outcome = installation_rollout(installation_id=theirs.pk, version=_v120(app))

    assert outcome == RolloutOutcome.SKIPPED
    assert _installation_row(theirs) == before


def test_a_version_no_longer_published_is_not_rolled_out(app, v110):
    installation = make_installation(account=_account("late"), version=v110)
    target = _v120(app)
    AppVersion.objects.filter(pk=target.pk).update(status=VersionStatus.HIDDEN)
    before = _installation_row(installation)

    outcome = installation_rollout(installation_id=installation.pk, version=target)

    assert outcome == RolloutOutcome.SKIPPED
    assert _installation_row(installation) == before


def test_an_admins_update_to_the_pending_version_settles_it(app, v100, v110, account, admin):
    installation = make_installation(account=account, version=v100, by_user=admin)
    target = _v120(app)
    installation_rollout(installation_id=installation.pk, version=target)

    installation_update(
        installation=installation,
        version=target,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(account=account, user=admin)
        ),
        consent=True,
    )

    installation.refresh_from_db()
    assert installation.version == target
    assert installation.pending_version is None
    event = installation.events.get(kind=InstallationEvent.Kind.UPDATED)
    assert (event.actor, event.detail["automatic"]) == (admin, False)
    assert event.detail["scopes_added"] == ["users:read"]


def test_an_admins_update_to_an_older_version_keeps_the_newer_pending(app, v100, v110):
    """Updating to 1.1.0 by hand does not settle a pending 1.2.0."""
    installation = make_installation(account=_account("stepwise"), version=v100)
    target = _v120(app)
    installation_rollout(installation_id=installation.pk, version=target)

    installation_update(
        installation=installation,
        version=v110,
        actor=acting_as(by(), Membership(account=installation.account, user=None, is_admin=True)),
        consent=True,
    )

    installation.refresh_from_db()
    assert (installation.version, installation.pending_version) == (v110, target)


def test_a_newer_version_that_also_needs_approval_moves_the_pending_one(app, v100, v110):
    installation = make_installation(account=_account("behind"), version=v100)
    installation_rollout(installation_id=installation.pk, version=_v120(app))
    newest = make_version(app=app, number="1.4.0", status="published", scopes=WITH_TASKS)

    outcome = installation_rollout(installation_id=installation.pk, version=newest)

    assert outcome == RolloutOutcome.NEEDS_APPROVAL
    installation.refresh_from_db()
    assert (installation.version, installation.pending_version) == (v100, newest)
    asked = installation.events.filter(kind=InstallationEvent.Kind.UPDATE_NEEDS_APPROVAL)
    assert [e.detail for e in asked] == [
        {"to": "1.2.0", "new_scopes": ["users:read"]},
        {"to": "1.4.0", "new_scopes": ["task:read", "users:read"]},
    ]


def test_an_older_pending_version_is_not_put_back(app, v100, v110):
    """A rollout of 1.2.0 that runs after the one of 1.4.0 leaves 1.4.0 pending."""
    installation = make_installation(account=_account("behind"), version=v100)
    target = _v120(app)
    newest = make_version(app=app, number="1.4.0", status="published", scopes=WITH_TASKS)
    installation_rollout(installation_id=installation.pk, version=newest)
    before = _installation_row(installation)

    outcome = installation_rollout(installation_id=installation.pk, version=target)

    assert outcome == RolloutOutcome.NEEDS_APPROVAL
    assert _installation_row(installation) == before
    assert installation.pending_version == newest


def test_a_newer_version_that_needs_no_approval_updates_and_settles(app, v100, v110):
    installation = make_installation(account=_account("behind"), version=v100)
    installation_rollout(installation_id=installation.pk, version=_v120(app))
    narrower = make_version(app=app, number="1.5.0", status="published", scopes=BASE_SCOPES)

    outcome = installation_rollout(installation_id=installation.pk, version=narrower)

    assert outcome == RolloutOutcome.UPDATED
    installation.refresh_from_db()
    assert (installation.version, installation.pending_version) == (narrower, None)
    assert installation.events.get(kind=InstallationEvent.Kind.UPDATED).detail["automatic"]


def test_webhooks_of_a_waiting_installation_stay_as_they_were(app, v100, v110):
    installation = make_installation(account=_account("behind"), version=v100)
    before = list(WebhookSubscription.objects.filter(installation=installation).values())

    installation_rollout(installation_id=installation.pk, version=_v120(app))

    assert list(WebhookSubscription.objects.filter(installation=installation).values()) == before


def test_a_private_app_installed_through_a_link_is_updated_after_approval():
    """A private app reaches other accounts through install links only; once installed
    there, its published versions are updates the account may take: the rollout asks for
    approval of a version that asks for more, and the admin's approval goes through."""
    private = make_app(account=AccountFactory(slug="inhouse"), name="In-house", type="private")
    first = make_version(app=private, number="1.0.0", status="published", scopes=BASE_SCOPES)
    link, _raw = install_link_create(version=first, actor=by(), label="Acme")
    customer = AccountFactory(slug="acme-private")
    admin = MembershipFactory(account=customer, is_admin=True)
    installation = installation_install(
        account=customer,
        version=first,
        actor=actor_for_user(user=admin.user, membership=admin),
        install_link=link,
    )

    grown = make_version(app=private, number="1.1.0", status="published", scopes=WITH_USERS)
    assert (
        installation_rollout(installation_id=installation.pk, version=grown)
        == RolloutOutcome.NEEDS_APPROVAL
    )
    updated = installation_update(
        installation=installation,
        version=grown,
        actor=actor_for_user(user=admin.user, membership=admin),
        consent=True,
    )
    assert (updated.version_id, updated.pending_version_id) == (grown.pk, None)
