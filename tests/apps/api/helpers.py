"""Shared helpers for REST API tests: clients for each persona and the error-body check."""

from typing import Any

from rest_framework.test import APIClient

from apps.accounts.models import ApiKey
from apps.jobs.models import Job

API = "/api/v1"


def api_client(
    user=None, *, key: str | None = None, scheme: str = "Bearer", csrf: bool = False
) -> APIClient:
    """An API client signed in as ``user`` (a console session), or carrying an API key.

    Anonymous when neither is given. ``csrf=True`` makes the session enforce CSRF like a
    browser would; the default skips the check, like Django's test client.
    """
    client = APIClient(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client


def assert_error(response, status: int, code: str, *, fields: set[str] | None = None) -> dict:
    """The response is ``status`` with the one error body, ``code``, a message, and (when
    given) errors for exactly ``fields``. Returns the ``error`` object."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["fields"], dict)
    if fields is not None:
        assert set(error["fields"]) == fields
        for messages in error["fields"].values():
            assert messages
            assert all(isinstance(message, str) and message for message in messages)
    else:
        assert error["fields"] == {}
    return error


def snapshot() -> dict[str, Any]:
    """Every row a denied API call could have touched, to compare before and after."""
    return {
        "api_keys": list(
            ApiKey.objects.order_by("pk").values_list(
                "pk",
                "account_id",
                "name",
                "key_id",
                "key_hash",
                "created_by_id",
                "last_used_at",
                "revoked_at",
                "revoked_by_id",
                "updated_at",
            )
        ),
        "jobs": list(
            Job.objects.order_by("pk").values_list(
                "pk",
                "account_id",
                "state",
                "attempts",
                "last_error",
                "finished_at",
                "enqueued_at",
                "updated_at",
            )
        ),
    }
