"""/healthz (the process is up) and /readyz (the database and the broker answer)."""

import pytest
from django.db import OperationalError

from marketplace.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200


def test_readyz_when_everything_answers(client):
    transport = celery_app.conf.broker_url.split("://", 1)[0]  # filesystem unless REDIS_URL

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": {"ok": True}, "broker": {"ok": True, "transport": transport}},
    }
    assert "no-cache" in response["Cache-Control"]


def test_readyz_with_the_broker_down_is_503_naming_the_broker(client, monkeypatch, caplog):
    broker_url = celery_app.conf.broker_url
    with monkeypatch.context() as patch:
        patch.delenv("CELERY_BROKER_URL", raising=False)
        patch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
        patch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
        patch.setattr("apps.core.health.BROKER_TIMEOUT_SECONDS", 0.5)

        response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"].startswith("broker unreachable: ")
    assert "Readiness check failed" in caplog.text
    # The patch is undone: the real broker answers again.
    assert celery_app.conf.broker_url == broker_url
    assert client.get("/readyz").status_code == 200


def test_readyz_with_the_database_down_is_503_naming_the_database(client, monkeypatch):
    class DeadConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr("apps.core.health.connection", DeadConnection())

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "database unreachable: OperationalError: connection refused",
    }
    assert body["checks"]["broker"]["ok"] is True


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_probes_accept_only_get_and_head(client, path, method):
    response = getattr(client, method)(path)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_head_for_load_balancers(db, client, path):
    assert client.head(path).status_code == 200
