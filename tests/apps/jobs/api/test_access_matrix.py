"""Who may call each jobs endpoint: one cell per persona and endpoint.

``job`` is a failed app deletion of ``account`` started by its admin: its admins and
API keys see and retry it, and so do its developers (app deletions are theirs); a member
who did not start it does not see it (404, nothing learnt), nor does another account's
admin, developer or key. ``members_job`` is a failed uninstall the member started: they
see it but may not retry it (403); a developer does not see it. Platform moderators and
staff belong to no account. Allowed cells check the effect: the list holds exactly the
jobs the caller may see, and a retry really sends the job back to pending.
"""

import pytest

from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from tests.apps.api.access_cells import (
    DENIED,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    PERSONAS,
    Endpoint,
    cells,
    ok,
    persona_client,
    url_names,
)
from tests.apps.api.helpers import snapshot
from tests.apps.catalog.api.helpers import account_key, other_developer, other_key

__all__ = ["account_key", "other_developer", "other_key"]  # fixtures

pytestmark = pytest.mark.django_db

FAILED = {"state": Job.State.FAILED, "attempts": 6, "last_error": "TimeoutError: broker"}


def lists(*names: str):
    def effect(objects, response):
        listed = {row["id"] for row in response.json()["results"]}
        assert listed == {objects[name].pk for name in names}

    return effect


def shows(name: str):
    def effect(objects, response):
        body = response.json()
        assert (body["id"], body["state"]) == (objects[name].pk, "failed")

    return effect


def sends_back_to_pending(name: str):
    def effect(objects, response):
        job = Job.objects.get(pk=objects[name].pk)
        assert response.json()["state"] == "pending"
        assert (job.state, job.last_error, job.finished_at) == (Job.State.PENDING, "", None)
        others = Job.objects.exclude(pk=job.pk).values_list("state", flat=True)
        assert set(others) == {Job.State.FAILED}

    return effect


NO_ACCOUNT = {"moderator": NOT_FOUND, "staff": NOT_FOUND}
ENDPOINTS = [
    Endpoint(
        "job-list",
        "get",
        "/jobs",
        cells(
            ok(lists("other_job")),  # another account's people see their own
            anonymous=NOT_AUTHENTICATED,
            member=ok(lists("members_job")),
            developer=ok(lists("job")),
            admin=ok(lists("job", "members_job")),
            api_key=ok(lists("job", "members_job")),
            **NO_ACCOUNT,
        ),
    ),
    Endpoint(
        "job-detail",
        "get",
        "/jobs/{job}",
        cells(
            NOT_FOUND,
            anonymous=NOT_AUTHENTICATED,
            **{persona: ok(shows("job")) for persona in ("admin", "developer", "api_key")},
        ),
    ),
    Endpoint(
        "job-detail",
        "get",
        "/jobs/{members_job}",
        cells(
            NOT_FOUND,
            anonymous=NOT_AUTHENTICATED,
            **{p: ok(shows("members_job")) for p in ("member", "admin", "api_key")},
        ),
    ),
    Endpoint(
        "job-retry",
        "post",
        "/jobs/{job}/retry",
        cells(
            NOT_FOUND,
            anonymous=NOT_AUTHENTICATED,
            **{p: ok(sends_back_to_pending("job")) for p in ("admin", "developer", "api_key")},
        ),
    ),
    Endpoint(
        "job-retry",
        "post",
        "/jobs/{members_job}/retry",
        cells(
            NOT_FOUND,
            anonymous=NOT_AUTHENTICATED,
            member=DENIED,  # sees the job they started, may not retry it
            admin=ok(sends_back_to_pending("members_job")),
            api_key=ok(sends_back_to_pending("members_job")),
        ),
    ),
]
CELLS = [
    pytest.param(endpoint, persona, id=f"{endpoint}:{endpoint.path}-{persona}")
    for endpoint in ENDPOINTS
    for persona in PERSONAS
]


@pytest.fixture
def objects(account, other_account, admin, member, developer, outsider):
    """A failed app deletion in each account, started by its admin, and a failed
    uninstall the member started."""
    return {
        "job": Job.objects.create(kind=APP_DELETE, account=account, created_by=admin, **FAILED),
        "members_job": Job.objects.create(
            kind=INSTALLATION_UNINSTALL, account=account, created_by=member, **FAILED
        ),
        "other_job": Job.objects.create(
            kind=APP_DELETE, account=other_account, created_by=outsider, **FAILED
        ),
    }


@pytest.mark.parametrize(("endpoint", "persona"), CELLS)
def test_access(request, objects, endpoint, persona):
    client = persona_client(request, persona)
    before = snapshot()

    response = endpoint.call(client, objects)

    endpoint.cells[persona].check(response, objects, before)


def test_every_jobs_route_is_in_the_matrix():
    assert url_names("jobs") == {endpoint.name for endpoint in ENDPOINTS}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_endpoint_names_every_persona(endpoint):
    assert list(endpoint.cells) == PERSONAS
