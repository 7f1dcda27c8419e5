"""Small installations deleted together (``installations_delete_whole``): each whole or
not at all, as one at a time, and what cannot go whole is left for the steps.

Transactional: the deferred foreign-key checks fire only at a real COMMIT.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.installations.models import Installation, InstallationStatus, SettingValue
from apps.lifecycle.services.locks import purge_turn
from apps.lifecycle.services.whole import installation_delete_whole, installations_delete_whole
from tests.apps.lifecycle.conftest import Installed, installation_rows, make_people, populate
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db(transaction=True)

DELETABLE = (InstallationStatus.ACTIVE, InstallationStatus.UNINSTALLING)


def _small(published, n: int) -> Installed:
    account = AccountFactory(slug=f"together-{n}")
    installed = populate(
        account=account, version=published.version, people=make_people(account=account)
    )
    for setting in SettingValue.objects.filter(installation=installed.installation):
        setting.file.delete(save=True)  # files would send it through the steps
    return installed


def _rows_left(installed: Installed) -> int:
    return sum(len(ids) for ids in installation_rows(installed.pk).values())


def test_a_run_goes_in_one_statement_with_each_installations_own_counts(published):
    alone, *together = (_small(published, n) for n in range(4))
    expected = installation_delete_whole(installation_id=alone.pk, statuses=DELETABLE)

    with CaptureQueriesContext(connection) as captured:
        gone = installations_delete_whole(
            installation_ids=[i.pk for i in together], statuses=DELETABLE
        )

    assert set(gone) == {i.pk for i in together}
    assert all(counts == expected for counts in gone.values())
    if connection.vendor == "postgresql":
        assert len(captured) == 1
    for installed in together:
        assert not Installation.objects.filter(pk=installed.pk).exists()
        assert _rows_left(installed) == 0


def test_what_cannot_go_whole_is_left_whole_for_the_steps(published):
    plain, with_file, held, other_status = (_small(published, n) for n in range(4))
    SettingValue.objects.filter(installation=with_file.installation, key="contract").update(
        file="settings/contract.pdf"
    )
    Installation.objects.filter(pk=other_status.pk).update(status=InstallationStatus.UNINSTALLING)
    before = {i.pk: _rows_left(i) for i in (with_file, held, other_status)}
    locked, release = threading.Event(), threading.Event()

    def other_purge() -> None:
        try:
            with purge_turn(held.pk):
                locked.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    thread = threading.Thread(target=other_purge)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        gone = installations_delete_whole(
            installation_ids=[plain.pk, with_file.pk, held.pk, other_status.pk],
            statuses=(InstallationStatus.ACTIVE,),
        )
    finally:
        release.set()
        thread.join(timeout=60)

    assert set(gone) == {plain.pk} if connection.vendor == "postgresql" else {plain.pk, held.pk}
    for installed in (with_file, other_status):
        assert _rows_left(installed) == before[installed.pk]
    if connection.vendor == "postgresql":
        assert _rows_left(held) == before[held.pk]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a row arriving inside the statement needs PostgreSQL"
)
def test_a_row_arriving_meanwhile_sends_the_run_one_at_a_time(published):
    first, late, last = (_small(published, n) for n in range(3))
    before = _rows_left(late)
    # While the statement deletes ``late``'s access rules, one more arrives (a trigger
    # stands for a request racing the delete): the commit's foreign-key check fails.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION late_rule() RETURNS trigger AS $$
            BEGIN
                INSERT INTO installations_installationaccess (installation_id, role_id, group_id)
                VALUES (OLD.installation_id, OLD.role_id, NULL);
                RETURN OLD;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER late_rule AFTER DELETE ON installations_installationaccess
            FOR EACH ROW WHEN (OLD.installation_id = %s AND OLD.role_id IS NOT NULL)
            EXECUTE FUNCTION late_rule();
            """,
            [late.pk],
        )
    try:
        gone = installations_delete_whole(
            installation_ids=[first.pk, late.pk, last.pk], statuses=DELETABLE
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER late_rule ON installations_installationaccess")
            cursor.execute("DROP FUNCTION late_rule()")

    assert set(gone) == {first.pk, last.pk}
    assert _rows_left(late) == before
