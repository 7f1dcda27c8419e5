"""Who may call which endpoint of /api/v1/: the access matrix for every endpoint so far.

Personas (tests/conftest.py): anonymous, ``outsider`` (admin of ``other_account`` only),
``member`` of ``account`` without the admin flag, ``admin`` of ``account``, and an API key
of ``account``. Every denial leaves every row as it was.
"""

from dataclasses import dataclass

import pytest

from apps.accounts.models import ApiKey
from apps.jobs.models import Job
from apps.jobs.tasks import job_run_task
from marketplace.celery import app as celery_app
from tests.apps.api.helpers import API, api_client, assert_error, snapshot
from tests.factories import ApiKeyFactory, MembershipFactory
from tests.worker import purge_broker

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # {key} and {job}: an API key and a failed job of the acting account
    data: dict | None = None
    admin_status: int = 200
    admin_only: bool = True
    object_level: bool = False
    writes: bool = False

    def call(self, client, objects, **kwargs):
        url = API + self.path.format(key=objects["key"].pk, job=objects["job"].pk)
        if self.data is not None:
            kwargs.update(data=self.data, format="json")
        return getattr(client, self.method)(url, **kwargs)

    def __str__(self) -> str:
        return self.name


ROOT = Endpoint("root", "get", "/", admin_only=False)
ACCOUNT = Endpoint("account", "get", "/account", admin_only=False)
KEY_LIST = Endpoint("api_key-list", "get", "/api-keys")
KEY_CREATE = Endpoint(
    "api_key-create", "post", "/api-keys", data={"name": "New key"}, admin_status=201, writes=True
)
KEY_DETAIL = Endpoint("api_key-detail", "get", "/api-keys/{key}", object_level=True)
KEY_REVOKE = Endpoint(
    "api_key-revoke", "post", "/api-keys/{key}/revoke", object_level=True, writes=True
)
# Jobs are not admin-only: members see some jobs by kind and creator
# (tests/apps/jobs/api/test_jobs_api.py holds that matrix).
JOB_LIST = Endpoint("job-list", "get", "/jobs", admin_only=False)
JOB_DETAIL = Endpoint("job-detail", "get", "/jobs/{job}", object_level=True, admin_only=False)
JOB_RETRY = Endpoint(
    "job-retry", "post", "/jobs/{job}/retry", object_level=True, writes=True, admin_only=False
)

ENDPOINTS = [
    ROOT,
    ACCOUNT,
    KEY_LIST,
    KEY_CREATE,
    KEY_DETAIL,
    KEY_REVOKE,
    JOB_LIST,
    JOB_DETAIL,
    JOB_RETRY,
]
AUTHENTICATED = [e for e in ENDPOINTS if e is not ROOT]
ADMIN_ONLY = [e for e in ENDPOINTS if e.admin_only]
OBJECT_LEVEL = [e for e in ENDPOINTS if e.object_level]


def make_objects(account) -> dict:
    key, raw = ApiKeyFactory(account=account, name=f"{account.slug} key")
    job = Job.objects.create(
        kind="system.diagnostic",
        account=account,
        state=Job.State.FAILED,
        last_error="ValueError: boom",
        attempts=2,
    )
    return {"key": key, "raw": raw, "job": job}


@pytest.fixture
def objects(account):
    """An API key and a failed job of ``account``."""
    return make_objects(account)


@pytest.fixture
def other_objects(other_account):
    """An API key and a failed job of ``other_account``."""
    return make_objects(other_account)


@pytest.fixture
def wakeups(monkeypatch):
    """The job wake-ups handed to the broker, as (args, task id). The queue is emptied
    afterwards so no worker sees them."""
    real = job_run_task.apply_async
    sent: list[tuple[list, str]] = []

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        sent.append((kwargs.get("args"), result.id))
        return result

    purge_broker()
    monkeypatch.setattr(job_run_task, "apply_async", spy)
    yield sent
    purge_broker()


def message_in_queue(task_id: str) -> bool:
    """Whether the broker's default queue holds the task's message (filesystem or Redis)."""
    ids = []
    with celery_app.connection_for_read() as conn, conn.SimpleQueue("default") as queue:
        while True:
            try:
                message = queue.get(block=True, timeout=1)
            except queue.Empty:
                break
            ids.append(message.headers.get("id"))
            message.ack()
    return task_id in ids


# --- anonymous -----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", AUTHENTICATED, ids=str)
def test_anonymous_is_not_authenticated(endpoint, objects):
    before = snapshot()

    response = endpoint.call(api_client(), objects)

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert snapshot() == before


def test_anonymous_may_read_the_api_root(db):
    response = api_client().get(f"{API}/")

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "v1"
    assert body["schema"] == "http://testserver/api/schema/"
    assert body["docs"] == "http://testserver/api/docs/"


# --- outsider: admin of another account ----------------------------------------------------


@pytest.mark.parametrize("endpoint", OBJECT_LEVEL, ids=str)
def test_outsider_gets_404_for_the_accounts_objects(endpoint, outsider, objects, other_objects):
    before = snapshot()

    response = endpoint.call(api_client(outsider), objects)

    assert_error(response, 404, "not_found")
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", AUTHENTICATED, ids=str)
def test_outsider_naming_the_account_gets_404(endpoint, outsider, objects, other_objects):
    before = snapshot()

    response = endpoint.call(api_client(outsider), objects, headers={"X-Account": "acme"})

    assert_error(response, 404, "not_found")
    assert snapshot() == before


def test_outsider_lists_only_their_own_account(outsider, objects, other_objects):
    client = api_client(outsider)

    keys = client.get(f"{API}/api-keys").json()["results"]
    jobs = client.get(f"{API}/jobs").json()["results"]

    assert [k["id"] for k in keys] == [other_objects["key"].pk]
    assert [j["id"] for j in jobs] == [other_objects["job"].pk]


def test_outsider_creates_keys_only_in_their_own_account(outsider, account, other_account, objects):
    response = KEY_CREATE.call(api_client(outsider), objects)

    assert response.status_code == 201
    assert ApiKey.objects.get(pk=response.json()["id"]).account == other_account
    assert list(ApiKey.objects.filter(account=account)) == [objects["key"]]


# --- member without the admin flag -----------------------------------------------------------


@pytest.mark.parametrize("endpoint", ADMIN_ONLY, ids=str)
def test_member_without_admin_is_denied(endpoint, member, objects):
    before = snapshot()

    response = endpoint.call(api_client(member), objects)

    assert_error(response, 403, "permission_denied")
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ADMIN_ONLY, ids=str)
def test_developer_without_admin_is_denied(endpoint, developer, objects):
    before = snapshot()

    response = endpoint.call(api_client(developer), objects)

    assert_error(response, 403, "permission_denied")
    assert snapshot() == before


def test_member_may_read_the_account(member, objects):
    response = ACCOUNT.call(api_client(member), objects)

    assert response.status_code == 200
    assert response.json()["is_admin"] is False


# --- allowed: the account admin, and an API key ----------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_admin_is_allowed(
    endpoint, admin, objects, other_objects, wakeups, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = endpoint.call(api_client(admin), objects)

    assert response.status_code == endpoint.admin_status, response.content


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e is not KEY_CREATE], ids=str)
def test_api_key_is_allowed(
    endpoint, objects, other_objects, wakeups, django_capture_on_commit_callbacks
):
    _, raw = ApiKeyFactory(account=objects["key"].account, name="automation")

    with django_capture_on_commit_callbacks(execute=True):
        response = endpoint.call(api_client(key=raw), objects)

    assert response.status_code == endpoint.admin_status, response.content


def test_api_key_may_not_create_keys(objects):
    client = api_client(key=objects["raw"])
    client.get(f"{API}/account")
    before = snapshot()

    response = KEY_CREATE.call(client, objects)

    assert_error(response, 403, "permission_denied")
    assert snapshot() == before


def test_admin_reads_the_accounts_keys_and_jobs(admin, objects, other_objects):
    client = api_client(admin)

    keys = client.get(f"{API}/api-keys").json()
    key = client.get(f"{API}/api-keys/{objects['key'].pk}").json()
    jobs = client.get(f"{API}/jobs").json()
    job = client.get(f"{API}/jobs/{objects['job'].pk}").json()

    assert (keys["count"], [k["id"] for k in keys["results"]]) == (1, [objects["key"].pk])
    assert key["name"] == "acme key"
    assert (jobs["count"], [j["id"] for j in jobs["results"]]) == (1, [objects["job"].pk])
    assert job["state"] == "failed"
    assert job["last_error"] == "ValueError: boom"
    assert job["progress"] == {"done": 0, "total": None}


def test_admin_filters_jobs_by_state(admin, account, objects):
    pending = Job.objects.create(kind="system.diagnostic", account=account)
    client = api_client(admin)

    failed_ids = [j["id"] for j in client.get(f"{API}/jobs?state=failed").json()["results"]]
    pending_ids = [j["id"] for j in client.get(f"{API}/jobs?state=pending").json()["results"]]

    assert failed_ids == [objects["job"].pk]
    assert pending_ids == [pending.pk]


def test_an_unknown_job_state_is_a_field_error(admin, objects):
    response = api_client(admin).get(f"{API}/jobs?state=bogus")

    assert_error(response, 400, "invalid", fields={"state"})


def test_admin_revokes_a_key(admin, objects):
    response = KEY_REVOKE.call(api_client(admin), objects)

    assert response.json()["is_active"] is False
    objects["key"].refresh_from_db()
    assert objects["key"].revoked_at is not None
    assert objects["key"].revoked_by == admin


# --- retry -----------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["session", "api_key"])
def test_retry_sends_a_failed_job_back_to_pending(
    via, admin, objects, wakeups, django_capture_on_commit_callbacks
):
    client = api_client(admin) if via == "session" else api_client(key=objects["raw"])
    job = objects["job"]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"{API}/jobs/{job.pk}/retry")

    assert response.status_code == 200
    assert response.json()["state"] == "pending"
    assert response.json()["last_error"] == ""
    job.refresh_from_db()
    assert (job.state, job.attempts, job.last_error, job.finished_at) == ("pending", 0, "", None)
    assert len(callbacks) == 1
    assert [args for args, _ in wakeups] == [[job.pk]]
    assert message_in_queue(wakeups[0][1])


@pytest.mark.parametrize("state", ["pending", "running", "succeeded"])
def test_retry_of_a_job_that_is_not_failed_is_a_conflict(
    state, admin, account, wakeups, django_capture_on_commit_callbacks
):
    job = Job.objects.create(kind="system.diagnostic", account=account, state=state)
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client(admin).post(f"{API}/jobs/{job.pk}/retry")

    assert_error(response, 409, "conflict")
    assert snapshot() == before
    assert callbacks == []
    assert wakeups == []


def test_retry_twice_is_a_conflict_the_second_time(
    admin, objects, wakeups, django_capture_on_commit_callbacks
):
    client = api_client(admin)
    job = objects["job"]

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"{API}/jobs/{job.pk}/retry")
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(f"{API}/jobs/{job.pk}/retry")

    assert first.status_code == 200
    assert_error(second, 409, "conflict")
    assert snapshot() == before
    assert len(wakeups) == 1


# --- X-Account: choosing among the user's own accounts ---------------------------------------


@pytest.fixture
def admin_of_both(admin, other_account):
    """``admin`` of ``account`` who is also an admin of ``other_account``."""
    MembershipFactory(user=admin, account=other_account, is_admin=True)
    return admin


def test_account_header_selects_another_of_the_users_accounts(
    admin_of_both, objects, other_objects
):
    client = api_client(admin_of_both)
    globex = {"X-Account": "globex"}

    keys = client.get(f"{API}/api-keys", headers=globex).json()["results"]
    jobs = client.get(f"{API}/jobs", headers=globex).json()["results"]
    own_key = client.get(f"{API}/api-keys/{other_objects['key'].pk}", headers=globex)
    created = client.post(f"{API}/api-keys", {"name": "for globex"}, format="json", headers=globex)

    assert [k["id"] for k in keys] == [other_objects["key"].pk]
    assert [j["id"] for j in jobs] == [other_objects["job"].pk]
    assert own_key.status_code == 200
    assert created.status_code == 201
    assert ApiKey.objects.get(pk=created.json()["id"]).account == other_objects["key"].account


@pytest.mark.parametrize("endpoint", OBJECT_LEVEL, ids=str)
def test_account_header_does_not_reach_objects_of_the_other_account(
    endpoint, admin_of_both, objects, other_objects
):
    before = snapshot()

    response = endpoint.call(api_client(admin_of_both), objects, headers={"X-Account": "globex"})

    assert_error(response, 404, "not_found")
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ADMIN_ONLY, ids=str)
def test_account_header_applies_the_rights_held_in_that_account(
    endpoint, admin, other_account, objects, other_objects
):
    """An admin of ``account`` (their default) who is a plain member of ``other_account``
    is denied in ``other_account`` once the header selects it."""
    MembershipFactory(user=admin, account=other_account, is_admin=False)
    before = snapshot()

    response = endpoint.call(api_client(admin), objects, headers={"X-Account": "globex"})

    assert_error(response, 403, "permission_denied")
    assert snapshot() == before
