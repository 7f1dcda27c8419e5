"""Liveness and readiness probes for load balancers and orchestrators."""

import logging
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving. Touches nothing else."""
    return JsonResponse({"status": "ok"})


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": f"database unreachable: {type(exc).__name__}: {exc}"}
    return {"ok": True}


def check_broker() -> dict[str, Any]:
    from marketplace.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
            # The filesystem transport "connects" without touching the disk; listing the
            # queue folder does.
            conn.default_channel.client  # noqa: B018
            conn.default_channel._size("default")
    except Exception as exc:
        return {"ok": False, "error": f"broker unreachable: {type(exc).__name__}: {exc}"}
    return {"ok": True, "transport": app.conf.broker_url.split("://", 1)[0]}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, else 503 naming what failed."""
    checks = {"database": check_database(), "broker": check_broker()}
    ready = all(check["ok"] for check in checks.values())
    if not ready:
        logger.warning("Readiness check failed: %s", checks)
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks},
                        status=200 if ready else 503)
