"""Uninstalling: a confirmation, then the installation is marked uninstalling, its
tokens are refused at once, and the admin follows the job that removes its data."""

import pytest
from django.urls import reverse

from apps.installations.models import InstallationStatus
from apps.jobs.kinds import INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.jobs.selectors import job_latest_for
from tests.console.conftest import login_url
from tests.console.installations.conftest import snapshot, url
from tests.factories.catalog import make_app_with_secret, make_version
from tests.factories.oauth import allow, api_get, authorize_url, callback_params, exchange

pytestmark = pytest.mark.django_db


class TestAccess:
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_anonymous_signs_in_first(self, client_for, installation, method):
        before = snapshot(installation)
        target = url("installation-uninstall", installation)

        response = getattr(client_for(None), method)(target)

        assert response.status_code == 302
        assert response.url == login_url(target)
        assert snapshot(installation) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_an_outsider_gets_404(self, client_for, outsider, installation, method):
        before = snapshot(installation)

        target = url("installation-uninstall", installation)

        response = getattr(client_for(outsider), method)(target)

        assert response.status_code == 404
        assert snapshot(installation) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_member_without_admin_gets_403(self, client_for, member, installation, method):
        before = snapshot(installation)

        target = url("installation-uninstall", installation)

        response = getattr(client_for(member), method)(target)

        assert response.status_code == 403
        assert snapshot(installation) == before


def test_the_confirmation_says_what_happens(client_for, admin, installation):
    html = client_for(admin).get(url("installation-uninstall", installation)).content.decode()

    assert "stops working at once" in html
    assert snapshot(installation)["installation"][0] == InstallationStatus.ACTIVE


def test_uninstalling_refuses_the_apps_tokens_at_once(client_for, admin, account, other_account):
    app, secret = make_app_with_secret(account=other_account, name="Invoicer")
    make_version(
        app=app,
        status="published",
        scopes=[{"code": "users", "level": "read", "reason": "Lists your colleagues."}],
        webhooks=[],
    )
    browser = client_for(admin)
    params = callback_params(allow(browser, authorize_url(app.oauth_application.client_id)))
    token = exchange(app.oauth_application.client_id, secret, params["code"]).json()["access_token"]
    assert api_get("/api/v1/users/me", token).status_code == 200
    installation = app.installations.get(account=account)

    response = browser.post(url("installation-uninstall", installation))

    installation.refresh_from_db()
    assert installation.status == InstallationStatus.UNINSTALLING
    assert installation.uninstall_requested_by == admin
    job = uninstall_job(installation)
    assert response.status_code == 302
    assert response.url == reverse("console:jobs:job-detail", kwargs={"job_id": job.pk})
    assert api_get("/api/v1/users/me", token).status_code == 401
    html = browser.get(url("installation-detail", installation)).content.decode()
    assert "Its tokens are already refused" in html
    assert 'id="installation-uninstalling"' in html


def uninstall_job(installation):
    return job_latest_for(
        account_id=installation.account_id,
        kind=INSTALLATION_UNINSTALL,
        key="installation_id",
        value=installation.pk,
    )


def test_the_admin_is_sent_to_the_uninstall_job(client_for, admin, installation):
    client = client_for(admin)
    response = client.post(url("installation-uninstall", installation))

    job = uninstall_job(installation)
    assert (job.state, job.target) == (Job.State.PENDING, "Invoicer on Acme Corp")
    assert response.status_code == 302
    assert response.url == reverse("console:jobs:job-detail", kwargs={"job_id": job.pk})
    page = client.get(response.url)
    assert page.status_code == 200
    # The job's live block says what is happening, as long as it is happening.
    assert (
        '<p class="job-progress__under-way" id="job-under-way">Invoicer on Acme Corp is being '
        "uninstalled: its tokens are already refused"
    ) in page.content.decode()


def test_the_list_links_an_uninstalling_app_to_its_job(client_for, admin, installation):
    client = client_for(admin)
    client.post(url("installation-uninstall", installation))
    job = uninstall_job(installation)

    html = client.get(reverse("console:installations:installation-list")).content.decode()

    row = html.split(f'data-installation="{installation.pk}"')[1].split("</tr>")[0]
    assert "Uninstalling…" in row
    job_url = reverse("console:jobs:job-detail", kwargs={"job_id": job.pk})
    assert f'href="{job_url}"' in row
    detail = client.get(url("installation-detail", installation)).content.decode()
    assert f'href="{job_url}">Follow the removal</a>' in detail


def test_a_finished_uninstall_job_is_still_linked(client_for, admin, installation):
    """The row outlives the job only for an instant (the cascade deletes it last); the
    link wording follows the job's state."""
    client = client_for(admin)
    client.post(url("installation-uninstall", installation))
    Job.objects.filter(pk=uninstall_job(installation).pk).update(state=Job.State.SUCCEEDED)

    html = client.get(reverse("console:installations:installation-list")).content.decode()

    assert "See what was removed" in html
    assert "Uninstall stopped" not in html


class TestFailedUninstall:
    """An uninstall whose job failed never looks finished: the list and the installed
    app's page say it stopped and lead to the job's page, where admins retry it."""

    @pytest.fixture
    def failed(self, client_for, admin, installation):
        client_for(admin).post(url("installation-uninstall", installation))
        job = uninstall_job(installation)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED,
            progress_done=2,
            progress_total=7,
            last_error="OSError: the storage is read-only",
        )
        job.refresh_from_db()
        return job

    def test_the_list_says_it_stopped_and_links_to_the_job(
        self, client_for, admin, installation, failed
    ):
        html = client_for(admin).get(reverse("console:installations:installation-list"))
        html = html.content.decode()

        row = html.split(f'data-installation="{installation.pk}"')[1].split("</tr>")[0]
        job_url = reverse("console:jobs:job-detail", kwargs={"job_id": failed.pk})
        assert (
            f'<a class="uninstall-job uninstall-job--failed" href="{job_url}">'
            "Uninstall stopped: see what went wrong and retry</a>"
        ) in row
        assert "See what was removed" not in row
        assert "Follow its progress" not in row

    def test_the_installed_apps_page_says_it_stopped_and_where_to_retry(
        self, client_for, admin, installation, failed
    ):
        html = client_for(admin).get(url("installation-detail", installation)).content.decode()

        notice = html.split('id="installation-uninstalling"')[1].split("</div>")[0]
        assert 'data-job-state="failed"' in notice
        assert "<strong>The uninstall stopped after an error</strong>" in notice
        assert "The uninstall stopped at step 3 of 7 (setting files)" in notice
        job_url = reverse("console:jobs:job-detail", kwargs={"job_id": failed.pk})
        assert f'id="uninstall-job" href="{job_url}">See what went wrong and retry</a>' in notice
        assert "removed next" not in html
        assert "Follow the removal" not in html

    def test_the_job_page_offers_the_admin_the_retry(self, client_for, admin, installation, failed):
        html = (
            client_for(admin)
            .get(reverse("console:jobs:job-detail", kwargs={"job_id": failed.pk}))
            .content.decode()
        )

        retry = reverse("console:jobs:job-retry", kwargs={"job_id": failed.pk})
        assert f'action="{retry}"' in html
        assert "<summary>Technical details</summary>" in html

    @pytest.mark.parametrize("persona", ["member", "outsider"])
    def test_who_is_not_an_admin_of_the_account_sees_neither_page(
        self, client_for, request, installation, failed, persona
    ):
        client = client_for(request.getfixturevalue(persona))
        before = snapshot(installation)

        detail = client.get(url("installation-detail", installation))
        listing = client.get(reverse("console:installations:installation-list"))

        assert detail.status_code == (403 if persona == "member" else 404)
        assert listing.status_code == (403 if persona == "member" else 200)
        assert "Uninstall stopped" not in listing.content.decode()
        assert snapshot(installation) == before


def test_a_second_uninstall_changes_nothing(client_for, admin, installation):
    client = client_for(admin)
    client.post(url("installation-uninstall", installation))
    before = snapshot(installation)

    response = client.post(url("installation-uninstall", installation))

    assert response.status_code == 302
    assert response.url == url("installation-detail", installation)
    assert snapshot(installation) == before
    assert Job.objects.filter(kind=INSTALLATION_UNINSTALL).count() == 1
