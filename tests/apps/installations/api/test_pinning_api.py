"""Pinning through the API, the installation's ``pinned`` / ``pending_update`` output, and
the uninstall answer naming its background job."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.installations.models import InstallationEvent
from apps.installations.services import installation_rollout
from apps.jobs.kinds import INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from tests.apps.api.helpers import api_client, assert_error
from tests.apps.installations.api.conftest import MORE_SCOPES
from tests.apps.installations.api.helpers import snapshot, url
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["admin", "api_key"])
def test_pin_then_unpin(request, who, installation):
    client = (
        api_client(request.getfixturevalue("admin"))
        if who == "admin"
        else api_client(key=request.getfixturevalue("account_key"))
    )

    pinned = client.post(url(installation, "/pin"))

    assert pinned.status_code == 200, pinned.content
    body = pinned.json()
    assert body["pinned"] is True
    assert body["pinned_at"] is not None
    installation.refresh_from_db()
    assert installation.is_pinned

    unpinned = client.post(url(installation, "/unpin"))

    assert unpinned.status_code == 200, unpinned.content
    assert (unpinned.json()["pinned"], unpinned.json()["pinned_at"]) == (False, None)
    assert list(
        installation.events.exclude(kind=InstallationEvent.Kind.INSTALLED).values_list(
            "kind", flat=True
        )
    ) == [InstallationEvent.Kind.PINNED, InstallationEvent.Kind.UNPINNED]


def test_pinning_twice_changes_nothing_the_second_time(admin, installation):
    client = api_client(admin)
    first = client.post(url(installation, "/pin")).json()
    before = snapshot()

    second = client.post(url(installation, "/pin"))

    assert second.status_code == 200
    assert second.json()["pinned_at"] == first["pinned_at"]
    assert snapshot() == before


@pytest.mark.parametrize("action", ["/pin", "/unpin"])
def test_an_uninstalling_installation_cannot_be_pinned(admin, installation, action):
    client = api_client(admin)
    client.post(url(installation, "/uninstall"))
    before = snapshot()

    response = client.post(url(installation, action))

    assert_error(response, 409, "not_active")
    assert snapshot() == before


def test_a_new_installation_is_neither_pinned_nor_waiting(admin, installation):
    body = api_client(admin).get(url(installation)).json()

    assert (body["pinned"], body["pinned_at"], body["pending_update"]) == (False, None, None)


def test_a_version_asking_for_more_is_a_pending_update(admin, installation, v2):
    installation_rollout(installation_id=installation.pk, version=v2)

    body = api_client(admin).get(url(installation)).json()

    assert body["version"] == "1.0.0"
    assert body["pending_update"] == {"version": "1.1.0", "new_scopes": ["users:read"]}
    assert body["update_available"]["number"] == "1.1.0"


def test_the_update_with_consent_settles_the_pending_update(admin, installation, v2):
    installation_rollout(installation_id=installation.pk, version=v2)

    response = api_client(admin).post(
        url(installation, "/update"), {"version": "1.1.0", "consent": True}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["pending_update"] is None
    installation.refresh_from_db()
    assert installation.pending_version is None


def test_the_list_shows_pending_updates_in_constant_queries(admin, publisher, installation, v2):
    installation_rollout(installation_id=installation.pk, version=v2)
    client = api_client(admin)
    with CaptureQueriesContext(connection) as one:
        first = client.get("/api/v1/installations").json()
    for n in range(3):
        other = make_app(account=publisher, name=f"Other {n}")
        extra = make_installation(
            account=installation.account,
            version=make_version(app=other, number="1.0.0", status="published"),
        )
        newer = make_version(app=other, number="1.1.0", status="published", scopes=MORE_SCOPES)
        installation_rollout(installation_id=extra.pk, version=newer)

    with CaptureQueriesContext(connection) as four:
        body = client.get("/api/v1/installations").json()

    assert [row["pending_update"] for row in first["results"]] == [
        {"version": "1.1.0", "new_scopes": ["users:read"]}
    ]
    assert [row["pending_update"]["version"] for row in body["results"]] == ["1.1.0"] * 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_uninstall_answers_with_its_job(admin, account, installation):
    response = api_client(admin).post(url(installation, "/uninstall"))

    assert response.status_code == 200, response.content
    body = response.json()
    job = Job.objects.get(kind=INSTALLATION_UNINSTALL, payload__installation_id=installation.pk)
    assert body["status"] == "uninstalling"
    assert body["job"] == {
        "id": job.pk,
        "state": "pending",
        "url": reverse("api:jobs:job-detail", kwargs={"job_id": job.pk}),
    }
    assert body["job"]["url"] == f"/api/v1/jobs/{job.pk}"
    assert job.account == account
    job_body = api_client(admin).get(body["job"]["url"]).json()
    assert (job_body["id"], job_body["kind"]) == (job.pk, INSTALLATION_UNINSTALL)


def test_an_uninstalling_installation_has_no_pending_update(admin, installation, v2):
    installation_rollout(installation_id=installation.pk, version=v2)
    api_client(admin).post(url(installation, "/uninstall"))

    body = api_client(admin).get(url(installation)).json()

    assert body["pending_update"] is None


def test_another_accounts_installation_cannot_be_pinned(admin, other_installation):
    before = snapshot()

    assert_error(api_client(admin).post(url(other_installation, "/pin")), 404, "not_found")

    assert snapshot() == before
    other_installation.refresh_from_db()
    assert not other_installation.is_pinned


def test_an_api_key_of_another_account_cannot_unpin(other_key, admin, installation):
    api_client(admin).post(url(installation, "/pin"))
    before = snapshot()

    assert_error(api_client(key=other_key).post(url(installation, "/unpin")), 404, "not_found")

    assert snapshot() == before
