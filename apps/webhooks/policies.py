"""The pure rules of delivery: which answers succeed, which are retried, and when the
next attempt is due. No ORM, no clock of their own (``now`` and ``rand`` are passed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

from apps.core.errors import OutboundFailure


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    RETRY = "retry"
    FAILED = "failed"


# Answers that say "not now" rather than "never": the receiver is overloaded, down or
# slow. Any other 4xx (and a 3xx: redirects are not followed) is final.
RETRYABLE_STATUSES = frozenset({408, 429})

# Failures of the call itself that are final: the URL or its address will not change by
# waiting. Timeouts, refused connections and unresolvable names are retried.
FINAL_FAILURES = frozenset({OutboundFailure.BLOCKED_ADDRESS, OutboundFailure.INVALID_URL})


def attempt_outcome(*, status: int | None, failure: str | None = None) -> Outcome:
    """What an attempt's answer means: 2xx succeeded; 408, 429 and 5xx retried; other
    statuses final. Without an answer (``status`` None), a refused address or a bad URL is
    final and any other failure (connection, timeout) is retried."""
    if status is None:
        return Outcome.FAILED if failure in FINAL_FAILURES else Outcome.RETRY
    if 200 <= status < 300:
        return Outcome.SUCCEEDED
    if status in RETRYABLE_STATUSES or status >= 500:
        return Outcome.RETRY
    return Outcome.FAILED


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """A ``Retry-After`` header as seconds from ``now`` (delta-seconds or an HTTP date);
    ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def retry_delay(
    *,
    attempts: int,
    schedule: Sequence[float],
    jitter: float,
    rand: Callable[[], float],
    retry_after: float | None = None,
    max_retry_after: float = 86400.0,
) -> float | None:
    """Seconds to wait after the ``attempts``-th failed attempt, or ``None`` when it was
    the last (``schedule`` holds one delay per retry).

    The scheduled delay is spread by ``jitter`` either way (0.1: ±10 %, ``rand`` in
    [0, 1)), so receivers that failed together are not retried together; a
    ``Retry-After`` longer than that is honoured, up to ``max_retry_after``."""
    if attempts < 1 or attempts > len(schedule):
        return None
    delay = schedule[attempts - 1] * (1 + jitter * (2 * rand() - 1))
    if retry_after is not None:
        delay = max(delay, min(retry_after, max_retry_after))
    return max(0.0, delay)


class HealthState(StrEnum):
    HEALTHY = "healthy"
    AT_RISK = "at_risk"
    DISABLED = "disabled"


def subscription_health_state(
    *,
    state: str,
    failing_since: datetime | None,
    now: datetime,
    at_risk_after: timedelta,
    disable_after: timedelta,
) -> HealthState:
    """What a subscription's health is at ``now``: disabled stays disabled (only a person
    enables it again); with no failure since the last success it is healthy; failing for
    ``disable_after`` (5 days) with no success it is disabled, for ``at_risk_after``
    (24 hours) at risk."""
    if state == HealthState.DISABLED:
        return HealthState.DISABLED
    if failing_since is None:
        return HealthState.HEALTHY
    failing = now - failing_since
    if failing >= disable_after:
        return HealthState.DISABLED
    if failing >= at_risk_after:
        return HealthState.AT_RISK
    return HealthState.HEALTHY


def health_notifies(*, old: str, new: str) -> bool:
    """Whether moving from ``old`` to ``new`` tells the developer account's members by
    e-mail: becoming at risk, and becoming disabled (once each, not on every failure)."""
    return old != new and new in (HealthState.AT_RISK, HealthState.DISABLED)
