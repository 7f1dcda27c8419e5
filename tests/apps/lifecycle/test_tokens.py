"""The periodic token purge: each rule of ``expired_token_filters`` with rows it must
remove and rows it must keep, the same survivors as django-oauth-toolkit's own
``clear_expired`` on the same data, in batches, cut by its time budget, twice, and the
figures it leaves on its heartbeat; the beat schedule runs it."""

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from oauth2_provider.models import clear_expired, set_token_value
from oauth2_provider.settings import oauth2_settings

from apps.jobs.models import Heartbeat
from apps.lifecycle.services.batches import Deadline
from apps.lifecycle.services.purge import PURGE_HEARTBEAT, tokens_purge_run
from apps.lifecycle.services.tokens import expired_token_filters, tokens_purge_expired
from apps.lifecycle.tasks import tokens_purge_task
from apps.oauth.models import AccessToken, Grant, IDToken, RefreshToken
from tests.apps.lifecycle.conftest import Installed

pytestmark = pytest.mark.django_db

# Which labelled row each rule matches before anything is deleted.
MATCHED_BY = {
    "revoked_refresh_tokens": {"rt_revoked_long_ago"},
    "orphan_refresh_tokens": {"rt_orphan"},
    "idle_refresh_tokens": {"rt_idle"},
    "expired_access_tokens": {"at_expired_alone", "at_expired_with_id_token"},
    "expired_id_tokens": {"id_expired_alone"},
    "expired_grants": {"grant_expired_used", "grant_expired_unused"},
}
# What goes in the end: the matched rows, the access token the idle refresh token held
# (expired, and without a refresh token once that one is gone), and the ID token of an
# expired access token (without an access token once that one is gone).
PURGED = {
    *set().union(*MATCHED_BY.values()),
    "at_idle",
    "id_of_expired_access_token",
}
DELETED = {
    "revoked_refresh_tokens": 1,
    "orphan_refresh_tokens": 1,
    "idle_refresh_tokens": 1,
    "expired_access_tokens": 3,
    "expired_id_tokens": 2,
    "expired_grants": 2,
}


class Rows:
    """Token rows by label, for a user of one installation."""

    def __init__(self, installed: Installed) -> None:
        self.installed = installed
        # The installation's live sessions, before the labelled rows join them: a code
        # just used, a refresh token revoked by a rotation a moment ago, a live access
        # token and its refresh token, per user. Every purge keeps all of them.
        self.session = installed.rows()
        self.installation = installed.installation
        self.user = installed.people.admin
        self.application = self.installation.app.oauth_application
        self.ids: dict[str, tuple[type[models.Model], int]] = {}

    def _keep(self, label: str, row: models.Model) -> Any:
        self.ids[label] = (type(row), row.pk)
        return row

    def _common(self) -> dict[str, Any]:
        return {"user": self.user, "application": self.application}

    def access(self, label: str, *, expires: Any, **extra: Any) -> AccessToken:
        token = AccessToken(
            **self._common(), installation=self.installation, scope="users:read", expires=expires
        )
        for name, value in extra.items():
            setattr(token, name, value)
        set_token_value(token, secrets.token_urlsafe(32))
        token.save()
        return self._keep(label, token)

    def refresh(
        self, label: str, *, access: AccessToken | None, revoked: Any = None
    ) -> RefreshToken:
        token = RefreshToken(
            **self._common(), installation=self.installation, access_token=access, revoked=revoked
        )
        set_token_value(token, secrets.token_urlsafe(32))
        token.save()
        return self._keep(label, token)

    def id_token(self, label: str, *, expires: Any) -> IDToken:
        return self._keep(
            label, IDToken.objects.create(**self._common(), expires=expires, scope="openid")
        )

    def grant(self, label: str, *, expires: Any, consumed: bool) -> Grant:
        return self._keep(
            label,
            Grant.objects.create(
                **self._common(),
                installation=self.installation,
                code=secrets.token_urlsafe(32),
                expires=expires,
                redirect_uri="https://invoicer.example.com/oauth/callback",
                scope="users:read",
                consumed_at=timezone.now() if consumed else None,
            ),
        )

    def session_kept(self) -> bool:
        now = self.installed.rows()
        return all(ids <= now[kind] for kind, ids in self.session.items())

    def present(self) -> set[str]:
        return {
            label
            for label, (model, pk) in self.ids.items()
            if model._default_manager.filter(pk=pk).exists()
        }

    def labels(self, queryset: Any) -> set[str]:
        ids = set(queryset.values_list("pk", flat=True))
        return {
            label
            for label, (model, pk) in self.ids.items()
            if model is queryset.model and pk in ids
        }


@pytest.fixture
def rows(installed) -> Rows:
    """One row for each side of each rule. "Long ago" is beyond the refresh lifetime."""
    now = timezone.now()
    lifetime = timedelta(seconds=oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS)
    long_ago = now - lifetime - timedelta(days=1)
    day = timedelta(days=1)
    r = Rows(installed)

    # Refresh tokens revoked by a rotation: kept for the refresh lifetime, then purged.
    old = r.refresh("rt_revoked_long_ago", access=None, revoked=long_ago)
    r.refresh("rt_revoked_recently", access=None, revoked=now - day)
    # The access token issued from the old one is live: it stays, its pointer cleared.
    r.access("at_from_old_refresh", expires=now + timedelta(hours=1), source_refresh_token=old)
    # A live refresh token whose access token was deleted out of band: an orphan.
    r.refresh("rt_orphan", access=None)
    # Idle: its access token expired longer than the refresh lifetime ago.
    r.refresh("rt_idle", access=r.access("at_idle", expires=long_ago))
    # Expired access tokens that still have a refresh token stay (they can be refreshed).
    r.refresh("rt_recent", access=r.access("at_expired_recently", expires=now - day))
    r.refresh("rt_live", access=r.access("at_live", expires=now + timedelta(hours=1)))
    # Access tokens without a refresh token: expired ones go, live ones stay.
    r.access("at_expired_alone", expires=now - timedelta(minutes=1))
    r.access("at_live_alone", expires=now + timedelta(hours=1))
    # ID tokens: expired without an access token go; with one, or live, they stay.
    r.id_token("id_expired_alone", expires=now - day)
    r.access(
        "at_live_with_id_token",
        expires=now + timedelta(hours=1),
        id_token=r.id_token("id_expired_held", expires=now - day),
    )
    r.id_token("id_live", expires=now + day)
    r.access(
        "at_expired_with_id_token",
        expires=now - timedelta(minutes=1),
        id_token=r.id_token("id_of_expired_access_token", expires=now - timedelta(minutes=1)),
    )
    # Authorization codes: expired ones go, used or not; a fresh one stays.
    r.grant("grant_expired_used", expires=now - timedelta(minutes=1), consumed=True)
    r.grant("grant_expired_unused", expires=now - timedelta(minutes=1), consumed=False)
    r.grant("grant_live", expires=now + timedelta(minutes=1), consumed=False)
    return r


TOKEN_MODELS = (Grant, RefreshToken, AccessToken, IDToken)


def _all_ids() -> dict[str, set[int]]:
    return {
        model.__name__: set(model.objects.values_list("pk", flat=True)) for model in TOKEN_MODELS
    }


def _survivors(rows: Rows, purge: Callable[[], object]) -> tuple[set[str], dict[str, set[int]]]:
    """Run ``purge`` on the data and roll it back: which labelled rows it kept, and the
    ids of every grant and token left. Also checks it kept every row of the
    installation's live sessions."""
    before = _all_ids()
    with transaction.atomic():
        purge()
        kept, left = rows.present(), _all_ids()
        assert rows.session_kept()
        transaction.set_rollback(True)
    assert _all_ids() == before
    return kept, left


def test_each_rule_matches_the_rows_it_must_remove_and_no_other(rows, installed):
    filters = expired_token_filters()
    assert list(filters) == list(MATCHED_BY)
    for name, queryset in filters.items():
        assert rows.labels(queryset) == MATCHED_BY[name], name
        kind = {Grant: "grants", RefreshToken: "refresh_tokens", AccessToken: "access_tokens"}
        session = rows.session.get(kind.get(queryset.model, ""), set())
        assert not queryset.filter(pk__in=session).exists(), name


def test_the_purge_keeps_exactly_what_clear_expired_keeps(rows, installed):
    ours, our_ids = _survivors(rows, tokens_purge_expired)
    theirs, their_ids = _survivors(rows, clear_expired)

    assert ours == set(rows.ids) - PURGED
    assert theirs == ours
    assert their_ids == our_ids


def test_the_purge_deletes_what_the_rules_name_and_runs_twice(rows, installed):
    first = tokens_purge_expired()

    assert first.deleted == DELETED
    assert first.complete is True
    assert rows.present() == set(rows.ids) - PURGED
    # The access token issued from the purged refresh token no longer points at it.
    _, pk = rows.ids["at_from_old_refresh"]
    assert AccessToken.objects.get(pk=pk).source_refresh_token_id is None
    assert rows.session_kept()

    second = tokens_purge_expired()

    assert second.deleted == dict.fromkeys(DELETED, 0)
    assert second.complete is True
    assert rows.present() == set(rows.ids) - PURGED
    assert rows.session_kept()


@pytest.mark.parametrize("batch_size", [1, 2])
def test_small_batches_and_a_spent_budget_end_in_the_same_state(rows, installed, batch_size):
    """With no time budget each run stops after its first full batch; run after run the
    purge ends where one unbounded run does."""
    runs = []
    while True:
        tally = tokens_purge_expired(deadline=Deadline(0), batch_size=batch_size)
        runs.append(tally)
        if tally.complete:
            break
        assert len(runs) < 50
    assert len(runs) > 1
    assert all(tally.total > 0 for tally in runs[:-1])
    assert sum(tally.total for tally in runs) == sum(DELETED.values())
    assert rows.present() == set(rows.ids) - PURGED
    assert rows.session_kept()


def test_the_run_records_its_figures_on_the_heartbeat(rows, installed):
    assert not Heartbeat.objects.filter(name=PURGE_HEARTBEAT).exists()

    tally = tokens_purge_run()

    assert tally.deleted == DELETED
    beat = Heartbeat.objects.get(name=PURGE_HEARTBEAT)
    assert {key: beat.detail[key] for key in ("deleted", "total", "caught_up")} == {
        "deleted": DELETED,
        "total": sum(DELETED.values()),
        "caught_up": True,
    }
    assert isinstance(beat.detail["seconds"], int | float)
    first_seen = beat.last_seen_at

    tokens_purge_run()

    beat.refresh_from_db()
    assert beat.detail["deleted"] == dict.fromkeys(DELETED, 0)
    assert (beat.detail["total"], beat.detail["caught_up"]) == (0, True)
    assert beat.last_seen_at >= first_seen
    assert Heartbeat.objects.filter(name=PURGE_HEARTBEAT).count() == 1
    assert rows.present() == set(rows.ids) - PURGED


def test_the_task_purges_and_returns_the_count_twice(rows, installed):
    assert tokens_purge_task() == sum(DELETED.values())
    assert tokens_purge_task() == 0
    assert rows.present() == set(rows.ids) - PURGED


def test_the_beat_schedule_runs_the_purge():
    from marketplace.celery import app

    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "lifecycle.tokens_purge"
    ]
    assert len(entries) == 1
    assert entries[0]["schedule"] == timedelta(seconds=settings.LIFECYCLE_PURGE_EVERY_SECONDS)
    assert "lifecycle.tokens_purge" in app.tasks
    assert app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE
