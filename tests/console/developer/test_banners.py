"""An app deletion says "is being deleted" while its job works, and nowhere once the job
has succeeded: not as a message on the job's page the developer lands on, nor on the
app list."""

import pytest
from django.urls import reverse

from apps.catalog.models import App
from apps.jobs.kinds import APP_DELETE
from apps.jobs.models import Job
from tests.apps.lifecycle.conftest import run_job
from tests.factories.catalog import make_app, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(account, developer):
    app = make_app(account=account, name="Invoicer", type="public", user=developer)
    make_version(app=app, number="1.0.0", status="published")
    return app


def test_once_the_deletion_succeeded_no_page_says_it_is_being_deleted(
    client_for, developer, app, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    client = client_for(developer)
    response = client.post(
        reverse("console:developer:app-delete", kwargs={"code": app.code}),
        {"confirm_name": "Invoicer"},
    )
    # A worker (make run starts one) finishes a small deletion before the page loads.
    job = run_job(Job.objects.get(kind=APP_DELETE))
    assert job.state == Job.State.SUCCEEDED
    assert not App.objects.filter(pk=app.pk).exists()

    page = client.get(response.url).content.decode()
    apps = client.get(reverse("console:developer:app-list")).content.decode()

    for html in (page, apps):
        assert "being deleted" not in html
    assert 'data-state="succeeded"' in page
    assert 'id="app-deletions"' not in apps


def test_while_it_works_the_job_page_says_so_once(client_for, developer, app, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)

    page = client_for(developer).post(
        reverse("console:developer:app-delete", kwargs={"code": app.code}),
        {"confirm_name": "Invoicer"},
        follow=True,
    )

    html = page.content.decode()
    assert html.count("is being deleted") == 1
    assert 'id="job-under-way"' in html
