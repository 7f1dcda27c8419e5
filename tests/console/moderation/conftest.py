"""Moderation fixtures: a public app of ``account`` with its listing, versions in the
queue, a second moderator, and a snapshot of everything a moderator's page could write."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from apps.catalog.models import AppVersion, VersionEvent
from apps.catalog.services import app_listing_update
from apps.moderation.models import Review
from tests.factories import MembershipFactory, UserFactory, make_app, make_version


@pytest.fixture
def public_app(account, developer):
    app = make_app(account=account, name="Invoicer", type="public", user=developer)
    app_listing_update(
        app=app,
        summary="Invoices from deals",
        description="Creates invoices from won deals.",
        support_email="help@invoicer.example.com",
        support_url="https://invoicer.example.com/help",
    )
    app.refresh_from_db()
    return app


@pytest.fixture
def submitted(public_app):
    """Version 1.0.0 of Invoicer, waiting in the queue."""
    return make_version(app=public_app, number="1.0.0", status="submitted")


@pytest.fixture
def other_moderator(db):
    user = UserFactory(email="second.moderator@platform.test", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="moderate_apps"))
    return user


@pytest.fixture
def staff_without_permission(db):
    return UserFactory(email="plain.staff@platform.test", is_staff=True)


@pytest.fixture
def other_developer(other_account):
    return MembershipFactory(
        account=other_account, user=UserFactory(email="dev@globex.test"), is_developer=True
    ).user


def age(version: AppVersion, days: float) -> AppVersion:
    """Pretend ``version`` was submitted ``days`` ago."""
    submitted_at = timezone.now() - timedelta(days=days)
    AppVersion.objects.filter(pk=version.pk).update(submitted_at=submitted_at)
    version.refresh_from_db()
    return version


def snapshot() -> dict[str, list]:
    """Every row a moderation page could write, to compare before and after a denial."""
    return {
        "versions": list(
            AppVersion.objects.order_by("pk").values_list(
                "pk",
                "status",
                "status_changed_at",
                "submitted_at",
                "rejection_reason",
                "updated_at",
            )
        ),
        "events": list(VersionEvent.objects.order_by("pk").values_list("pk", "to_status")),
        "reviews": list(
            Review.objects.order_by("pk").values_list(
                "pk", "moderator_id", "released_at", "decided_at", "decision", "reason", "checklist"
            )
        ),
    }
