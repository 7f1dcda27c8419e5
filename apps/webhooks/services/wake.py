"""The fan-out's wake-up, published off the request: after a commit that wrote events a
subscription wants, the writer only asks (a counter under a lock, microseconds); a daemon
thread of the process, started at the first ask and again in a forked child, publishes
one ``webhooks.fan_out`` message for every ask since its last publish. The fan-out takes
every waiting event, so one message serves all the commits before it; after a publish the
thread waits ``WEBHOOK_WAKE_INTERVAL`` (0.05 s) so a busy process sends at most one a
interval. A failed publish is logged, not raised; so is a process that dies with an ask
not yet published: the ``webhooks.sweep`` beat (every 10 s) fans out whatever is waiting.

With ``WEBHOOK_WAKE_IN_BACKGROUND`` off (the test settings) or Celery running eagerly the
ask publishes at once, in the caller's thread, as before."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)


class WakePublisher:
    """Coalesces asks into publishes on a daemon thread of its own, one per process."""

    def __init__(self, publish: Callable[[], None], interval: Callable[[], float]) -> None:
        self._publish = publish
        self._interval = interval
        self._reset()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # A fresh lock and no thread: a forked child has neither the parent's thread nor,
        # safely, its lock's state. Asks the parent had not published are the parent's.
        self._cond = threading.Condition()
        self._pid = os.getpid()
        self._thread: threading.Thread | None = None
        self.asked = 0
        self.done = 0
        self.published = 0

    def ask(self) -> None:
        """Have the waiting events fanned out soon. Never blocks on the broker."""
        with self._cond:
            if self._pid != os.getpid():  # forked without the at-fork hook
                self._reset_locked()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="webhooks-wake", daemon=True)
                self._thread.start()
            self.asked += 1
            self._cond.notify_all()

    def _reset_locked(self) -> None:
        self._pid = os.getpid()
        self._thread = None
        self.asked = self.done = self.published = 0

    def _run(self) -> None:
        cond = self._cond
        while True:
            me = threading.current_thread()
            with cond:
                while self.done >= self.asked and self._thread is me:
                    cond.wait()
                if self._thread is not me:
                    return  # replaced (the process forked): the new thread publishes
                covered = self.asked
            try:
                self._publish()
                self.published += 1
            except Exception:
                logger.warning(
                    "Could not wake the webhook fan-out; the sweeper will.", exc_info=True
                )
            with cond:
                self.done = covered
                cond.notify_all()
            pause = self._interval()
            if pause > 0:
                time.sleep(pause)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every ask so far is published (or failed); whether it was in time."""
        with self._cond:
            return self._cond.wait_for(lambda: self.done >= self.asked, timeout)


def _publish() -> None:
    from apps.webhooks.tasks import events_fan_out_task

    events_fan_out_task.apply_async()


def _interval() -> float:
    return float(getattr(settings, "WEBHOOK_WAKE_INTERVAL", 0.05))


publisher = WakePublisher(_publish, _interval)


def in_background() -> bool:
    """Whether the wake-up goes through the publisher's thread (not when Celery is eager)."""
    return bool(getattr(settings, "WEBHOOK_WAKE_IN_BACKGROUND", True)) and not getattr(
        settings, "CELERY_TASK_ALWAYS_EAGER", False
    )
