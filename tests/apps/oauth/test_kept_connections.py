"""An app request's token lookup on a database connection kept from an earlier request
(``CONN_MAX_AGE`` with ``CONN_HEALTH_CHECKS``, as production runs): the lookup stands for
the health check, so no ``SELECT 1`` is sent before it, and a connection the database
dropped meanwhile is replaced and the lookup answers, as the health check would have let
it.

PostgreSQL only: a connection can be dropped by the server there (SQLite has none).
"""

from unittest import mock

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction

from apps.oauth.selectors import access_token_get_by_checksum, token_checksum
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import issue_token, make_installation

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a server-dropped connection needs PostgreSQL"
    ),
]


@pytest.fixture
def raw_token(account, admin, other_account):
    app = make_app(account=other_account, name="Directory")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "users", "level": "read", "reason": "Needed."}],
        webhooks=[],
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    return issue_token(installation=installation, user=admin)


@pytest.fixture
def kept_connection(raw_token):
    """The default connection as a new request finds it when kept with health checks
    (after the data is written)."""
    kept = connections[DEFAULT_DB_ALIAS]
    kept.ensure_connection()
    enabled = kept.health_check_enabled
    kept.health_check_enabled = True
    kept.health_check_done = False
    yield kept
    kept.health_check_enabled = enabled


def _drop(pid: int) -> None:
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def test_the_lookup_is_the_health_check_of_a_kept_connection(kept_connection, raw_token):
    with mock.patch.object(type(kept_connection), "is_usable") as is_usable:
        token = access_token_get_by_checksum(checksum=token_checksum(raw_token))

    assert token is not None
    is_usable.assert_not_called()
    assert kept_connection.health_check_done


def test_a_connection_dropped_by_the_database_is_replaced_and_the_lookup_answers(
    kept_connection, raw_token
):
    pid = kept_connection.connection.info.backend_pid
    _drop(pid)

    token = access_token_get_by_checksum(checksum=token_checksum(raw_token))

    assert token is not None
    assert kept_connection.connection.info.backend_pid != pid


def test_inside_a_transaction_nothing_is_run_again(kept_connection, raw_token):
    with transaction.atomic():
        kept_connection.health_check_done = False
        pid = kept_connection.connection.info.backend_pid
        _drop(pid)
        with pytest.raises(OperationalError):
            access_token_get_by_checksum(checksum=token_checksum(raw_token))
        transaction.set_rollback(True)
    kept_connection.close()
