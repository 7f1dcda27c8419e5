"""Whole lives of versions through the one write path, with the history asserted exactly:
who, from, to and why for every move."""

import pytest

from apps.accounts.actors import actor_for_user, actor_system
from apps.catalog.models import AppVersion, VersionEvent, VersionStatus
from apps.catalog.policies import Party
from apps.catalog.services import (
    version_create,
    version_hide,
    version_publish,
    version_submit,
    version_transition,
    version_update,
    version_withdraw,
)
from tests.apps.catalog.services.helpers import history
from tests.factories.catalog import make_app, manifest_text

pytestmark = pytest.mark.django_db

S = VersionStatus
API_KEY = actor_system(label="API key mpk_ci")


def status(version: AppVersion) -> str:
    return AppVersion.objects.get(pk=version.pk).status


def test_a_private_app_publishes_without_moderation(account, developer):
    dev = actor_for_user(user=developer)
    app = make_app(account=account, type="private")
    version = version_create(app=app, raw=manifest_text("1.0.0"), actor=dev)

    version_publish(version=version, actor=dev)
    assert status(version) == S.PUBLISHED
    version_hide(version=version, actor=API_KEY)
    assert status(version) == S.HIDDEN
    version_publish(version=version, actor=dev)
    assert status(version) == S.PUBLISHED

    assert history(version) == [
        ("dev@acme.test", "", "draft", "Created."),
        ("dev@acme.test", "draft", "published", ""),
        ("API key mpk_ci", "published", "hidden", ""),
        ("dev@acme.test", "hidden", "published", ""),
    ]
    events = list(VersionEvent.objects.filter(version=version).order_by("pk"))
    assert [e.actor for e in events] == [developer, developer, None, developer]


def test_a_public_app_goes_through_moderation(account, developer, moderator):
    dev, mod = actor_for_user(user=developer), actor_for_user(user=moderator)
    app = make_app(account=account, type="public")
    version = version_create(app=app, raw=manifest_text("1.0.0"), changelog="First.", actor=dev)

    version_submit(version=version, actor=dev)
    first_submission = AppVersion.objects.get(pk=version.pk).submitted_at
    assert first_submission is not None
    version_transition(version=version, target=S.IN_REVIEW, party=Party.MODERATOR, actor=mod)
    version_transition(
        version=version,
        target=S.REJECTED,
        party=Party.MODERATOR,
        actor=mod,
        reason="  The crm.accounts scope is not explained.  ",
    )
    stored = AppVersion.objects.get(pk=version.pk)
    assert stored.status == S.REJECTED
    assert stored.rejection_reason == "The crm.accounts scope is not explained."

    version_update(version=version, changelog="Explains every scope.", actor=dev)
    assert status(version) == S.DRAFT
    version_submit(version=version, actor=API_KEY)
    assert AppVersion.objects.get(pk=version.pk).submitted_at > first_submission
    version_transition(version=version, target=S.IN_REVIEW, party=Party.MODERATOR, actor=mod)
    version_transition(
        version=version, target=S.APPROVED, party=Party.MODERATOR, actor=mod, reason="Looks good."
    )
    stored = AppVersion.objects.get(pk=version.pk)
    assert stored.rejection_reason == ""
    assert stored.published_at is None

    version_publish(version=version, actor=dev)
    published_at = AppVersion.objects.get(pk=version.pk).published_at
    assert published_at is not None
    version_hide(version=version, actor=dev)
    version_publish(version=version, actor=dev)
    stored = AppVersion.objects.get(pk=version.pk)
    assert stored.status == S.PUBLISHED
    assert stored.published_at > published_at
    assert stored.changelog == "Explains every scope."

    assert history(version) == [
        ("dev@acme.test", "", "draft", "Created."),
        ("dev@acme.test", "draft", "submitted", ""),
        ("moderator@platform.test", "submitted", "in_review", ""),
        (
            "moderator@platform.test",
            "in_review",
            "rejected",
            "The crm.accounts scope is not explained.",
        ),
        ("dev@acme.test", "rejected", "draft", "Edited after rejection."),
        ("API key mpk_ci", "draft", "submitted", ""),
        ("moderator@platform.test", "submitted", "in_review", ""),
        ("moderator@platform.test", "in_review", "approved", "Looks good."),
        ("dev@acme.test", "approved", "published", ""),
        ("dev@acme.test", "published", "hidden", ""),
        ("dev@acme.test", "hidden", "published", ""),
    ]


def test_withdraw_and_release_keep_the_history(account, developer, moderator):
    dev, mod = actor_for_user(user=developer), actor_for_user(user=moderator)
    app = make_app(account=account)
    version = version_create(app=app, raw=manifest_text("1.0.0"), actor=dev)

    version_submit(version=version, actor=dev)
    version_withdraw(version=version, actor=dev)
    version_submit(version=version, actor=dev)
    submitted_at = AppVersion.objects.get(pk=version.pk).submitted_at
    version_transition(version=version, target=S.IN_REVIEW, party=Party.MODERATOR, actor=mod)
    version_transition(
        version=version,
        target=S.SUBMITTED,
        party=Party.MODERATOR,
        actor=mod,
        reason="Released back to the queue.",
    )

    stored = AppVersion.objects.get(pk=version.pk)
    assert stored.status == S.SUBMITTED
    assert stored.submitted_at == submitted_at  # a release keeps its place in the queue
    assert history(version) == [
        ("dev@acme.test", "", "draft", "Created."),
        ("dev@acme.test", "draft", "submitted", ""),
        ("dev@acme.test", "submitted", "draft", "Withdrawn by the developer."),
        ("dev@acme.test", "draft", "submitted", ""),
        ("moderator@platform.test", "submitted", "in_review", ""),
        ("moderator@platform.test", "in_review", "submitted", "Released back to the queue."),
    ]


def test_the_callers_object_follows_each_move(account):
    app = make_app(account=account, type="private")
    version = version_create(app=app, raw=manifest_text("1.0.0"), actor=API_KEY)

    returned = version_publish(version=version, actor=API_KEY)

    assert returned is version
    assert version.status == S.PUBLISHED
    assert version.published_at == AppVersion.objects.get(pk=version.pk).published_at
