"""Jobs API: the jobs the caller may see (admins and API keys every job of the account,
developers its app deletions and rollouts, anyone the jobs they started), one job, and
retry (admins and API keys any job, developers their kinds)."""

import pytest
from django.utils import timezone

from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL, VERSION_ROLLOUT
from apps.jobs.models import Job
from tests.apps.api.helpers import API, api_client, assert_error
from tests.factories import ApiKeyFactory


def state() -> list[dict]:
    return list(Job.objects.order_by("pk").values())


FAILED = {
    "state": Job.State.FAILED,
    "progress_done": 2,
    "progress_total": 8,
    "attempts": 6,
    "last_error": "Gave up after 6 attempts. TimeoutError: broker",
}


@pytest.fixture
def jobs(account, other_account, admin, member, developer):
    def job(kind, **fields):
        fields.setdefault("account", account)
        return Job.objects.create(kind=kind, **FAILED, **fields)

    return {
        "uninstall": job(INSTALLATION_UNINSTALL, created_by=admin),
        "members": job(INSTALLATION_UNINSTALL, created_by=member),
        "app_delete": job(APP_DELETE, created_by=developer, target="Old app"),
        "rollout": job(VERSION_ROLLOUT),
        "elsewhere": job(APP_DELETE, account=other_account),
    }


SEES = {
    "admin": {"uninstall", "members", "app_delete", "rollout"},
    "developer": {"app_delete", "rollout"},
    "member": {"members"},
    "outsider": {"elsewhere"},
}
RETRIES = {
    "admin": {"uninstall", "members", "app_delete", "rollout"},
    "developer": {"app_delete", "rollout"},
    "member": set(),
    "outsider": {"elsewhere"},
}


def list_ids(client, **params) -> set[int]:
    response = client.get(f"{API}/jobs", params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


class TestAnonymous:
    @pytest.mark.parametrize(
        ("method", "path"),
        [("get", "/jobs"), ("get", "/jobs/{job}"), ("post", "/jobs/{job}/retry")],
    )
    def test_is_not_authenticated_and_nothing_changes(self, jobs, method, path):
        before = state()

        response = getattr(api_client(), method)(API + path.format(job=jobs["app_delete"].pk))

        assert_error(response, 401, "not_authenticated")
        assert state() == before


class TestList:
    @pytest.mark.parametrize("persona", sorted(SEES))
    def test_each_person_lists_what_they_may_see(self, request, jobs, persona):
        client = api_client(request.getfixturevalue(persona))

        assert list_ids(client) == {jobs[name].pk for name in SEES[persona]}

    def test_an_api_key_lists_every_job_of_its_account(self, account, jobs):
        _key, raw = ApiKeyFactory(account=account, name="automation")

        assert list_ids(api_client(key=raw)) == {jobs[name].pk for name in SEES["admin"]}

    def test_the_developer_sees_progress_and_the_error(self, developer, jobs):
        body = api_client(developer).get(f"{API}/jobs/{jobs['app_delete'].pk}").json()

        assert body["kind"] == APP_DELETE
        assert body["state"] == "failed"
        assert body["target"] == "Old app"
        assert body["progress"] == {"done": 2, "total": 8}
        assert body["percent"] == 25
        assert body["last_error"] == "Gave up after 6 attempts. TimeoutError: broker"

    def test_filters_by_state_and_names_a_bad_one(self, admin, jobs):
        Job.objects.filter(pk=jobs["rollout"].pk).update(state=Job.State.RUNNING)
        client = api_client(admin)

        assert list_ids(client, state="running") == {jobs["rollout"].pk}
        response = client.get(f"{API}/jobs", {"state": "exploded"})
        assert_error(response, 400, "invalid", fields={"state"})

    @pytest.mark.parametrize("rows", [2, 30])
    def test_query_count_does_not_grow_with_rows(
        self, developer, account, rows, django_assert_max_num_queries
    ):
        for _ in range(rows):
            Job.objects.create(kind=APP_DELETE, account=account, created_by=developer)
        client = api_client(developer)
        client.get(f"{API}/jobs")

        with django_assert_max_num_queries(6):
            response = client.get(f"{API}/jobs")

        assert response.json()["count"] == rows


class TestDetail:
    @pytest.mark.parametrize("persona", sorted(SEES))
    def test_a_job_outside_what_one_may_see_is_404(self, request, jobs, persona):
        client = api_client(request.getfixturevalue(persona))

        for name, job in jobs.items():
            response = client.get(f"{API}/jobs/{job.pk}")
            if name in SEES[persona]:
                assert response.status_code == 200, (persona, name)
                assert response.json()["id"] == job.pk
            else:
                assert_error(response, 404, "not_found")


class TestRetry:
    @pytest.mark.parametrize("persona", sorted(SEES))
    def test_refused_retries_change_nothing(self, request, jobs, persona):
        client = api_client(request.getfixturevalue(persona))

        for name, job in jobs.items():
            if name in RETRIES[persona]:
                continue
            before = state()
            response = client.post(f"{API}/jobs/{job.pk}/retry")
            if name in SEES[persona]:
                assert_error(response, 403, "permission_denied")
            else:
                assert_error(response, 404, "not_found")
            assert state() == before

    @pytest.mark.parametrize(
        ("persona", "name"),
        [("admin", "uninstall"), ("developer", "app_delete"), ("developer", "rollout")],
    )
    def test_allowed_retry_resumes_the_job(
        self, request, jobs, persona, name, django_capture_on_commit_callbacks
    ):
        job = jobs[name]

        with django_capture_on_commit_callbacks() as callbacks:
            response = api_client(request.getfixturevalue(persona)).post(
                f"{API}/jobs/{job.pk}/retry"
            )

        assert response.status_code == 200, response.content
        assert response.json()["state"] == "pending"
        job.refresh_from_db()
        assert (job.state, job.attempts, job.last_error, job.progress_done) == (
            Job.State.PENDING,
            0,
            "",
            2,
        )
        assert len(callbacks) == 1
        assert set(Job.objects.exclude(pk=job.pk).values_list("state", flat=True)) == {"failed"}

    def test_an_api_key_retries_any_job_of_its_account(
        self, account, jobs, django_capture_on_commit_callbacks
    ):
        _key, raw = ApiKeyFactory(account=account, name="automation")

        with django_capture_on_commit_callbacks():
            response = api_client(key=raw).post(f"{API}/jobs/{jobs['uninstall'].pk}/retry")

        assert response.status_code == 200, response.content
        jobs["uninstall"].refresh_from_db()
        assert jobs["uninstall"].state == Job.State.PENDING
        assert jobs["uninstall"].created_by is not None  # unchanged by the retry

    def test_an_api_key_cannot_reach_another_account(self, account, jobs):
        _key, raw = ApiKeyFactory(account=account, name="automation")
        before = state()

        response = api_client(key=raw).post(f"{API}/jobs/{jobs['elsewhere'].pk}/retry")

        assert_error(response, 404, "not_found")
        assert state() == before

    def test_a_job_that_is_not_failed_is_a_conflict(self, developer, jobs):
        Job.objects.filter(pk=jobs["app_delete"].pk).update(state=Job.State.RUNNING)
        before = state()

        response = api_client(developer).post(f"{API}/jobs/{jobs['app_delete'].pk}/retry")

        assert_error(response, 409, "conflict")
        assert state() == before


def test_a_job_says_how_many_times_it_was_tried_and_what_each_step_removed(admin, account):
    job = Job.objects.create(
        account=account,
        kind=INSTALLATION_UNINSTALL,
        state=Job.State.RUNNING,
        started_at=timezone.now(),
        retries_automatic=2,
        retries_manual=1,
        payload={"installation_id": 1, "counts": {"tokens": 12, "authorizations": 3}},
    )

    body = api_client(admin).get(f"{API}/jobs/{job.pk}").json()

    assert (body["tries"], body["retries_automatic"], body["retries_manual"]) == (4, 2, 1)
    assert body["steps"] == {"tokens": 12, "authorizations": 3}
