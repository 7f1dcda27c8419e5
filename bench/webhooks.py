"""Webhook delivery through a real worker: throughput, latency, memory, and what the
fan-out adds to the API write that produced the event.

One account ("subscribed") has three apps installed, each subscribed to
``crm.account.created`` at a receiver on loopback (``bench/webhook_receiver.py``, a
process of its own that verifies the ``v1`` signature with the ``standardwebhooks``
package and the ``v1a`` one with ed25519, and notes each delivery's arrival); a fourth
app, granted ``crm.accounts:full`` and subscribed to nothing, is installed there and on
a second account ("quiet") that has no subscription. Every change is that app's
``POST /api/v1/crm/account/`` with its token, made in this process through Django's test
client (DEBUG off, kept connections), the module write path as the API runs it. One
``celery -A marketplace worker --pool=solo`` (as ``tests/worker.py`` starts it) fans
out and delivers, against the same database and broker, with loopback allowed by
``OUTBOUND_ALLOWED_NETWORKS``. Three phases, with the worker running throughout:

1. **The write's cost** (``--rounds``): interleaved round by round, the create on the
   subscribed account (its event fanned out to three subscriptions) with the wake-up
   published in the request and by the process's publisher thread, on the quiet account
   (no subscription), and on the quiet account with no wake-up listener at all (what
   the check of the account's subscriptions adds to a write nobody subscribed to);
   medians of the request's wall time and of the process's CPU time
   (``time.process_time``, counted until the thread has published), and the ratios;
   once one write at a time, once ``--block`` writes back to back (which the thread's
   publishes serve together). Target: with / without subscriptions at most 1.1x.
2. **A burst** (``--changes``, 10,000): the changes on the subscribed account one after
   another as fast as this one writer goes; deliveries a second from the first commit to
   the last arrival, latency from each change's commit (the on-commit wake-up, stamped)
   to each delivery's arrival, p50 and p99 (queueing included: the writer outruns one
   worker), the worker's CPU time per delivery, and its memory (``VmRSS`` and the peak,
   ``VmHWM``, of its process) when the deliveries of a quarter, half and all of the
   changes have arrived.
3. **Steady** (``--steady`` changes at ``--rate`` a second, below what the worker
   sustains): latency p50 and p99 without a backlog.

Every delivery must arrive once, verified, and be recorded as succeeded on its first
attempt; the script says so or stops.

    .venv/bin/python bench/webhooks.py [--changes N] [--rounds R] [--steady S] [--rate C]

Runs with the test settings on a throwaway SQLite database under var/ with the
filesystem broker, or on PostgreSQL with ``DATABASE_URL`` set (``test_<name>`` is
created and dropped) and Redis with ``REDIS_URL`` set: the figures in
``docs/performance.md`` are PostgreSQL and Redis. ``--changes 300 --rounds 50 --steady 30``
is a quick check; ``--changes 0 --steady 0`` runs the write's cost alone.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
os.environ.setdefault("TEST_SQLITE_PATH", str(Path("var/bench-webhooks.sqlite3").resolve()))
os.environ.setdefault("CELERY_FILESYSTEM_DIR", str(Path("var/bench-webhooks-broker").resolve()))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)

from apps.accounts.models import Account, Membership, User  # noqa: E402
from apps.modules.events import Written, events_listener_set  # noqa: E402
from apps.webhooks.models import Delivery  # noqa: E402
from apps.webhooks.services import signing_secret_current, wake  # noqa: E402
from apps.webhooks.services.fanout import fan_out_wake_for  # noqa: E402
from apps.webhooks.signing import platform_public_key  # noqa: E402
from bench.webhook_receiver import ReceiverProcess  # noqa: E402
from tests.factories.catalog import make_app, make_version  # noqa: E402
from tests.factories.installations import issue_token, make_installation  # noqa: E402
from tests.worker import CeleryProcess, purge_broker  # noqa: E402

SUBSCRIPTIONS = 3
EVENT = "crm.account.created"
WRITER_SCOPES = [{"code": "crm.accounts", "level": "full", "reason": "Adds customers."}]
READER_SCOPES = [{"code": "crm.accounts", "level": "read", "reason": "Mirrors customers."}]


def build(url: str) -> tuple[str, str, dict[int, str]]:
    """The two accounts, the writing app on both, three subscribed apps on the first;
    returns the writer's token on each and each subscribed installation's secret."""
    developer = Account.objects.create(slug="bench-dev", name="Bench Developer")
    tokens, secrets = [], {}
    writer = make_app(account=developer, name="Bench Writer")
    writer_version = make_version(app=writer, status="published", scopes=WRITER_SCOPES, webhooks=[])
    for slug in ("subscribed", "quiet"):
        account = Account.objects.create(slug=f"bench-{slug}", name=f"Bench {slug}")
        admin = User.objects.create_user(f"admin@{slug}.bench.test", "x")
        Membership.objects.create(user=admin, account=account, is_admin=True)
        installation = make_installation(account=account, version=writer_version, by_user=admin)
        tokens.append(issue_token(installation=installation, user=admin))
        if slug != "subscribed":
            continue
        for n in range(SUBSCRIPTIONS):
            app = make_app(account=developer, name=f"Bench Reader {n}")
            hooks = [{"id": "customers", "event": EVENT, "url": url}]
            version = make_version(
                app=app, status="published", scopes=READER_SCOPES, webhooks=hooks
            )
            installed = make_installation(account=account, version=version, by_user=admin)
            secrets[installed.pk] = signing_secret_current(app_id=app.pk)
    return tokens[0], tokens[1], secrets


class Writer:
    """``POST /api/v1/crm/account/`` with an app token; notes each change's commit time
    (the moment the on-commit wake-up runs) by the record's id."""

    def __init__(self) -> None:
        self.client = Client()
        self.names = count()
        self.committed = 0.0
        self.commits: dict[int, float] = {}

    def stamped_wake(self, written: Written) -> None:
        self.committed = time.monotonic()
        fan_out_wake_for(written)

    def post(self, token: str, listener: Callable[[Written], None] | None) -> int:
        events_listener_set(listener)
        try:
            response = self.client.post(
                "/api/v1/crm/account/",
                {"name": f"Customer {next(self.names)}"},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
        finally:
            events_listener_set(fan_out_wake_for)
        assert response.status_code == 201, response.content[:500]
        return response.json()["id"]

    def create(self, token: str, *, wake: bool = True, background: bool = True):
        """A create, with the webhooks' wake-up (installed at start-up) or without, the
        wake-up published by the process's publisher thread or in the request."""

        def run() -> int:
            settings.WEBHOOK_WAKE_IN_BACKGROUND = background
            return self.post(token, fan_out_wake_for if wake else None)

        return run

    def change(self, token: str) -> Callable[[], int]:
        """A create whose commit time is kept (for latency)."""

        def run() -> int:
            record_id = self.post(token, self.stamped_wake)
            self.commits[record_id] = self.committed
            return record_id

        return run


def proc_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a live process, kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found["VmRSS"], found["VmHWM"]


def proc_cpu(pid: int) -> float:
    """User plus system CPU seconds of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_arrived(receiver: ReceiverProcess, total: int, worker: CeleryProcess, timeout: float):
    deadline = time.monotonic() + timeout
    while receiver.count() < total:
        if time.monotonic() > deadline or worker.proc.poll() is not None:
            raise SystemExit(
                f"{receiver.count()} of {total} deliveries arrived.\n{worker.output()[-3000:]}"
            )
        time.sleep(0.02)


def timed(
    steps: dict[str, Callable[[], int]], rounds: int, block: int
) -> dict[str, tuple[float, float]]:
    """Median wall time of each step's request (ms) and median process CPU time a step
    (ms, ``time.process_time``: every thread's, the wake-up publisher's included, counted
    until it has published what the step asked), interleaved round by round; each round
    runs ``block`` of a step back to back, then the next step's."""
    for step in steps.values():
        for _ in range(20):
            step()
        wake.publisher.wait_idle(30)
    wall: dict[str, list[float]] = {label: [] for label in steps}
    cpu: dict[str, list[float]] = {label: [] for label in steps}
    for _ in range(rounds):
        for label, step in steps.items():
            started_cpu = time.process_time()
            for _ in range(block):
                started = time.perf_counter()
                step()
                wall[label].append((time.perf_counter() - started) * 1000)
            wake.publisher.wait_idle(30)
            cpu[label].append((time.process_time() - started_cpu) * 1000 / block)
    return {
        label: (statistics.median(wall[label]), statistics.median(cpu[label])) for label in steps
    }


def percentiles(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return (
        f"p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms, "
        f"max {max(values) * 1000:.0f} ms"
    )


def latencies(arrivals: list[tuple[float, int, int]], commits: dict[int, float]) -> list[float]:
    return [at - commits[record] for at, record, _ in arrivals if record in commits]


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def phase_cost(writer: Writer, subscribed: str, quiet: str, rounds: int, block: int) -> int:
    """Once with one write at a time (each write's wake-up published alone), once with
    ``block`` writes back to back (what the publisher thread coalesces)."""
    steps = {
        "3 subscriptions, in request": writer.create(subscribed, background=False),
        "3 subscriptions, thread": writer.create(subscribed),
        "no subscription": writer.create(quiet),
        "no listener": writer.create(quiet, wake=False),
    }
    subscribed_writes = 0
    for size in (1, block):
        passes = max(1, rounds // size)
        print(f"1. the write's cost: {passes} interleaved rounds of {size} ({load()})")
        published = wake.publisher.published
        result = timed(steps, passes, size)
        subscribed_writes += 2 * (20 + passes * size)
        print(f"  {'create, measure':<30} {'wall':>9} {'CPU':>9}")
        for name, (wall, cpu) in result.items():
            print(f"  {name:<30} {wall:>7.3f}ms {cpu:>7.3f}ms")

        def ratio(a: str, b: str, result=result) -> str:
            (wa, ca), (wb, cb) = result[a], result[b]
            return f"{wa / wb:.2f}x wall, {ca / cb:.2f}x CPU"

        for name in ("3 subscriptions, in request", "3 subscriptions, thread"):
            print(f"  {name} / no subscription: {ratio(name, 'no subscription')} (target <= 1.10)")
        print(f"  no subscription / no listener: {ratio('no subscription', 'no listener')}")
        print(
            f"  the thread published {wake.publisher.published - published} wake-ups for "
            f"{20 + passes * size} writes ({load()})"
        )
    return subscribed_writes * SUBSCRIPTIONS


class Sampler(threading.Thread):
    """Reads the worker's memory when the deliveries of each mark's changes have
    arrived."""

    def __init__(self, receiver: ReceiverProcess, pid: int, base: int, marks: list[int]):
        super().__init__(daemon=True)
        self.receiver, self.pid, self.base, self.marks = receiver, pid, base, list(marks)
        self.samples: list[tuple[int, int, int]] = []

    def run(self) -> None:
        while self.marks:
            if self.receiver.count() - self.base >= self.marks[0] * SUBSCRIPTIONS:
                self.samples.append((self.marks.pop(0), *proc_kib(self.pid)))
            time.sleep(0.01)


def phase_burst(writer, token, changes, receiver, worker, base) -> tuple[int, list[float]]:
    print(f"2. a burst of {changes:,} changes x {SUBSCRIPTIONS} subscriptions ({load()})")
    pid = worker.proc.pid
    rss, hwm = proc_kib(pid)
    print(f"  worker before: VmRSS {rss / 1024:.1f} MiB, VmHWM {hwm / 1024:.1f} MiB")
    sampler = Sampler(receiver, pid, base, [changes // 4, changes // 2, changes])
    sampler.start()
    cpu_before = proc_cpu(pid)
    change = writer.change(token)
    started = time.monotonic()
    for _ in range(changes):
        change()
    written = time.monotonic()
    total = base + changes * SUBSCRIPTIONS
    wait_arrived(receiver, total, worker, timeout=max(600.0, changes * 0.5))
    cpu_used = proc_cpu(pid) - cpu_before
    sampler.join(timeout=5)
    arrivals = [a for a in receiver.dump()["records"] if a[1] in writer.commits]
    first_commit = min(writer.commits.values())
    last = max(at for at, _, _ in arrivals)
    deliveries = changes * SUBSCRIPTIONS
    print(
        f"  writes: {changes / (written - started):.0f} a second ({written - started:.1f} s); "
        f"deliveries: {deliveries / (last - first_commit):.0f} a second "
        f"({deliveries:,} in {last - first_commit:.1f} s from the first commit)"
    )
    print(f"  latency, commit to arrival: {percentiles(latencies(arrivals, writer.commits))}")
    print(
        f"  worker CPU: {cpu_used:.1f} s, {cpu_used / deliveries * 1000:.2f} ms a delivery "
        "(its fan-out included)"
    )
    for mark, rss, hwm in sampler.samples:
        print(
            f"  worker after {mark:>6,} changes: VmRSS {rss / 1024:.1f} MiB, "
            f"VmHWM {hwm / 1024:.1f} MiB"
        )
    print(f"  ({load()})")
    return total, [at for at, _, _ in arrivals]


def phase_steady(writer, token, changes, rate, receiver, worker, base) -> int:
    print(f"3. steady: {changes} changes at {rate:g} a second ({load()})")
    writer.commits.clear()
    change = writer.change(token)
    started = time.monotonic()
    for n in range(changes):
        pause = started + n / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        change()
    total = base + changes * SUBSCRIPTIONS
    wait_arrived(receiver, total, worker, timeout=600.0)
    arrivals = receiver.dump()["records"]
    print(f"  latency, commit to arrival: {percentiles(latencies(arrivals, writer.commits))}")
    print(f"  ({load()})")
    return total


def check(receiver: ReceiverProcess, expected: int) -> None:
    seen = receiver.dump()
    statuses = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")))
    retried = Delivery.objects.exclude(attempts=1).count()
    print(
        f"checked: {len(seen['records']):,} deliveries arrived of {expected:,} expected, "
        f"{seen['duplicates']} twice; signatures not verified: v1 {seen['bad_v1']}, "
        f"v1a {seen['bad_v1a']}; rows {statuses}, {retried} not on the first attempt"
    )
    ok = (
        len(seen["records"]) == expected
        and not (seen["bad_v1"] or seen["bad_v1a"] or retried)
        and statuses == {"succeeded": expected}
    )
    if not ok:
        raise SystemExit("The deliveries are not all there, verified and succeeded.")


def run(args, receiver: ReceiverProcess) -> None:
    subscribed, quiet, secrets = build(receiver.url)
    receiver.keys(secrets, platform_public_key())
    print(
        f"database: {connection.vendor}; broker: {settings.CELERY_BROKER_URL.split(':')[0]}; "
        f"DEBUG off; {SUBSCRIPTIONS} subscriptions on the subscribed account; {load()}"
    )
    purge_broker()
    worker = CeleryProcess("worker", extra_env={"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8"})
    worker.wait_ready()
    try:
        writer = Writer()
        expected = phase_cost(writer, subscribed, quiet, args.rounds, args.block)
        wait_arrived(receiver, expected, worker, timeout=600.0)
        if args.changes:
            expected, _ = phase_burst(writer, subscribed, args.changes, receiver, worker, expected)
        if args.steady:
            expected = phase_steady(
                writer, subscribed, args.steady, args.rate, receiver, worker, expected
            )
    finally:
        worker.stop()
    check(receiver, expected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10_000, help="changes in the burst")
    parser.add_argument("--rounds", type=int, default=300, help="rounds of the write's cost")
    parser.add_argument("--block", type=int, default=10, help="writes back to back, cost")
    parser.add_argument("--steady", type=int, default=100, help="changes at the steady rate")
    parser.add_argument("--rate", type=float, default=2.0, help="steady changes a second")
    args = parser.parse_args()

    receiver = ReceiverProcess()  # forked before any database connection is opened
    setup_test_environment()
    settings.DEBUG = False
    connection.settings_dict["CONN_MAX_AGE"] = None  # kept connections, as in production
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    unlimited = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "principal": "1000000000/day",
        },
    }
    try:
        with override_settings(
            DEBUG=False, REST_FRAMEWORK=unlimited, WEBHOOK_WAKE_IN_BACKGROUND=True
        ):
            run(args, receiver)
    finally:
        receiver.stop()
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
