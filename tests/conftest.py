"""Personas shared by every test: the people the access matrix is about.

- ``account``: the tenant most tests act in; ``other_account``: someone else's tenant.
- ``admin``: an account admin of ``account``; ``member``: a member without admin or
  developer rights; ``developer``: a member with the developer right; ``outsider``: an
  admin of ``other_account`` only; ``moderator``: platform staff with the moderation
  permission; ``staff``: a superuser.
"""

import os
import shutil
import tempfile

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from hypothesis import settings as hypothesis_settings

from tests.factories import AccountFactory, MembershipFactory, RoleFactory, UserFactory
from tests.factories.accounts import PASSWORD
from tests.pg_flush import empty_tables_by_delete

empty_tables_by_delete()

# Property tests draw the same examples on every run, so a suite that passed once passes
# again; HYPOTHESIS_PROFILE=explore draws new random examples each run and keeps failing
# ones in .hypothesis/.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
hypothesis_settings.register_profile("explore")
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The demo data writes the Example Connector's credentials where the connector reads them;
# a test run must never overwrite a developer's own var/example-app.json.
os.environ.setdefault(
    "CONNECTOR_CONFIG",
    os.path.join(tempfile.gettempdir(), f"marketplace-tests-{os.getpid()}", "example-app.json"),
)
# And the example provider's configuration (demo_connections).
os.environ.setdefault(
    "PROVIDER_CONFIG",
    os.path.join(
        tempfile.gettempdir(), f"marketplace-tests-{os.getpid()}", "example-provider.json"
    ),
)
# And Notes Sync's backend's client (demo_connections).
os.environ.setdefault(
    "NOTES_BACKEND_CONFIG",
    os.path.join(tempfile.gettempdir(), f"marketplace-tests-{os.getpid()}", "notes-sync.json"),
)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters live in the cache, which outlives a test: start each one clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def account(db):
    return AccountFactory(slug="acme", name="Acme Corp")


@pytest.fixture
def other_account(db):
    return AccountFactory(slug="globex", name="Globex")


@pytest.fixture
def sales_role(account):
    return RoleFactory(account=account, name="Sales", rights={"crm": "full", "task": "read"})


@pytest.fixture
def admin(account):
    return MembershipFactory(
        account=account, user=UserFactory(email="admin@acme.test"), is_admin=True
    ).user


@pytest.fixture
def member(account, sales_role):
    return MembershipFactory(
        account=account, user=UserFactory(email="member@acme.test"), role=sales_role
    ).user


@pytest.fixture
def developer(account):
    return MembershipFactory(
        account=account, user=UserFactory(email="dev@acme.test"), is_developer=True
    ).user


@pytest.fixture
def outsider(other_account):
    return MembershipFactory(
        account=other_account, user=UserFactory(email="admin@globex.test"), is_admin=True
    ).user


@pytest.fixture
def moderator(db):
    user = UserFactory(email="moderator@platform.test", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="moderate_apps"))
    return user


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@platform.test", is_staff=True, is_superuser=True)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client signed in as ``user`` (anonymous for None)."""

    def make(user=None) -> Client:
        return login(user) if user is not None else Client()

    return make


@pytest.fixture
def celery_processes(transactional_db):
    """Start real Celery workers or beat: ``start("worker")``; all are stopped at the end."""
    from tests.worker import CeleryProcess, purge_broker

    purge_broker()
    started: list[CeleryProcess] = []

    def start(role: str = "worker", **kwargs) -> CeleryProcess:
        process = CeleryProcess(role, **kwargs).wait_ready()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from tests.e2e.conftest import CHROMIUM, SKIP_REASON

    if not CHROMIUM and any(
        "tests/e2e/" in str(getattr(report, "fspath", "") or report.nodeid)
        for report in terminalreporter.stats.get("skipped", [])
    ):
        terminalreporter.write_line(SKIP_REASON, yellow=True, bold=True)


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's own database file and broker folders (see the test settings)."""
    from django.conf import settings

    run_dir = getattr(settings, "TEST_RUN_DIR", None)
    if run_dir is not None and run_dir.is_dir():
        shutil.rmtree(run_dir, ignore_errors=True)
