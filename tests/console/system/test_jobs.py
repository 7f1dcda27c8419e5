"""Job pages: detail with live progress, the htmx partial, retry and the diagnostic."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.jobs import services as job_services
from apps.jobs.kinds import DIAGNOSTIC
from apps.jobs.models import Job
from tests.console.conftest import login_url

DIAGNOSTIC_URL = reverse("console:system:diagnostic-run")


def detail_url(job: Job) -> str:
    return reverse("console:system:job-detail", kwargs={"job_id": job.pk})


def progress_url(job: Job) -> str:
    return reverse("console:system:job-progress", kwargs={"job_id": job.pk})


def retry_url(job: Job) -> str:
    return reverse("console:system:job-retry", kwargs={"job_id": job.pk})


@pytest.fixture
def failed_job(make_job):
    return make_job(
        state=Job.State.FAILED,
        progress_done=3,
        attempts=6,
        retries_automatic=5,
        started_at=timezone.now(),
        last_error="Gave up after 6 attempts. TimeoutError: broker",
        finished_at=timezone.now(),
    )


class TestAccess:
    @pytest.mark.parametrize("page", [detail_url, progress_url])
    def test_anonymous_is_sent_to_login(self, client_for, make_job, page):
        job = make_job()

        response = client_for(None).get(page(job))

        assert response.status_code == 302
        assert response.url == login_url(page(job))

    @pytest.mark.parametrize("persona", ["member", "admin", "outsider", "developer"])
    @pytest.mark.parametrize("page", [detail_url, progress_url])
    def test_non_staff_is_refused(self, client_for, request, persona, make_job, page):
        job = make_job(account=request.getfixturevalue("account"))

        assert client_for(request.getfixturevalue(persona)).get(page(job)).status_code == 403

    def test_unknown_job_is_404(self, client_for, staff):
        url = reverse("console:system:job-detail", kwargs={"job_id": 424242})

        assert client_for(staff).get(url).status_code == 404


class TestDetail:
    def test_an_unfinished_job_polls_its_progress(self, client_for, staff, make_job):
        job = make_job(state=Job.State.RUNNING, progress_done=2, message="Step 2 of 5 ran.")

        response = client_for(staff).get(detail_url(job))

        assert response.status_code == 200
        html = response.content.decode()
        assert f'hx-get="{progress_url(job)}" hx-trigger="every 2s" hx-swap="outerHTML"' in html
        assert 'aria-valuenow="40"' in html
        assert "<strong>40%</strong>" in html
        assert "2 of 5 done" in html
        assert "Step 2 of 5 ran." in html
        assert "Retry" not in html

    def test_a_finished_job_does_not_poll(self, client_for, staff, make_job):
        job = make_job(state=Job.State.SUCCEEDED, progress_done=5, finished_at=timezone.now())

        html = client_for(staff).get(detail_url(job)).content.decode()

        assert "hx-trigger" not in html
        assert "<strong>100%</strong>" in html

    def test_a_failed_job_shows_its_error_and_a_retry_button(self, client_for, staff, failed_job):
        html = client_for(staff).get(detail_url(failed_job)).content.decode()

        assert "Gave up after 6 attempts. TimeoutError: broker" in html
        assert f'action="{retry_url(failed_job)}"' in html
        # The first run and five automatic retries, the last of which gave up.
        assert '<dd id="job-tries">6 (5 automatic retries after a temporary error)</dd>' in html
        assert "hx-trigger" not in html

    def test_the_partial_is_the_progress_block_alone(self, client_for, staff, make_job):
        job = make_job(state=Job.State.PENDING)
        client = client_for(staff)

        response = client.get(progress_url(job), HTTP_HX_REQUEST="true")

        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<section class="card job-progress" id="job-progress"')
        assert "<html" not in html
        assert 'hx-trigger="every 2s"' in html

        # Once the job finishes, the block it returns stops the polling.
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.SUCCEEDED, progress_done=5, finished_at=timezone.now()
        )
        finished = client.get(progress_url(job), HTTP_HX_REQUEST="true").content.decode()
        assert "hx-trigger" not in finished
        assert 'data-state="succeeded"' in finished


class TestRetry:
    def test_anonymous_is_sent_to_login_and_nothing_changes(self, client_for, failed_job):
        response = client_for(None).post(retry_url(failed_job))

        assert response.status_code == 302
        failed_job.refresh_from_db()
        assert failed_job.state == Job.State.FAILED

    @pytest.mark.parametrize("persona", ["member", "admin", "outsider"])
    def test_non_staff_is_refused_and_nothing_changes(
        self, client_for, request, persona, failed_job
    ):
        response = client_for(request.getfixturevalue(persona)).post(retry_url(failed_job))

        assert response.status_code == 403
        failed_job.refresh_from_db()
        assert failed_job.state == Job.State.FAILED
        assert failed_job.attempts == 6

    def test_get_is_refused(self, client_for, staff, failed_job):
        assert client_for(staff).get(retry_url(failed_job)).status_code == 405

    def test_staff_retries_a_failed_job(
        self, client_for, staff, failed_job, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            response = client_for(staff).post(retry_url(failed_job))

        assert response.status_code == 302
        assert response.url == detail_url(failed_job)
        failed_job.refresh_from_db()
        assert failed_job.state == Job.State.PENDING
        assert failed_job.attempts == 0
        assert failed_job.last_error == ""
        assert failed_job.progress_done == 3  # resumes where it stopped
        assert len(callbacks) == 1

    def test_a_job_that_is_not_failed_is_left_alone(self, client_for, staff, make_job):
        job = make_job(state=Job.State.RUNNING)

        response = client_for(staff).post(retry_url(job), follow=True)

        assert "Only a failed job can be retried" in response.content.decode()
        job.refresh_from_db()
        assert job.state == Job.State.RUNNING


class TestDiagnostic:
    def test_anonymous_is_sent_to_login_and_no_job_is_created(self, client_for, db):
        response = client_for(None).post(DIAGNOSTIC_URL)

        assert response.status_code == 302
        assert response.url == login_url(DIAGNOSTIC_URL)
        assert not Job.objects.exists()

    @pytest.mark.parametrize("persona", ["member", "admin", "outsider", "developer"])
    def test_non_staff_is_refused_and_no_job_is_created(self, client_for, request, persona):
        response = client_for(request.getfixturevalue(persona)).post(DIAGNOSTIC_URL)

        assert response.status_code == 403
        assert not Job.objects.exists()

    def test_get_is_refused(self, client_for, staff):
        assert client_for(staff).get(DIAGNOSTIC_URL).status_code == 405
        assert not Job.objects.exists()

    def test_staff_runs_the_diagnostic(
        self, client_for, staff, monkeypatch, django_capture_on_commit_callbacks
    ):
        sent = []
        real_enqueue = job_services.job_enqueue

        def spy(**kwargs):
            sent.append((kwargs, real_enqueue(**kwargs)))
            return sent[-1][1]

        monkeypatch.setattr(job_services, "job_enqueue", spy)
        client = client_for(staff)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(DIAGNOSTIC_URL)

        job = Job.objects.get()
        assert response.status_code == 302
        assert response.url == detail_url(job)
        assert job.kind == DIAGNOSTIC
        assert job.payload == {"steps": 5, "step_seconds": 0.5}
        assert job.progress_total == 5
        assert job.created_by == staff
        assert job.target == "pipeline diagnostic"
        assert job.state == Job.State.PENDING
        # The wake-up went to the (filesystem) broker after the commit; no worker needed.
        assert sent == [({"job_id": job.pk, "queue": "default"}, True)]
        page = client.get(response.url)
        assert f"Diagnostic job #{job.pk} is queued." in page.content.decode()
        assert 'hx-trigger="every 2s"' in page.content.decode()

    def test_the_status_page_has_the_button(self, client_for, staff):
        html = client_for(staff).get(reverse("console:system:status")).content.decode()

        assert f'<form method="post" action="{DIAGNOSTIC_URL}">' in html
        assert "Run pipeline diagnostic" in html
