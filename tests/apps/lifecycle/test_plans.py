"""Assembling the contexts' deletion plans: one total order of steps from each context's
own order and its ``before``/``after``, rows added by other contexts ahead of a step's
own, and a refusal (at start-up, not mid-job) for a plan that leaves the order open,
names an unknown step, deletes rows before rows that point at them, or puts a step that
goes with the owner's row before one that does not."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from apps.catalog.models import App
from apps.connections.models import ConnectionTestResult, ConnectionValue, OAuthConnection
from apps.core.deletion import Rows, Step, StepRows
from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from apps.lifecycle.services import plans
from apps.lifecycle.services.whole import whole_delete_plan
from apps.moderation.models import Review
from apps.oauth.deletion import REFRESH_TOKEN_POINTERS
from apps.oauth.models import AccessToken, Grant, RefreshToken
from apps.webhooks.models import Attempt, Delivery, SubscriptionHealth


def _assemble(monkeypatch, *found):
    monkeypatch.setattr(plans, "declarations", lambda: list(found))
    return plans.plan_for.__wrapped__(Installation)


def _step(name, *rows, **options):
    return Step(owner=Installation, name=name, label=name, rows=rows, **options)


def test_the_installation_plan_in_order_with_the_contexts_that_declare_it():
    plan = plans.plan_for(Installation)

    assert [(s.name, s.context) for s in plan.steps] == [
        ("tokens", "oauth"),
        ("authorizations", "installations"),
        ("files", "installations"),
        ("settings", "installations"),
        ("webhooks", "installations"),
        ("access", "installations"),
        ("installation", "installations"),
    ]
    assert [s.with_owner for s in plan.steps] == [False] * 6 + [True]
    assert plan.closing == 6
    assert plan.needs == ("id", "uid")


def test_the_app_plan_takes_the_reviews_into_the_versions_step_ahead_of_them():
    plan = plans.plan_for(App)

    assert [s.name for s in plan.steps] == [
        "tokens",
        "files",
        "install_links",
        "versions",
        "app",
        "client",
    ]
    versions = next(s for s in plan.steps if s.name == "versions")
    assert versions.rows[0].model is Review
    assert plan.closing == 2
    assert plan.needs == ("code", "id", "logo", "oauth_application_id")


def test_the_installation_plan_can_go_in_one_statement():
    whole = whole_delete_plan(connection.vendor)

    assert whole is not None
    tables = {
        model._meta.db_table
        for model in (
            Grant,
            RefreshToken,
            AccessToken,
            ConnectionTestResult,
            ConnectionValue,
            OAuthConnection,
            UserAuthorization,
            SettingValue,
            SubscriptionHealth,
            Attempt,
            Delivery,
            WebhookSubscription,
            InstallationAccess,
            InstallationEvent,
        )
    }
    assert {t.table.strip('"`') for t in whole.tables} == tables
    assert [t.table.strip('"`') for t in whole.hooked] == [
        SettingValue._meta.db_table,
        OAuthConnection._meta.db_table,
    ]


def test_each_context_keeps_its_order_and_before_places_it(monkeypatch):
    plan = _assemble(
        monkeypatch,
        ("a", _step("one", Rows(UserAuthorization, "installation_id"))),
        ("a", _step("two", Rows(WebhookSubscription, "installation_id"))),
        ("b", _step("first", Rows(InstallationAccess, "installation_id"), before=("one",))),
    )

    assert [s.name for s in plan.steps] == ["first", "one", "two"]


def test_rows_added_to_a_step_go_ahead_of_its_own(monkeypatch):
    plan = _assemble(
        monkeypatch,
        ("a", _step("one", Rows(UserAuthorization, "installation_id"))),
        (
            "b",
            StepRows(
                owner=Installation, step="one", rows=(Rows(InstallationAccess, "installation_id"),)
            ),
        ),
    )

    assert [r.model for r in plan.steps[0].rows] == [InstallationAccess, UserAuthorization]


def test_an_order_left_open_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match=r"\['one', 'other'\] could each go next"):
        _assemble(
            monkeypatch,
            ("a", _step("one", Rows(UserAuthorization, "installation_id"))),
            ("b", _step("other", Rows(WebhookSubscription, "installation_id"))),
        )


def test_an_unknown_step_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="No step 'nowhere'"):
        _assemble(
            monkeypatch,
            ("a", _step("one", Rows(UserAuthorization, "installation_id"), after=("nowhere",))),
        )
    with pytest.raises(ImproperlyConfigured, match="No step"):
        _assemble(
            monkeypatch,
            ("a", _step("one", Rows(UserAuthorization, "installation_id"))),
            (
                "b",
                StepRows(
                    owner=Installation,
                    step="nowhere",
                    rows=(Rows(InstallationAccess, "installation_id"),),
                ),
            ),
        )


def test_rows_going_before_rows_that_point_at_them_are_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match=r"installations\.Installation goes before"):
        _assemble(
            monkeypatch,
            ("a", _step("row", Rows(Installation, "id"))),
            ("a", _step("history", Rows(InstallationEvent, "installation_id"))),
        )
    # An access token points at the refresh token it came from: the refresh tokens may
    # go first only when that pointer is cleared, as the OAuth context's plan does.
    with pytest.raises(ImproperlyConfigured, match="whose 'source_refresh_token' points at it"):
        _assemble(
            monkeypatch,
            ("a", _step("refresh", Rows(RefreshToken, "installation_id"))),
            ("a", _step("access", Rows(AccessToken, "installation_id"))),
        )
    cleared = Rows(RefreshToken, "installation_id", pointers=REFRESH_TOKEN_POINTERS)
    plan = _assemble(
        monkeypatch,
        ("a", _step("refresh", cleared)),
        ("a", _step("access", Rows(AccessToken, "installation_id"))),
    )
    assert [s.name for s in plan.steps] == ["refresh", "access"]


def test_steps_going_with_the_owner_come_last(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="must come last"):
        _assemble(
            monkeypatch,
            ("a", _step("row", Rows(InstallationEvent, "installation_id"), with_owner=True)),
            ("a", _step("later", Rows(UserAuthorization, "installation_id"))),
        )
