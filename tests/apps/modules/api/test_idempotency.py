"""``Idempotency-Key`` on creates: a retry answers the first result for 24 hours instead
of creating a duplicate; the key is the caller's own; another body with the same key is
refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.modules.models import ChangeEvent, IdempotentCreate, Task
from apps.modules.tasks import idempotency_trim_task
from tests.apps.api.helpers import API, api_client, assert_error

pytestmark = pytest.mark.django_db

URL = f"{API}/task/task/"


def _post(client, body, key):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_answers_the_first_result_without_a_duplicate(account, account_key):
    client = api_client(key=account_key)

    first = _post(client, {"title": "Call Initech"}, "k-1")
    Task.objects.update(title="Changed meanwhile")
    retry = _post(client, {"title": "Call Initech"}, "k-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["ETag"] == first["ETag"]
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Task.objects.count() == 1
    assert ChangeEvent.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(account, account_key):
    client = api_client(key=account_key)
    _post(client, {"title": "Call Initech"}, "k-1")

    response = _post(client, {"title": "Call Globex"}, "k-1")

    assert_error(response, 422, "idempotency_key_reused", fields={"Idempotency-Key"})
    assert list(Task.objects.values_list("title", flat=True)) == ["Call Initech"]


def test_keys_belong_to_their_caller(account, account_key, install, admin, token_for):
    app = api_client(key=token_for(install("task:full"), admin))

    _post(api_client(key=account_key), {"title": "A"}, "shared")
    _post(app, {"title": "A"}, "shared")

    assert Task.objects.count() == 2


def test_a_refused_create_is_not_remembered(account, account_key):
    client = api_client(key=account_key)

    assert _post(client, {"title": ""}, "k-1").status_code == 400
    assert _post(client, {"title": "Fixed"}, "k-1").status_code == 201
    assert not IdempotentCreate.objects.exclude(key="k-1").exists()


def test_a_key_past_its_window_creates_again_and_is_trimmed(account, account_key, settings):
    client = api_client(key=account_key)
    _post(client, {"title": "A"}, "k-1")
    IdempotentCreate.objects.update(created_at=timezone.now() - timedelta(hours=25))

    again = _post(client, {"title": "A"}, "k-1")

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Task.objects.count() == 2
    IdempotentCreate.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency_trim_task() == 1
    assert idempotency_trim_task() == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "naïve"])
def test_an_unusable_key_is_refused_naming_the_header(account, account_key, key):
    response = _post(api_client(key=account_key), {"title": "A"}, key)

    assert_error(response, 400, "invalid", fields={"Idempotency-Key"})
    assert not Task.objects.exists()
