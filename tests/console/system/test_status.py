"""System status: heartbeat, broker and database readiness, the jobs changelist."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.jobs.models import Heartbeat, Job
from tests.console.conftest import login_url

URL = reverse("console:system:status")


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client_for):
        response = client_for(None).get(URL)

        assert response.status_code == 302
        assert response.url == login_url(URL)

    @pytest.mark.parametrize("persona", ["member", "developer", "admin", "outsider"])
    def test_non_staff_is_refused(self, client_for, request, persona, make_job):
        make_job(target="secret target")

        response = client_for(request.getfixturevalue(persona)).get(URL)

        assert response.status_code == 403
        assert "secret target" not in response.content.decode()

    @pytest.mark.parametrize("persona", ["staff", "moderator"])
    def test_staff_is_allowed(self, client_for, request, persona):
        assert client_for(request.getfixturevalue(persona)).get(URL).status_code == 200


class TestHealth:
    def test_worker_alive_when_the_sweeper_ran_recently(self, client_for, staff):
        Heartbeat.objects.create(name="sweeper", last_seen_at=timezone.now())

        response = client_for(staff).get(URL)

        assert response.context["sweeper"]["alive"] is True
        html = response.content.decode()
        assert '<p class="health__state health__state--ok">Alive</p>' in html
        assert "make worker" not in html

    def test_worker_not_alive_when_the_sweeper_never_ran(self, client_for, staff):
        html = client_for(staff).get(URL).content.decode()

        assert '<p class="health__state health__state--bad">Not alive</p>' in html
        assert "The periodic sweep never ran." in html
        assert (
            "Start the worker with <code>make worker</code> and beat with <code>make beat</code>"
            in html
        )

    def test_worker_not_alive_when_the_heartbeat_is_old(self, client_for, staff):
        Heartbeat.objects.create(name="sweeper", last_seen_at=timezone.now() - timedelta(hours=2))

        html = client_for(staff).get(URL).content.decode()

        assert "Not alive" in html
        assert "The periodic sweep last ran 2\xa0hours ago" in html
        assert "make beat" in html

    def test_broker_and_database(self, client_for, staff):
        response = client_for(staff).get(URL)

        assert response.context["broker"]["ok"] is True
        assert response.context["database"]["ok"] is True
        html = response.content.decode()
        transport = response.context["broker"]["transport"]
        assert transport in ("filesystem", "redis")
        assert f"Transport: <code>{transport}</code>" in html
        assert html.count('<p class="health__state health__state--ok">Ready</p>') == 2

    def test_an_unreachable_broker_is_shown(self, client_for, staff, monkeypatch):
        monkeypatch.setattr(
            "console.system.views.check_broker",
            lambda: {"ok": False, "error": "broker unreachable: OSError: nope"},
        )

        html = client_for(staff).get(URL).content.decode()

        assert "Unreachable" in html
        assert "broker unreachable: OSError: nope" in html


class TestJobsChangelist:
    def test_lists_jobs_with_progress(self, client_for, staff, make_job, account):
        job = make_job(progress_done=2, progress_total=5, account=account, target="acme export")

        response = client_for(staff).get(URL)

        assert response.context["cl"].rows == [job]
        html = response.content.decode()
        assert "Pipeline diagnostic" in html
        assert "acme export" in html
        assert "Acme Corp" in html
        assert "40%" in html
        assert reverse("console:system:job-detail", kwargs={"job_id": job.pk}) in html

    def test_filters_by_state_and_kind_and_searches_target(self, client_for, staff, make_job):
        failed = make_job(state=Job.State.FAILED, target="broken thing")
        done = make_job(state=Job.State.SUCCEEDED, target="fine thing")
        other_kind = make_job(kind="catalog.app_delete", target="app 7")
        client = client_for(staff)

        assert client.get(URL, {"state": "failed"}).context["cl"].rows == [failed]
        assert client.get(URL, {"state": "succeeded"}).context["cl"].rows == [done]
        assert client.get(URL, {"kind": "catalog.app_delete"}).context["cl"].rows == [other_kind]
        assert client.get(URL, {"q": "thing", "state": "failed"}).context["cl"].rows == [failed]
        response = client.get(URL)
        kinds = response.context["cl"].filter_specs[1]["options"]
        assert [(o["value"], o["label"]) for o in kinds] == [
            ("catalog.app_delete", "catalog.app_delete"),
            ("system.diagnostic", "Pipeline diagnostic"),
        ]

    def test_empty_state(self, client_for, staff):
        assert "No background jobs yet." in client_for(staff).get(URL).content.decode()

    @pytest.mark.parametrize("rows", [3, 60])
    def test_query_count_does_not_grow_with_rows(
        self, client_for, staff, make_job, account, rows, django_assert_max_num_queries
    ):
        for n in range(rows):
            make_job(account=account, created_by=staff, target=f"job {n}")
        client = client_for(staff)

        # session, user, current membership, sweeper and purge heartbeats, database check,
        # COUNT, the page (account and creator joined), kind choices: the same for 3 rows
        # and for 60.
        with django_assert_max_num_queries(9):
            response = client.get(URL)

        assert response.context["cl"].count == rows


class TestTokenPurge:
    def test_never_ran(self, client_for, staff):
        html = client_for(staff).get(URL).content.decode()

        assert 'id="health-purge"' in html
        assert "Never ran" in html
        assert "Beat starts it every 600 seconds" in html

    def test_the_last_run_with_its_counts(self, client_for, staff):
        Heartbeat.objects.create(
            name="tokens_purge",
            last_seen_at=timezone.now() - timedelta(minutes=5),
            detail={
                "deleted": {"expired_access_tokens": 7, "expired_grants": 2},
                "total": 9,
                "caught_up": True,
                "seconds": 0.42,
            },
        )

        response = client_for(staff).get(URL)

        assert response.context["purge"]["late"] is False
        html = response.content.decode()
        assert "Up to date" in html
        assert "Late" not in html
        assert "Last run 5\xa0minutes ago" in html
        assert "0.42 s: 9 rows deleted; nothing expired is left." in html
        assert "<dt>Expired access tokens</dt><dd>7</dd>" in html
        assert "<dt>Expired authorization codes</dt><dd>2</dd>" in html

    def test_a_run_cut_short_by_its_budget_is_catching_up(self, client_for, staff):
        Heartbeat.objects.create(
            name="tokens_purge",
            last_seen_at=timezone.now(),
            detail={"deleted": {"expired_access_tokens": 5000}, "total": 5000, "caught_up": False},
        )

        html = client_for(staff).get(URL).content.decode()

        assert "Catching up" in html
        assert "its time budget ran out and the next run goes on" in html

    def test_a_warning_after_three_intervals_without_a_run(self, client_for, staff, settings):
        settings.LIFECYCLE_PURGE_EVERY_SECONDS = 600
        Heartbeat.objects.create(
            name="tokens_purge",
            last_seen_at=timezone.now() - timedelta(minutes=31),
            detail={"deleted": {}, "total": 0, "caught_up": True, "seconds": 0.01},
        )

        response = client_for(staff).get(URL)

        assert response.context["purge"]["late"] is True
        html = response.content.decode()
        assert '<p class="health__state health__state--bad">Late</p>' in html
        assert "It has not run for more than three intervals (600 seconds each)" in html
