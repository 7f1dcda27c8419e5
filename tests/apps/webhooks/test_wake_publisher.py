"""The wake-up's publisher thread: a commit only asks; the thread publishes one
``webhooks.fan_out`` message for all the asks since its last publish, starts again in a
forked child, logs a failed publish (the sweeper's pass still delivers), and never holds
up the commit's caller."""

import logging
import os
import threading
import time

import pytest

from apps.webhooks.models import Delivery
from apps.webhooks.services import events_fan_out
from apps.webhooks.services.wake import WakePublisher, in_background, publisher
from apps.webhooks.tasks import events_fan_out_task
from tests.apps.webhooks.conftest import change
from tests.worker import purge_broker

URL = "https://receiver.example.com/hooks"


class Gate:
    """A publish that waits for ``open`` (when shut) and counts its calls."""

    def __init__(self, *, shut: bool = False, fail: bool = False) -> None:
        self.calls = 0
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.fail = fail
        if not shut:
            self.opened.set()

    def __call__(self, *args, **kwargs) -> None:
        self.calls += 1
        self.entered.set()
        assert self.opened.wait(10)
        if self.fail:
            raise ConnectionError("broker down")


def test_asks_while_a_publish_is_under_way_share_the_next_one():
    gate = Gate(shut=True)
    pub = WakePublisher(gate, lambda: 0.0)
    pub.ask()
    assert gate.entered.wait(5)
    for _ in range(5):
        pub.ask()
    gate.opened.set()

    assert pub.wait_idle(5)
    assert gate.calls == 2
    assert (pub.asked, pub.published) == (6, 2)


def test_the_interval_after_a_publish_gathers_the_asks_made_during_it():
    gate = Gate()
    pub = WakePublisher(gate, lambda: 0.3)
    pub.ask()
    assert gate.entered.wait(5)
    for _ in range(4):
        pub.ask()
    assert pub.wait_idle(5)
    assert gate.calls == 2


def test_an_ask_does_not_wait_for_the_publish():
    gate = Gate(shut=True)
    pub = WakePublisher(gate, lambda: 0.0)
    started = time.perf_counter()
    for _ in range(3):
        pub.ask()
    asked_in = time.perf_counter() - started
    assert gate.entered.wait(5)
    assert asked_in < 0.1
    assert not pub.wait_idle(0.05)  # the publish is still blocked, the asks are back
    gate.opened.set()
    assert pub.wait_idle(5)


def test_a_process_not_the_one_that_started_the_thread_starts_its_own():
    gate = Gate()
    pub = WakePublisher(gate, lambda: 0.0)
    pub.ask()
    assert pub.wait_idle(5)
    first = pub._thread
    pub._pid = -1  # as if forked where the at-fork hook did not run
    pub.ask()
    assert pub.wait_idle(5)
    assert pub._thread is not first and pub._thread.is_alive()
    first.join(5)
    assert not first.is_alive()  # the old thread left; only the new one published
    assert (gate.calls, pub.published) == (2, 1)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_publishes_from_a_thread_of_its_own():
    read_end, write_end = os.pipe()

    def publish() -> None:
        os.write(write_end, str(os.getpid()).encode() + b"\n")

    pub = WakePublisher(publish, lambda: 0.0)
    pub.ask()
    assert pub.wait_idle(5)
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        try:
            pub.ask()
            os._exit(0 if pub.wait_idle(5) and pub._thread.is_alive() else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    os.close(write_end)
    with os.fdopen(read_end) as published:
        pids = [int(line) for line in published.read().split()]
    assert os.waitstatus_to_exitcode(status) == 0
    assert pids == [os.getpid(), child]


def test_a_failing_publish_is_logged_and_the_next_ask_publishes_again(caplog):
    gate = Gate(fail=True)
    pub = WakePublisher(gate, lambda: 0.0)
    with caplog.at_level(logging.WARNING, logger="apps.webhooks.services.wake"):
        pub.ask()
        assert pub.wait_idle(5)
    assert "the sweeper will" in caplog.text
    gate.fail = False
    pub.ask()
    assert pub.wait_idle(5)
    assert (gate.calls, pub.published) == (2, 1)


def test_off_in_the_test_settings_and_where_celery_is_eager(settings):
    assert not in_background()
    settings.WEBHOOK_WAKE_IN_BACKGROUND = True
    assert in_background()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert not in_background()


@pytest.mark.django_db
def test_a_commit_asks_the_thread_and_the_sweeper_delivers_when_the_publish_fails(
    subscribed, account, settings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_WAKE_IN_BACKGROUND = True
    settings.WEBHOOK_WAKE_INTERVAL = 0.0
    gate = Gate(shut=True, fail=True)
    monkeypatch.setattr(events_fan_out_task, "apply_async", gate)
    subscribed(URL)
    purge_broker()

    started = time.perf_counter()
    with (
        caplog.at_level(logging.WARNING, logger="apps.webhooks.services.wake"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        change(account)
    committed_in = time.perf_counter() - started
    assert gate.entered.wait(5)  # the thread is publishing, blocked; the commit is back
    assert committed_in < 5
    assert not Delivery.objects.exists()
    gate.opened.set()
    assert publisher.wait_idle(5)

    assert "the sweeper will" in caplog.text
    assert events_fan_out() == 1  # the sweeper's pass
    assert Delivery.objects.count() == 1
    purge_broker()
