"""The account's job pages: list, detail with live progress, the htmx block, retry, and
the sidebar link. Admins see every job of the account, developers its app deletions and
rollouts, anyone the jobs they started; any other job is a 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL, VERSION_ROLLOUT
from apps.jobs.models import Job
from console.navigation import navigation_for
from tests.console.conftest import login_url
from tests.factories import UserFactory

LIST = reverse("console:jobs:job-list")


def detail_url(job: Job) -> str:
    return reverse("console:jobs:job-detail", kwargs={"job_id": job.pk})


def progress_url(job: Job) -> str:
    return reverse("console:jobs:job-progress", kwargs={"job_id": job.pk})


def retry_url(job: Job) -> str:
    return reverse("console:jobs:job-retry", kwargs={"job_id": job.pk})


def state() -> list[dict]:
    return list(Job.objects.order_by("pk").values())


FAILED = {
    "state": Job.State.FAILED,
    "progress_done": 3,
    "progress_total": 10,
    "attempts": 6,
    "last_error": "Gave up after 6 attempts. OperationalError: database is away",
}


@pytest.fixture
def jobs(make_job, account, other_account, admin, member, developer):
    """Failed jobs of ``account``: an uninstall by ``admin``, one by ``member`` (who was an
    admin then), an app deletion by ``developer`` and a rollout; one of ``other_account``."""
    return {
        "uninstall": make_job(
            kind=INSTALLATION_UNINSTALL,
            account=account,
            created_by=admin,
            target="Invoicer on Acme Corp",
            **FAILED,
        ),
        "members": make_job(
            kind=INSTALLATION_UNINSTALL,
            account=account,
            created_by=member,
            target="Mailer on Acme Corp",
            **FAILED,
        ),
        "app_delete": make_job(
            kind=APP_DELETE, account=account, created_by=developer, target="Old app", **FAILED
        ),
        "rollout": make_job(
            kind=VERSION_ROLLOUT, account=account, target="Invoicer 2.0.0", **FAILED
        ),
        "elsewhere": make_job(
            kind=APP_DELETE, account=other_account, target="Globex app", **FAILED
        ),
    }


# Who may open each job's page; everyone else signed in gets a 404.
SEES = {
    "admin": {"uninstall", "members", "app_delete", "rollout"},
    "developer": {"app_delete", "rollout"},
    "member": {"members"},
    "outsider": {"elsewhere"},
}
# Who may retry each job among those they see; the others get a 403.
RETRIES = {
    "admin": {"uninstall", "members", "app_delete", "rollout"},
    "developer": {"app_delete", "rollout"},
    "member": set(),
    "outsider": {"elsewhere"},
}


class TestList:
    def test_anonymous_is_sent_to_login(self, client_for, jobs):
        response = client_for(None).get(LIST)

        assert response.status_code == 302
        assert response.url == login_url(LIST)

    def test_someone_without_an_account_is_refused(self, client_for, jobs):
        response = client_for(UserFactory()).get(LIST)

        assert response.status_code == 403
        assert "You do not belong to any account yet." in response.content.decode()

    @pytest.mark.parametrize("persona", sorted(SEES))
    def test_each_person_sees_their_jobs_only(self, client_for, request, jobs, persona):
        response = client_for(request.getfixturevalue(persona)).get(LIST)

        assert response.status_code == 200
        rows = response.context["cl"].rows
        assert {job.pk for job in rows} == {jobs[name].pk for name in SEES[persona]}
        html = response.content.decode()
        for name, job in jobs.items():
            assert (detail_url(job) in html) is (name in SEES[persona]), name

    def test_newest_first_with_state_progress_target_and_creator(self, client_for, admin, jobs):
        Job.objects.filter(pk=jobs["app_delete"].pk).update(
            state=Job.State.RUNNING, progress_done=4, progress_total=10
        )

        response = client_for(admin).get(LIST)

        rows = response.context["cl"].rows
        assert [job.pk for job in rows] == sorted((job.pk for job in rows), reverse=True)
        html = response.content.decode()
        assert "App deletion" in html
        assert "Old app" in html
        assert '<span class="state state--running">Running</span>' in html
        assert '<span class="minibar__fill" style="width: 40%"></span></span> 40%' in html
        assert "dev@acme.test" in html
        assert '<span class="muted">The system</span>' in html  # the rollout's creator

    def test_filters_by_state(self, client_for, admin, jobs):
        Job.objects.filter(pk=jobs["rollout"].pk).update(state=Job.State.SUCCEEDED)

        response = client_for(admin).get(LIST, {"state": "succeeded"})

        assert response.context["cl"].rows == [Job.objects.get(pk=jobs["rollout"].pk)]

    def test_empty(self, client_for, member):
        html = client_for(member).get(LIST).content.decode()

        assert "No background jobs you can see yet." in html

    @pytest.mark.parametrize("rows", [2, 40])
    def test_query_count_does_not_grow_with_rows(
        self, client_for, admin, account, make_job, rows, django_assert_max_num_queries
    ):
        for n in range(rows):
            make_job(kind=APP_DELETE, account=account, created_by=admin, target=f"app {n}")
        client = client_for(admin)
        client.get(LIST)

        # session, user, current membership, COUNT, the page (creator joined), kind
        # choices, the sidebar's memberships: the same for 2 rows and for 40.
        with django_assert_max_num_queries(7):
            response = client.get(LIST)

        assert response.context["cl"].count == rows


class TestDetailAccess:
    @pytest.mark.parametrize("page", [detail_url, progress_url])
    def test_anonymous_is_sent_to_login(self, client_for, jobs, page):
        url = page(jobs["uninstall"])

        response = client_for(None).get(url)

        assert response.status_code == 302
        assert response.url == login_url(url)

    @pytest.mark.parametrize("page", [detail_url, progress_url])
    @pytest.mark.parametrize("persona", sorted(SEES))
    def test_a_job_is_shown_to_who_may_see_it_else_404(
        self, client_for, request, jobs, persona, page
    ):
        client = client_for(request.getfixturevalue(persona))

        for name, job in jobs.items():
            expected = 200 if name in SEES[persona] else 404
            assert client.get(page(job)).status_code == expected, (persona, name)

    def test_unknown_job_is_404(self, client_for, admin, jobs):
        url = reverse("console:jobs:job-detail", kwargs={"job_id": 424242})

        assert client_for(admin).get(url).status_code == 404


class TestDetail:
    def test_an_unfinished_job_polls_its_progress(self, client_for, developer, make_job, account):
        job = make_job(
            kind=APP_DELETE,
            account=account,
            state=Job.State.RUNNING,
            progress_done=40,
            progress_total=200,
            message="Removed from 40 of 200 accounts.",
            target="Invoicer",
        )

        response = client_for(developer).get(detail_url(job))

        html = response.content.decode()
        assert f'hx-get="{progress_url(job)}" hx-trigger="every 2s" hx-swap="outerHTML"' in html
        assert "App deletion: Invoicer" in html
        assert "<strong>20%</strong>" in html
        assert "40 of 200 done" in html
        assert "Removed from 40 of 200 accounts." in html
        assert "Working on it." in html
        assert "Retry" not in html

    def test_the_block_stops_polling_once_finished_and_links_on(
        self, client_for, developer, make_job, account
    ):
        job = make_job(kind=APP_DELETE, account=account, state=Job.State.RUNNING)
        client = client_for(developer)

        running = client.get(progress_url(job), HTTP_HX_REQUEST="true").content.decode()
        assert running.lstrip().startswith('<section class="card job-progress" id="job-progress"')
        assert "<html" not in running
        assert 'hx-trigger="every 2s"' in running

        Job.objects.filter(pk=job.pk).update(
            state=Job.State.SUCCEEDED,
            progress_done=5,
            finished_at=timezone.now(),
            message="Deleted: removed from 5 accounts, then the app's tokens.",
        )
        done = client.get(progress_url(job), HTTP_HX_REQUEST="true").content.decode()

        assert "hx-trigger" not in done
        assert 'data-state="succeeded"' in done
        assert "Finished." in done
        assert "Deleted: removed from 5 accounts" in done
        apps_list = reverse("console:developer:app-list")
        assert f'id="job-next" href="{apps_list}">Back to your apps</a>' in done

    def test_a_finished_uninstall_leads_an_admin_back_to_installed_apps(
        self, client_for, admin, make_job, account
    ):
        job = make_job(
            kind=INSTALLATION_UNINSTALL,
            account=account,
            state=Job.State.SUCCEEDED,
            progress_done=7,
            progress_total=7,
        )

        html = client_for(admin).get(detail_url(job)).content.decode()

        installed = reverse("console:installations:installation-list")
        assert f'id="job-next" href="{installed}">Back to Installed apps</a>' in html
        assert "hx-trigger" not in html

    def test_a_failed_job_says_in_plain_words_what_stopped_and_what_to_do(
        self, client_for, admin, jobs
    ):
        job = jobs["uninstall"]

        html = client_for(admin).get(detail_url(job)).content.decode()

        assert "It stopped after an error" in html
        assert (
            '<p class="job-progress__failure" id="job-failure"><strong>What stopped:</strong> '
            "The uninstall stopped at step 4 of 7 (app and user settings); the steps before "
            "it are done and the app&#x27;s tokens stay refused.</p>"
        ) in html
        assert "What to do next" in html
        assert f'action="{retry_url(job)}"' in html
        assert "It resumes from the recorded progress." in html
        assert (
            "If it stops again, contact platform support and give them the job number: "
            f"<strong>#{job.pk}</strong>."
        ) in html
        assert "hx-trigger" not in html

    def test_the_technical_error_is_folded_away_on_the_account_page(self, client_for, admin, jobs):
        html = client_for(admin).get(detail_url(jobs["app_delete"])).content.decode()

        technical = html.split('<details class="job-progress__error" id="job-technical">')[1]
        technical = technical.split("</details>")[0]
        assert "<summary>Technical details</summary>" in technical
        assert "Gave up after 6 attempts. OperationalError: database is away" in technical
        assert html.count("OperationalError: database is away") == 1
        assert "What went wrong" not in html
        assert "<details open" not in html

    def test_staff_pages_show_the_error_openly(self, client_for, staff, jobs):
        job = jobs["app_delete"]
        url = reverse("console:system:job-detail", kwargs={"job_id": job.pk})

        html = client_for(staff).get(url).content.decode()

        assert "<h3>What went wrong</h3>" in html
        assert "<pre>Gave up after 6 attempts. OperationalError: database is away</pre>" in html
        assert 'id="job-technical"' not in html
        assert "The deletion stopped after removing the app from 3 of 10 accounts" in html
        assert 'id="job-support"' not in html

    def test_who_may_not_retry_is_told_who_can_and_where_to_turn(self, client_for, member, jobs):
        job = jobs["members"]

        html = client_for(member).get(detail_url(job)).content.decode()

        assert "<summary>Technical details</summary>" in html
        assert "OperationalError: database is away" in html
        assert retry_url(job) not in html
        assert "An admin of this account can retry it." in html
        assert f"contact platform support and give them the job number: <strong>#{job.pk}" in html


class TestDelays:
    """An unfinished job that is not moving says why and when it goes on."""

    def block(self, client, job: Job) -> str:
        return client.get(progress_url(job), HTTP_HX_REQUEST="true").content.decode()

    def test_a_stalled_job_says_since_when_and_until_when(
        self, client_for, admin, make_job, account, settings
    ):
        job = make_job(kind=APP_DELETE, account=account, state=Job.State.RUNNING)
        quiet_since = timezone.now() - timedelta(minutes=30)
        Job.objects.filter(pk=job.pk).update(
            updated_at=quiet_since,
            enqueued_at=quiet_since,
            lease_expires_at=quiet_since + timedelta(minutes=6),
        )
        job.refresh_from_db()

        html = self.block(client_for(admin), job)

        since = timezone.localtime(job.updated_at).strftime("%H:%M")
        assert 'data-delay="stalled"' in html
        assert f"No progress since {since} UTC. A worker will pick it up again" in html
        assert "(by about " in html
        assert "Working on it." not in html
        assert 'hx-trigger="every 2s"' in html

    def test_a_job_backing_off_says_when_it_retries(self, client_for, admin, make_job, account):
        job = make_job(
            kind=INSTALLATION_UNINSTALL,
            account=account,
            state=Job.State.RUNNING,
            attempts=2,
            last_error="OperationalError: server closed the connection",
            run_after=timezone.now() + timedelta(minutes=3),
        )

        html = self.block(client_for(admin), job)

        at = timezone.localtime(job.run_after).strftime("%H:%M")
        assert 'data-delay="retrying"' in html
        assert f"Retrying at {at} UTC: it hit a temporary error and runs again by itself." in html
        assert "No progress since" not in html
        assert "<summary>Technical details</summary>" in html
        assert "The last temporary error (it is retried automatically)" in html

    def test_a_job_that_moves_shows_no_delay(self, client_for, admin, make_job, account):
        job = make_job(kind=APP_DELETE, account=account, state=Job.State.RUNNING)

        html = self.block(client_for(admin), job)

        assert "data-delay" not in html
        assert "Working on it." in html


class TestRetry:
    def test_anonymous_is_sent_to_login_and_nothing_changes(self, client_for, jobs):
        before = state()

        response = client_for(None).post(retry_url(jobs["app_delete"]))

        assert response.status_code == 302
        assert response.url == login_url(retry_url(jobs["app_delete"]))
        assert state() == before

    @pytest.mark.parametrize("persona", sorted(SEES))
    def test_refused_retries_change_nothing(self, client_for, request, jobs, persona):
        client = client_for(request.getfixturevalue(persona))

        for name, job in jobs.items():
            if name in RETRIES[persona]:
                continue
            before = state()
            expected = 403 if name in SEES[persona] else 404
            assert client.post(retry_url(job)).status_code == expected, (persona, name)
            assert state() == before

    @pytest.mark.parametrize(
        ("persona", "name"),
        [("admin", "uninstall"), ("admin", "rollout"), ("developer", "app_delete")],
    )
    def test_allowed_retry_sends_the_job_back_to_the_queue(
        self, client_for, request, jobs, persona, name, django_capture_on_commit_callbacks
    ):
        job = jobs[name]
        user = request.getfixturevalue(persona)

        with django_capture_on_commit_callbacks() as callbacks:
            response = client_for(user).post(retry_url(job))

        assert response.status_code == 302
        assert response.url == detail_url(job)
        job.refresh_from_db()
        assert job.state == Job.State.PENDING
        assert job.attempts == 0
        assert job.last_error == ""
        assert job.progress_done == 3  # resumes where it stopped
        assert len(callbacks) == 1
        others = Job.objects.exclude(pk=job.pk)
        assert set(others.values_list("state", flat=True)) == {Job.State.FAILED}

    def test_a_job_that_is_not_failed_is_left_alone(self, client_for, developer, jobs):
        job = jobs["app_delete"]
        Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)

        response = client_for(developer).post(retry_url(job), follow=True)

        assert "Only a failed job can be retried" in response.content.decode()
        job.refresh_from_db()
        assert job.state == Job.State.RUNNING

    def test_get_is_refused(self, client_for, admin, jobs):
        assert client_for(admin).get(retry_url(jobs["uninstall"])).status_code == 405


class TestSidebar:
    def links(self, rf, user, account):
        request = rf.get("/")
        request.user = user
        request.actor = actor_for_user(
            user=user, membership=Membership.objects.filter(user=user, account=account).first()
        )
        return [
            (section.key, link.label)
            for section in navigation_for(request)
            for link in section.links
            if link.label == "Background jobs"
        ]

    def test_admins_find_it_under_account_admin(self, rf, admin, account):
        assert self.links(rf, admin, account) == [("account-admin", "Background jobs")]

    def test_developers_find_it_under_developer(self, rf, developer, account):
        assert self.links(rf, developer, account) == [("developer", "Background jobs")]

    def test_an_admin_who_develops_sees_it_once(self, rf, admin, account):
        Membership.objects.filter(user=admin, account=account).update(is_developer=True)

        assert self.links(rf, admin, account) == [("account-admin", "Background jobs")]

    def test_plain_members_do_not_see_it(self, rf, member, account):
        assert self.links(rf, member, account) == []
