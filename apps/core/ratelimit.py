"""Rate limits counted atomically in the cache that every web process shares.

A limit is N requests per period (DRF's rate syntax, ``1200/min``), counted over a
sliding window cut in ``BUCKETS`` slices: a request is counted in the slice of the
moment it arrives (one cache key per client and slice, which expires once the window
has slid past it), and it is allowed while the slices of the last period hold fewer than
N allowed requests. So a client never gets more than N through in any window of the
last ``BUCKETS`` slices, and the limit frees up slice by slice instead of all at once at
the turn of a fixed minute.

The count is one atomic increment of the current slice (``cache.add`` and
``cache.incr``: Redis ``SET NX`` and ``INCR``, Memcached ``add`` and ``incr``, a lock in
process memory). Each increment returns a number no other request got, so of any
number of simultaneous requests exactly the ones that fit are allowed, whichever web
process or thread serves them. A refused request takes its increment back, so it does
not count: a client that keeps calling while refused gets in again as soon as its
earlier requests leave the window. Reads and writes by get-then-set (DRF's
``SimpleRateThrottle``, file and database caches) are not atomic and let concurrent
requests through beyond the limit.
"""

from __future__ import annotations

import contextlib
import math
import time
from typing import Any, NamedTuple

from django.core.cache import cache as default_cache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

BUCKETS = 6


class RateDecision(NamedTuple):
    """One request counted (or refused) by ``rate_limit_count``. A named tuple: one is
    made for every API request, and a tuple is made in a fraction of a dataclass's time."""

    allowed: bool
    # Seconds until one more request would be allowed (0 when this one was): at most
    # one period, and more than 0 when refused.
    wait: float
    # The cache key of the slice an allowed request was counted in ("" when refused), for
    # ``rate_limit_uncount``.
    counted_in: str = ""


def _now() -> float:
    return time.time()


def _count_in(cache: Any, key: str, timeout: int) -> int:
    """Add one to ``key`` atomically, creating it with ``timeout`` when missing."""
    for _ in range(3):
        try:
            return int(cache.incr(key))
        except ValueError:  # missing: expired, evicted or never written
            pass
        if cache.add(key, 1, timeout):
            return 1
        # Another request created it between the two calls: increment theirs.
    # Evicted again at each attempt (a cache far too small): count this request alone.
    return 1


def rate_limit_count(*, key: str, limit: int, period: float, cache: Any = None) -> RateDecision:
    """Count one request of the client ``key`` against ``limit`` requests per ``period``
    seconds and say whether it is allowed.

    Guarantees: over the ``BUCKETS`` slices of a period up to now, at most ``limit``
    requests of ``key`` are allowed, however many arrive at once in however many
    processes (the cache's ``incr`` is atomic). A refused request is not counted. The
    ``wait`` of a refused request is when the oldest slices leave the window so that one
    more fits, never more than ``period``.
    """
    cache = default_cache if cache is None else cache
    if limit <= 0:
        return RateDecision(allowed=False, wait=float(period))
    now = _now()
    slice_length = period / BUCKETS
    current = int(now // slice_length)
    current_key = f"{key}:{current}"
    # A slice is read for one period after it begins; the margin covers web servers
    # whose clocks differ by up to a slice.
    count = _count_in(cache, current_key, math.ceil(period + slice_length) + 1)
    earlier_keys = [f"{key}:{index}" for index in range(current - BUCKETS + 1, current)]
    earlier = cache.get_many(earlier_keys)
    if count + sum(int(n or 0) for n in earlier.values()) <= limit:
        return RateDecision(True, 0.0, current_key)

    counts = {
        current - BUCKETS + 1 + offset: int(earlier.get(earlier_key) or 0)
        for offset, earlier_key in enumerate(earlier_keys)
    }
    with contextlib.suppress(ValueError):  # the slice expired meanwhile: nothing to undo
        cache.decr(current_key)
    counts[current] = count - 1

    def fits_after(step: int) -> bool:
        oldest = current + step - BUCKETS + 1
        return sum(n for index, n in counts.items() if index >= oldest) + 1 <= limit

    # The first slice boundary after which the slices still in the window leave room for
    # one more request; at the latest when the current slice leaves, one period on.
    step = next((s for s in range(1, BUCKETS) if fits_after(s)), BUCKETS)
    return RateDecision(allowed=False, wait=(current + step) * slice_length - now)


def rate_limit_uncount(decision: RateDecision, *, cache: Any = None) -> None:
    """Take back the request an allowed ``decision`` counted, for limits that count only
    some outcomes (e.g. failed client authentication: counted before the check, so
    concurrent attempts never exceed the limit, and taken back when it succeeds).
    Nothing happens for a refused decision or a slice that has expired meanwhile."""
    if not decision.allowed or not decision.counted_in:
        return
    cache = default_cache if cache is None else cache
    with contextlib.suppress(ValueError):
        cache.decr(decision.counted_in)


class SharedRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle counted with ``rate_limit_count`` instead of DRF's timestamp
    list, which is read, changed and written back without atomicity.

    Subclasses name a ``scope`` (its rate is read from ``DEFAULT_THROTTLE_RATES`` when the
    throttle is made, so a changed setting applies at once) and say who a request is in
    ``get_cache_key``, or call ``allow_ident`` for a client known before authentication.
    """

    cache = default_cache

    def get_rate(self) -> str | None:
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        return self._count(self.key)

    def allow_ident(self, ident: str) -> bool:
        """Count one request of ``ident`` in this throttle's scope; ``wait`` then says how
        long a refused client should wait."""
        if self.rate is None:
            return True
        self.key = self.cache_format % {"scope": self.scope, "ident": ident}
        return self._count(self.key)

    def _count(self, key: str) -> bool:
        decision = rate_limit_count(
            key=key, limit=self.num_requests, period=self.duration, cache=self.cache
        )
        self.decision = decision
        return decision.allowed

    def wait(self) -> float | None:
        decision: RateDecision | None = getattr(self, "decision", None)
        return None if decision is None or decision.allowed else decision.wait
