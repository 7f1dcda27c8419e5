"""The ``uninstalling`` status has one write path, ``installation_mark_uninstalling``:
a compare-and-set from ``active`` that records the move in the installation's history;
nothing else in the code assigns that status."""

import ast
from pathlib import Path

import pytest

from apps.accounts.actors import actor_for_user
from apps.installations.models import InstallationEvent, InstallationStatus
from apps.installations.services import APP_DELETION_ACTOR, installation_mark_uninstalling
from tests.factories import AccountFactory
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

ROOT = Path(__file__).resolve().parents[3]
OWNER = ROOT / "apps" / "installations" / "services" / "uninstalling.py"
WRITES = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}


def _is_uninstalling(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "UNINSTALLING") or (
        isinstance(node, ast.Constant) and node.value == InstallationStatus.UNINSTALLING.value
    )


def _assigns_uninstalling(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        writes = isinstance(node, ast.Call) and getattr(node.func, "attr", "") in WRITES
        if writes and any(k.arg == "status" and _is_uninstalling(k.value) for k in node.keywords):
            return True
        assigns = isinstance(node, ast.Assign) and _is_uninstalling(node.value)
        if assigns and any(getattr(t, "attr", "") == "status" for t in node.targets):
            return True
    return False


def test_no_other_module_assigns_the_status():
    assigning = [
        str(path.relative_to(ROOT))
        for folder in ("apps", "console")
        for path in (ROOT / folder).rglob("*.py")
        if path != OWNER
        and "migrations" not in path.parts
        and _assigns_uninstalling(ast.parse(path.read_text()))
    ]

    assert assigning == []
    assert _assigns_uninstalling(ast.parse(OWNER.read_text()))


@pytest.fixture
def installation(account, admin, developer_account):
    app = make_app(account=developer_account)
    return make_installation(
        account=account, version=make_version(app=app, status="published"), by_user=admin
    )


@pytest.fixture
def developer_account(db):
    return AccountFactory(slug="developer")


@pytest.mark.django_db
def test_an_active_installation_moves_and_its_history_records_it(installation, admin):
    assert installation_mark_uninstalling(
        installation=installation, actor=actor_for_user(user=admin), detail={"reason": "asked"}
    )

    assert installation.status == InstallationStatus.UNINSTALLING
    assert installation.uninstall_requested_by == admin
    assert installation.uninstall_requested_at is not None
    event = installation.events.get(kind=InstallationEvent.Kind.UNINSTALL_REQUESTED)
    assert (event.actor, event.actor_label, event.detail) == (
        admin,
        admin.email,
        {"reason": "asked"},
    )


@pytest.mark.django_db
def test_moving_again_changes_and_records_nothing(installation, admin):
    assert installation_mark_uninstalling(
        installation=installation, actor=actor_for_user(user=admin)
    )
    installation.refresh_from_db()
    before = (installation.uninstall_requested_at, installation.updated_at)

    assert not installation_mark_uninstalling(installation=installation, actor=APP_DELETION_ACTOR)

    installation.refresh_from_db()
    assert (installation.uninstall_requested_at, installation.updated_at) == before
    assert installation.uninstall_requested_by == admin
    assert installation.events.filter(kind=InstallationEvent.Kind.UNINSTALL_REQUESTED).count() == 1
