"""An uninstall says "is being uninstalled" while its job works, and nowhere once the job
has succeeded: not as a message on the job's page the admin lands on, not on the
progress block, not on Installed apps."""

import pytest
from django.urls import reverse

from apps.jobs.kinds import INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.jobs.selectors import job_latest_for
from tests.apps.lifecycle.conftest import run_job
from tests.console.installations.conftest import url

pytestmark = pytest.mark.django_db


def uninstall_job(installation) -> Job:
    job = job_latest_for(
        account_id=installation.account_id,
        kind=INSTALLATION_UNINSTALL,
        key="installation_id",
        value=installation.pk,
    )
    assert job is not None
    return job


def test_once_the_uninstall_succeeded_no_page_says_it_is_being_uninstalled(
    client_for, admin, installation
):
    client = client_for(admin)
    response = client.post(url("installation-uninstall", installation))
    # A worker (make run starts one) finishes a small uninstall before the page loads.
    job = run_job(uninstall_job(installation))
    assert job.state == Job.State.SUCCEEDED

    page = client.get(response.url).content.decode()
    block = client.get(
        reverse("console:jobs:job-progress", kwargs={"job_id": job.pk}), HTTP_HX_REQUEST="true"
    ).content.decode()
    installed = client.get(reverse("console:installations:installation-list")).content.decode()

    for html in (page, block, installed):
        assert "being uninstalled" not in html
        assert "Uninstalling…" not in html
    assert 'data-state="succeeded"' in page
    assert "Uninstalled: the app&#x27;s tokens, settings, files" in page
    assert client.get(url("installation-detail", installation)).status_code == 404


def test_while_it_works_the_job_page_says_so_once(client_for, admin, installation):
    client = client_for(admin)

    page = client.post(url("installation-uninstall", installation), follow=True)

    html = page.content.decode()
    assert html.count("is being uninstalled") == 1
    assert 'id="job-under-way"' in html
