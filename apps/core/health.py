"""Liveness and readiness probes for load balancers and orchestrators."""

import logging
import os
from pathlib import Path
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0


@never_cache
@require_safe
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
    """Reach the broker the way a worker would: Redis answers PING, the filesystem
    transport's queue folder exists and is writable, anything else connects."""
    from celery import current_app as app

    url = app.conf.broker_url or ""
    transport = url.split("://", 1)[0]
    try:
        if transport in ("redis", "rediss"):
            import redis

            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
                socket_timeout=BROKER_TIMEOUT_SECONDS,
            )
            try:
                client.ping()
            finally:
                client.close()
        elif transport == "filesystem":
            options = app.conf.broker_transport_options or {}
            folder = Path(options.get("data_folder_in", ""))
            if not folder.is_dir() or not os.access(folder, os.W_OK):
                raise OSError(f"queue folder {folder} is missing or not writable")
        else:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:
        return {
            "ok": False,
            "transport": transport,
            "error": f"broker unreachable: {type(exc).__name__}: {exc}",
        }
    return {"ok": True, "transport": transport}


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, else 503 naming what failed."""
    checks = {"database": check_database(), "broker": check_broker()}
    ready = all(check["ok"] for check in checks.values())
    if not ready:
        logger.warning("Readiness check failed: %s", checks)
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
