"""The developer API shows the background job behind an app being deleted
(``deletion_job``) and behind a published version's rollout (``rollout_job``), each with
its state, progress and the jobs API URL to follow it at."""

import pytest

from apps.catalog.models import App
from apps.catalog.services import app_delete
from apps.jobs.kinds import APP_DELETE, VERSION_ROLLOUT
from apps.jobs.models import Job
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.catalog.api.helpers import app_url, version_url
from tests.factories.catalog import by, make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


def job_ref(job: Job) -> dict:
    return {
        "id": job.pk,
        "state": job.state,
        "progress": {"done": job.progress_done, "total": job.progress_total},
        "url": f"http://testserver{API}/jobs/{job.pk}",
    }


@pytest.fixture
def app(account, developer):
    return make_app(account=account, name="Invoicer", type="private", user=developer)


class TestDeletionJob:
    def test_null_while_the_app_is_not_being_deleted(self, developer, app):
        body = api_client(developer).get(app_url(app)).json()

        assert body["deletion_job"] is None

    def test_deleting_answers_with_the_job_and_the_developer_follows_it(self, developer, app):
        client = api_client(developer)

        response = client.delete(app_url(app))

        assert response.status_code == 202, response.content
        job = Job.objects.get(kind=APP_DELETE)
        assert response.json()["status"] == "deleting"
        assert response.json()["deletion_job"] == job_ref(job)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.RUNNING, progress_done=40, progress_total=200
        )
        job.refresh_from_db()
        assert client.get(app_url(app)).json()["deletion_job"] == {
            "id": job.pk,
            "state": "running",
            "progress": {"done": 40, "total": 200},
            "url": f"http://testserver{API}/jobs/{job.pk}",
        }
        followed = client.get(response.json()["deletion_job"]["url"])
        assert followed.status_code == 200
        assert followed.json()["progress"] == {"done": 40, "total": 200}

    def test_a_member_without_the_developer_right_sees_neither_app_nor_job(
        self, member, developer, app
    ):
        app_delete(app=app, actor=by(developer))
        job = Job.objects.get(kind=APP_DELETE)

        assert_error(api_client(member).get(app_url(app)), 403, "permission_denied")
        assert_error(api_client(member).get(f"{API}/jobs/{job.pk}"), 404, "not_found")

    @pytest.mark.parametrize("deleting", [1, 12])
    def test_the_list_reads_the_page_deletion_jobs_in_one_query(
        self, developer, account, deleting, django_assert_max_num_queries
    ):
        kept = make_app(account=account, name="Kept", type="private", user=developer)
        for n in range(deleting):
            doomed = make_app(account=account, name=f"Doomed {n:02}", type="private")
            app_delete(app=doomed, actor=by(developer))
        client = api_client(developer)
        client.get(f"{API}/apps")

        # session, user, membership, COUNT, the page, the page's deletion jobs.
        with django_assert_max_num_queries(6):
            response = client.get(f"{API}/apps", {"page_size": 50})

        rows = {row["name"]: row["deletion_job"] for row in response.json()["results"]}
        assert rows.pop(kept.name) is None
        jobs = {job.payload["app_id"]: job for job in Job.objects.filter(kind=APP_DELETE)}
        names = dict(App.objects.filter(pk__in=jobs).values_list("name", "pk"))
        assert rows == {name: job_ref(jobs[pk]) for name, pk in names.items()}


class TestRolloutJob:
    def test_null_without_a_rollout(self, developer, app):
        version = make_version(app=app, number="1.0.0", status="draft")

        assert api_client(developer).get(version_url(version)).json()["rollout_job"] is None

    def test_publishing_over_installations_answers_with_the_rollout(
        self, developer, app, account, admin
    ):
        old = make_version(app=app, number="1.0.0", status="published")
        make_installation(account=account, version=old, by_user=admin)
        new = make_version(app=app, number="2.0.0", status="draft")

        response = api_client(developer).post(version_url(new, "/publish"))

        assert response.status_code == 200, response.content
        job = Job.objects.get(kind=VERSION_ROLLOUT)
        assert job.payload["version_id"] == new.pk
        assert response.json()["rollout_job"] == job_ref(job)
        assert api_client(developer).get(version_url(old)).json()["rollout_job"] is None
