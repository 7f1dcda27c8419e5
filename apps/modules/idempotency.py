"""``Idempotency-Key`` on creates: a retried ``POST`` gets the first answer again for
``MODULE_IDEMPOTENCY_HOURS`` (24) instead of creating a duplicate.

The remembered answer is written in the transaction of the create, under a unique
constraint on (account, caller, key): of two concurrent requests with one key, the
second waits for the first's transaction and then replays its answer; its own create
is rolled back with its savepoint, events and all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import ValidationFailed
from apps.modules.errors import IdempotencyKeyReused
from apps.modules.models import IdempotentCreate

HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    etag: str
    record_id: int
    replayed: bool = False


def idempotency_key(value: str | None) -> str | None:
    """The header's key, ``None`` without one; refused naming the header unless it is 1
    to 255 visible ASCII characters."""
    if value is None:
        return None
    if not 1 <= len(value) <= 255 or not all(33 <= ord(c) <= 126 for c in value):
        raise ValidationFailed(
            f"{HEADER} must be 1 to 255 visible ASCII characters, e.g. a UUID.",
            fields={HEADER: ["Not a usable key."]},
        )
    return value


def fingerprint(*, path: str, data: Any) -> str:
    canonical = json.dumps({"path": path, "data": data}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _window_start() -> Any:
    return timezone.now() - timedelta(hours=settings.MODULE_IDEMPOTENCY_HOURS)


def _replay(row: IdempotentCreate, print_: str) -> Answer:
    if row.fingerprint != print_:
        raise IdempotencyKeyReused(
            f"This {HEADER} was used for another request (creating {row.model} "
            f"{row.record_id}); use a new key for a new request.",
            fields={HEADER: ["Already used for another request."]},
        )
    return Answer(row.status, row.body, row.etag, row.record_id, replayed=True)


def _stored(*, account_id: int, caller: str, key: str) -> IdempotentCreate | None:
    return IdempotentCreate.objects.filter(account_id=account_id, caller=caller, key=key).first()


def create_once(
    *,
    account_id: int,
    caller: str,
    key: str,
    model: str,
    print_: str,
    create: Callable[[], Answer],
) -> Answer:
    """``create()``'s answer, remembered under ``key``; or the answer remembered for it
    within the window (``IdempotencyKeyReused`` when it was for another request)."""
    row = _stored(account_id=account_id, caller=caller, key=key)
    if row is not None and row.created_at >= _window_start():
        return _replay(row, print_)
    if row is not None:
        IdempotentCreate.objects.filter(pk=row.pk, created_at__lt=_window_start()).delete()
    try:
        with transaction.atomic():
            answer = create()
            IdempotentCreate.objects.create(
                account_id=account_id,
                caller=caller,
                key=key,
                fingerprint=print_,
                model=model,
                record_id=answer.record_id,
                status=answer.status,
                body=answer.body,
                etag=answer.etag,
                created_at=timezone.now(),
            )
    except IntegrityError:
        # Another request with this key committed first: its answer stands, ours is undone.
        row = _stored(account_id=account_id, caller=caller, key=key)
        if row is None:
            raise
        return _replay(row, print_)
    return answer


def idempotency_trim() -> int:
    """Forget the answers older than the window. Idempotent."""
    deleted, _ = IdempotentCreate.objects.filter(created_at__lt=_window_start()).delete()
    return deleted
