"""The cascades under the laptop defaults of ``make run`` (DEBUG on): Django's debug
cursor renders every query parameter into its log, which SQLite cannot do for a list.

An uninstall of an installation without setting files and the deletion of an installed
app both take the one-transaction path; they succeed with DEBUG on as with DEBUG off,
and an uninstall that failed for good under the old statement is retried and completes.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.actors import actor_for_user, actor_system
from apps.accounts.models import Membership
from apps.catalog.models import App
from apps.catalog.services import app_delete
from apps.installations.models import Installation, InstallationStatus, SettingValue
from apps.installations.services import installation_uninstall
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.jobs.services import job_retry
from apps.lifecycle.services.cascade import UNINSTALL_STEPS
from apps.oauth.models import AccessToken
from tests.apps.lifecycle.conftest import jobs_for, run_job
from tests.factories import AccountFactory, MembershipFactory
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import issue_token, make_installation

pytestmark = pytest.mark.django_db

# What the uninstall job recorded when the one-transaction statement failed under DEBUG.
OLD_ERROR = "ProgrammingError: Error binding parameter 2: type 'list' is not supported"


@pytest.fixture(params=[True, False], ids=["debug-on", "debug-off"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def _small_installation(*, app: App, slug: str) -> tuple[Installation, Membership]:
    """An installation with a token and a plain setting, and no setting file: the kind
    that goes in one short transaction."""
    version = app.versions.get()
    account = AccountFactory(slug=slug)
    membership = MembershipFactory(account=account, is_admin=True)
    installation = make_installation(account=account, version=version, by_user=membership.user)
    issue_token(installation=installation, user=membership.user)
    SettingValue.objects.create(installation=installation, key="company_name", value="Acme")
    return installation, membership


@pytest.fixture
def app(developer_account) -> App:
    app = make_app(account=developer_account, name="Small one")
    make_version(app=app, status="published")
    return app


def _uninstall(installation: Installation, membership: Membership) -> Job:
    installation_uninstall(
        installation=installation, actor=actor_for_user(user=membership.user, membership=membership)
    )
    [job] = jobs_for(INSTALLATION_UNINSTALL, installation_id=installation.pk)
    return job


def test_uninstalling_an_installation_without_files_succeeds(debug, app):
    installation, membership = _small_installation(app=app, slug="small")

    with CaptureQueriesContext(connection) as queries:
        job = run_job(_uninstall(installation, membership))

    assert (job.state, job.last_error) == (Job.State.SUCCEEDED, "")
    assert (job.progress_done, job.progress_total) == (len(UNINSTALL_STEPS), len(UNINSTALL_STEPS))
    assert not Installation.objects.filter(pk=installation.pk).exists()
    assert not SettingValue.objects.filter(installation_id=installation.pk).exists()
    assert not AccessToken.objects.filter(installation_id=installation.pk).exists()
    # The debug cursor logged the statements it ran: the one-transaction path was taken.
    assert any("DELETE FROM" in query["sql"] for query in queries.captured_queries)


def test_deleting_an_installed_app_succeeds(debug, app):
    installations = [_small_installation(app=app, slug=f"small-{n}")[0] for n in range(2)]

    app_delete(app=app, actor=actor_system(label="developer"))
    [job] = jobs_for(APP_DELETE, app_id=app.pk)
    job = run_job(job)

    assert (job.state, job.last_error) == (Job.State.SUCCEEDED, "")
    assert not Installation.objects.filter(pk__in=[i.pk for i in installations]).exists()
    assert not App.objects.filter(pk=app.pk).exists()


def test_an_uninstall_that_failed_for_good_is_retried_and_completes(settings, app, client):
    """The job as the failing statement left it: failed at its first step, the
    installation still uninstalling. The installed apps page says it stopped and leads to
    the job, whose page offers Retry; the retry runs to the end with DEBUG on."""
    settings.DEBUG = True
    installation, membership = _small_installation(app=app, slug="stuck")
    job = _uninstall(installation, membership)
    Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, last_error=OLD_ERROR)
    client.force_login(membership.user)

    listing = client.get(reverse("console:installations:installation-list")).content.decode()
    job_url = reverse("console:jobs:job-detail", kwargs={"job_id": job.pk})
    assert "Uninstall stopped" in listing
    assert job_url in listing
    page = client.get(job_url).content.decode()
    assert reverse("console:jobs:job-retry", kwargs={"job_id": job.pk}) in page

    response = client.post(reverse("console:jobs:job-retry", kwargs={"job_id": job.pk}))
    assert response.status_code == 302
    job = run_job(Job.objects.get(pk=job.pk))

    assert (job.state, job.last_error) == (Job.State.SUCCEEDED, "")
    assert not Installation.objects.filter(pk=installation.pk).exists()
    listing = client.get(reverse("console:installations:installation-list")).content.decode()
    assert "Uninstall stopped" not in listing
    with pytest.raises(Exception, match="Only a failed job"):
        job_retry(job=job, actor=actor_system(label="tests"))


def test_a_retried_job_finds_the_installation_still_uninstalling(settings, app):
    settings.DEBUG = True
    installation, membership = _small_installation(app=app, slug="stuck-2")
    job = _uninstall(installation, membership)
    Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, last_error=OLD_ERROR)
    installation.refresh_from_db()
    assert installation.status == InstallationStatus.UNINSTALLING

    job_retry(job=Job.objects.get(pk=job.pk), actor=actor_system(label="tests"))
    job = run_job(Job.objects.get(pk=job.pk))

    assert job.state == Job.State.SUCCEEDED
    assert not Installation.objects.filter(pk=installation.pk).exists()
