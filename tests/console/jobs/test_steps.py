"""What a job's page shows as the job runs: each step of a cascade by label, done,
running, waiting or stopped, with the rows it removed; how many times the job was
tried; what an unfinished uninstall or app deletion is doing (gone once it ended); and
times with their zone. The htmx block and the full page show the same."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.jobs.kinds import APP_DELETE, DIAGNOSTIC, INSTALLATION_UNINSTALL, VERSION_ROLLOUT
from apps.jobs.models import Job
from apps.lifecycle.services.cascade import APP_REMOVE_STEPS, UNINSTALL_STEPS

STEPS = len(UNINSTALL_STEPS)
COUNTS = {"tokens": 12, "authorizations": 3, "files": 2, "settings": 0}


def detail_url(job: Job) -> str:
    return reverse("console:jobs:job-detail", kwargs={"job_id": job.pk})


def progress_url(job: Job) -> str:
    return reverse("console:jobs:job-progress", kwargs={"job_id": job.pk})


def steps(html: str, group: int = 1) -> list[tuple[str, str | None, str]]:
    """The steps of the ``group``-th list on the page: (name, status, count text)."""
    block = html.split(f'<div class="job-steps" data-group="{group}">')[1].split("</ol>")[0]
    found = re.findall(
        r'<li class="job-step[^"]*" data-step="([\w_]+)"(?: data-status="(\w+)")?>(.*?)</li>',
        block,
        re.S,
    )
    result = []
    for name, status, inner in found:
        count = re.search(r'<span class="job-step__count">(.*?)</span>', inner, re.S)
        result.append((name, status or None, count.group(1).strip() if count else ""))
    return result


def title(html: str, group: int) -> str:
    block = html.split(f'<div class="job-steps" data-group="{group}">')[1]
    return block.split('<h3 class="job-steps__title">')[1].split("</h3>")[0]


@pytest.fixture
def uninstall(make_job, account, admin):
    def make(**fields) -> Job:
        fields.setdefault("state", Job.State.RUNNING)
        fields.setdefault("progress_total", STEPS)
        fields.setdefault("started_at", timezone.now())
        return make_job(
            kind=INSTALLATION_UNINSTALL,
            account=account,
            created_by=admin,
            target="Invoicer on Acme Corp",
            **fields,
        )

    return make


class TestUninstallSteps:
    @pytest.mark.parametrize("page", [detail_url, progress_url])
    def test_each_step_is_listed_with_its_status_and_the_rows_it_removed(
        self, client_for, admin, uninstall, page
    ):
        job = uninstall(
            progress_done=3, payload={"installation_id": 7, "counts": {**COUNTS, "settings": 40}}
        )

        html = client_for(admin).get(page(job)).content.decode()

        assert steps(html) == [
            ("tokens", "done", "12 rows removed"),
            ("authorizations", "done", "3 rows removed"),
            ("files", "done", "2 files removed"),
            ("settings", "running", "40 rows so far"),
            ("webhooks", "waiting", ""),
            ("access", "waiting", ""),
            ("installation", "waiting", ""),
        ]
        for step in UNINSTALL_STEPS:
            assert escape(step.label[0].upper() + step.label[1:]) in html

    def test_a_finished_uninstall_has_every_step_done_and_no_banner(
        self, client_for, admin, uninstall
    ):
        counts = {step.name: n for n, step in enumerate(UNINSTALL_STEPS)}
        job = uninstall(
            state=Job.State.SUCCEEDED,
            progress_done=STEPS,
            finished_at=timezone.now(),
            payload={"installation_id": 7, "counts": counts},
        )

        html = client_for(admin).get(detail_url(job)).content.decode()

        assert [(name, status) for name, status, _ in steps(html)] == [
            (step.name, "done") for step in UNINSTALL_STEPS
        ]
        assert steps(html)[1][2] == "1 row removed"
        assert "is being uninstalled" not in html
        assert 'id="job-under-way"' not in html

    def test_an_unfinished_uninstall_says_what_is_happening_until_it_ends(
        self, client_for, admin, uninstall
    ):
        job = uninstall(progress_done=1)
        client = client_for(admin)

        running = client.get(progress_url(job), HTTP_HX_REQUEST="true").content.decode()
        assert (
            '<p class="job-progress__under-way" id="job-under-way">Invoicer on Acme Corp is '
            "being uninstalled: its tokens are already refused"
        ) in running

        Job.objects.filter(pk=job.pk).update(
            state=Job.State.SUCCEEDED, progress_done=STEPS, finished_at=timezone.now()
        )
        done = client.get(progress_url(job), HTTP_HX_REQUEST="true").content.decode()
        assert "being uninstalled" not in done

    def test_a_failed_uninstall_marks_the_step_it_stopped_at(self, client_for, admin, uninstall):
        job = uninstall(
            state=Job.State.FAILED,
            progress_done=2,
            payload={"installation_id": 7, "counts": {"tokens": 5, "authorizations": 1}},
        )

        html = client_for(admin).get(detail_url(job)).content.decode()

        assert steps(html)[1:4] == [
            ("authorizations", "done", "1 row removed"),
            ("files", "stopped", ""),
            ("settings", "waiting", ""),
        ]
        assert "being uninstalled" not in html

    def test_a_pending_uninstall_waits_at_its_first_step(self, client_for, admin, uninstall):
        job = uninstall(state=Job.State.PENDING, started_at=None, payload={"installation_id": 7})

        html = client_for(admin).get(detail_url(job)).content.decode()

        assert {status for _, status, _ in steps(html)} == {"waiting"}


class TestAppDeletionSteps:
    def job(self, make_job, account, **fields) -> Job:
        fields.setdefault("state", Job.State.RUNNING)
        fields.setdefault("started_at", timezone.now())
        return make_job(kind=APP_DELETE, account=account, target="Invoicer", **fields)

    def test_the_account_at_work_and_then_the_app_steps(
        self, client_for, developer, make_job, account
    ):
        job = self.job(
            make_job,
            account,
            progress_done=40,
            progress_total=200,
            payload={"app_id": 3, "installation_id": 9, "step": 1, "counts": {"tokens": 6}},
        )

        html = client_for(developer).get(progress_url(job)).content.decode()

        assert title(html, 1) == "Account 41 of 200"
        assert steps(html, 1)[:3] == [
            ("tokens", "done", "6 rows removed"),
            ("authorizations", "running", ""),
            ("files", "waiting", ""),
        ]
        assert title(html, 2) == "Then the app itself"
        assert steps(html, 2) == [(name, "waiting", "") for name, _ in APP_REMOVE_STEPS]
        assert "“Invoicer” is being deleted" in html

    def test_once_every_account_is_done_the_app_tokens_go(
        self, client_for, developer, make_job, account
    ):
        job = self.job(
            make_job,
            account,
            progress_done=2,
            progress_total=2,
            payload={
                "app_id": 3,
                "installation_id": 9,
                "step": STEPS,
                "counts": {"tokens": 4, "installation": 3},
                "app_counts": {"tokens": 2000},
            },
        )

        html = client_for(developer).get(progress_url(job)).content.decode()

        assert title(html, 1) == "The last account it was removed from"
        assert {status for _, status, _ in steps(html, 1)} == {"done"}
        assert steps(html, 1)[-1] == ("installation", "done", "3 rows removed")
        assert steps(html, 2)[:2] == [
            ("tokens", "running", "2000 rows so far"),
            ("files", "waiting", ""),
        ]

    def test_a_finished_deletion_shows_every_step_done_with_its_counts(
        self, client_for, developer, make_job, account
    ):
        app_counts = {
            "tokens": 3,
            "files": 2,
            "install_links": 1,
            "versions": 9,
            "app": 2,
            "client": 1,
        }
        job = self.job(
            make_job,
            account,
            state=Job.State.SUCCEEDED,
            progress_done=2,
            progress_total=2,
            finished_at=timezone.now(),
            payload={"app_id": 3, "installation_id": 9, "step": STEPS, "app_counts": app_counts},
        )

        html = client_for(developer).get(detail_url(job)).content.decode()

        assert steps(html, 2) == [
            ("tokens", "done", "3 rows removed"),
            ("files", "done", "2 files removed"),
            ("install_links", "done", "1 row removed"),
            ("versions", "done", "9 rows removed"),
            ("app", "done", "2 rows removed"),
            ("client", "done", "1 row removed"),
        ]
        assert "is being deleted" not in html

    def test_before_the_accounts_are_counted_no_steps_show(
        self, client_for, developer, make_job, account
    ):
        job = self.job(make_job, account, progress_total=None, payload={"app_id": 3})

        html = client_for(developer).get(detail_url(job)).content.decode()

        assert 'class="job-steps"' not in html


def test_a_rollout_counts_its_installations_by_outcome(client_for, admin, make_job, account):
    job = make_job(
        kind=VERSION_ROLLOUT,
        account=account,
        state=Job.State.RUNNING,
        progress_done=6,
        progress_total=9,
        payload={
            "version_id": 1,
            "cursor": 40,
            "counts": {"updated": 3, "needs_approval": 1, "pinned": 2, "skipped": 0},
        },
    )

    html = client_for(admin).get(detail_url(job)).content.decode()

    assert title(html, 1) == "Installations so far"
    assert steps(html) == [
        ("updated", None, "3 installations"),
        ("needs_approval", None, "1 installation"),
        ("pinned", None, "2 installations"),
        ("skipped", None, "0 installations"),
    ]


class TestTries:
    def tries(self, client, job: Job) -> str:
        html = client.get(detail_url(job)).content.decode()
        return html.split('<dd id="job-tries">')[1].split("</dd>")[0]

    def test_a_job_that_ran_once_was_tried_once(self, client_for, admin, make_job, account):
        job = make_job(
            kind=DIAGNOSTIC,
            account=account,
            created_by=admin,
            state=Job.State.SUCCEEDED,
            started_at=timezone.now(),
        )

        assert self.tries(client_for(admin), job) == "1 (no retries)"

    def test_no_worker_took_it_yet(self, client_for, admin, make_job, account):
        job = make_job(kind=DIAGNOSTIC, account=account, created_by=admin)

        assert self.tries(client_for(admin), job) == "None yet: no worker has taken it."

    def test_automatic_retries_and_retries_by_hand_are_told_apart(
        self, client_for, admin, make_job, account
    ):
        # The page used to show "Attempts 0" here: the retry by hand had reset it.
        job = make_job(
            kind=DIAGNOSTIC,
            account=account,
            created_by=admin,
            started_at=timezone.now(),
            attempts=0,
            retries_automatic=2,
            retries_manual=1,
        )

        html = client_for(admin).get(detail_url(job)).content.decode()

        assert (
            '<dd id="job-tries">4 (2 automatic retries after a temporary error, 1 retry by hand)'
            in html
        )
        assert "<dt>Attempts</dt>" not in html


class TestTimesCarryTheirZone:
    MOMENT = datetime(2026, 12, 7, 9, 30, 15, tzinfo=UTC)

    def job(self, make_job, account, admin) -> Job:
        job = make_job(
            kind=INSTALLATION_UNINSTALL,
            account=account,
            created_by=admin,
            state=Job.State.RUNNING,
            started_at=self.MOMENT,
            run_after=timezone.now() + timedelta(minutes=3),
            payload={"installation_id": 7},
        )
        Job.objects.filter(pk=job.pk).update(created_at=self.MOMENT)
        job.refresh_from_db()
        return job

    def test_in_utc_by_default(self, client_for, admin, make_job, account):
        job = self.job(make_job, account, admin)

        html = client_for(admin).get(detail_url(job)).content.decode()

        assert "<dt>Created</dt><dd>2026-12-07 09:30:15 UTC</dd>" in html
        assert "<dt>Started</dt><dd>2026-12-07 09:30:15 UTC</dd>" in html
        assert "2026-12-07 09:30 UTC</time>" in html  # About this job
        at = job.run_after.astimezone(UTC).strftime("%H:%M")
        assert f"Retrying at {at} UTC:" in html

    def test_in_the_zone_the_platform_runs_in_with_its_name(
        self, client_for, admin, make_job, account, settings
    ):
        settings.TIME_ZONE = "America/Sao_Paulo"
        job = self.job(make_job, account, admin)

        html = client_for(admin).get(detail_url(job)).content.decode()

        # São Paulo is three hours behind UTC, with no daylight saving time.
        assert "<dt>Created</dt><dd>2026-12-07 06:30:15 -03</dd>" in html
        assert "UTC" not in html.split('id="job-progress"')[1].split("</section>")[0]
