"""Who sees which job of an account, who may retry it, and the heartbeat of a periodic
task."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.actors import Actor, actor_for_user
from apps.accounts.models import Membership
from apps.core.errors import NotFound, PermissionDenied
from apps.jobs.kinds import APP_DELETE, DIAGNOSTIC, INSTALLATION_UNINSTALL, VERSION_ROLLOUT
from apps.jobs.models import Heartbeat, Job
from apps.jobs.policies import job_can_retry
from apps.jobs.selectors import (
    heartbeat_status,
    job_get_for,
    job_latest_by_payload,
    job_list_app_deletions,
    job_list_for,
)


def membership(user, account) -> Actor:
    """``user`` acting in ``account``."""
    return actor_for_user(user=user, membership=Membership.objects.get(user=user, account=account))


@pytest.fixture
def jobs(account, other_account, admin, member, developer):
    """One job of each kind in ``account`` (the uninstall started by ``admin``, one more
    uninstall started by ``member``), and an app deletion of ``other_account``."""

    def job(kind, **fields):
        return Job.objects.create(kind=kind, account=fields.pop("account", account), **fields)

    return {
        "uninstall": job(INSTALLATION_UNINSTALL, created_by=admin, payload={"installation_id": 1}),
        "members_uninstall": job(INSTALLATION_UNINSTALL, created_by=member),
        "app_delete": job(APP_DELETE, created_by=developer, payload={"app_id": 7}),
        "rollout": job(VERSION_ROLLOUT, created_by=None, payload={"version_id": 3}),
        "diagnostic": job(DIAGNOSTIC),
        "elsewhere": job(APP_DELETE, account=other_account, created_by=developer),
    }


def ids(queryset) -> set[int]:
    return {job.pk for job in queryset}


class TestVisibility:
    def test_an_admin_sees_every_job_of_the_account(self, jobs, admin, account):
        visible = job_list_for(actor=membership(admin, account))

        assert ids(visible) == {jobs[k].pk for k in jobs if k != "elsewhere"}

    def test_a_developer_sees_app_deletions_and_rollouts(self, jobs, developer, account):
        visible = job_list_for(actor=membership(developer, account))

        assert ids(visible) == {jobs["app_delete"].pk, jobs["rollout"].pk}

    def test_a_plain_member_sees_only_the_jobs_they_started(self, jobs, member, account):
        visible = job_list_for(actor=membership(member, account))

        assert ids(visible) == {jobs["members_uninstall"].pk}

    def test_an_admin_of_another_account_sees_nothing_of_this_one(
        self, jobs, outsider, other_account
    ):
        visible = job_list_for(actor=membership(outsider, other_account))

        assert ids(visible) == {jobs["elsewhere"].pk}

    def test_newest_first(self, jobs, admin, account):
        visible = list(job_list_for(actor=membership(admin, account)))

        assert [j.pk for j in visible] == sorted((j.pk for j in visible), reverse=True)

    def test_one_job_outside_the_rules_is_not_found(self, jobs, member, developer, account):
        with pytest.raises(NotFound):
            job_get_for(actor=membership(member, account), job_id=jobs["uninstall"].pk)
        with pytest.raises(NotFound):
            job_get_for(actor=membership(developer, account), job_id=jobs["elsewhere"].pk)
        got = job_get_for(actor=membership(developer, account), job_id=jobs["rollout"].pk)
        assert got == jobs["rollout"]


class TestRetryRight:
    def test_admins_retry_any_job_developers_their_kinds_creators_none(
        self, jobs, admin, member, developer, account
    ):
        as_admin, as_member, as_dev = (
            membership(admin, account),
            membership(member, account),
            membership(developer, account),
        )

        assert all(job_can_retry(as_admin, job=jobs[k]) for k in jobs if k != "elsewhere")
        assert job_can_retry(as_dev, job=jobs["app_delete"])
        assert job_can_retry(as_dev, job=jobs["rollout"])
        assert not job_can_retry(as_dev, job=jobs["uninstall"])
        assert not job_can_retry(as_member, job=jobs["members_uninstall"])
        assert not job_can_retry(as_admin, job=jobs["elsewhere"])

    def test_get_for_retry_says_not_found_or_forbidden(self, jobs, member, developer, account):
        with pytest.raises(NotFound):
            job_get_for(
                actor=membership(developer, account), job_id=jobs["uninstall"].pk, to_retry=True
            )
        with pytest.raises(PermissionDenied):
            job_get_for(
                actor=membership(member, account),
                job_id=jobs["members_uninstall"].pk,
                to_retry=True,
            )
        job = job_get_for(
            actor=membership(developer, account), job_id=jobs["app_delete"].pk, to_retry=True
        )
        assert job == jobs["app_delete"]


class TestByPayload:
    def test_the_newest_job_per_value_in_one_query(
        self, account, other_account, django_assert_num_queries
    ):
        old = Job.objects.create(kind=APP_DELETE, account=account, payload={"app_id": 1})
        new = Job.objects.create(kind=APP_DELETE, account=account, payload={"app_id": 1})
        two = Job.objects.create(kind=APP_DELETE, account=account, payload={"app_id": 2})
        Job.objects.create(kind=APP_DELETE, account=other_account, payload={"app_id": 3})
        Job.objects.create(kind=VERSION_ROLLOUT, account=account, payload={"app_id": 2})

        with django_assert_num_queries(1):
            latest = job_latest_by_payload(
                account_id=account.pk, kind=APP_DELETE, key="app_id", values=[1, 2, 3, 4]
            )

        assert latest == {1: new, 2: two}
        assert old not in latest.values()

    def test_no_values_no_query(self, account, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert (
                job_latest_by_payload(
                    account_id=account.pk, kind=APP_DELETE, key="app_id", values=[]
                )
                == {}
            )

    def test_app_deletions_not_finished_well(self, account, other_account):
        running = Job.objects.create(kind=APP_DELETE, account=account, state=Job.State.RUNNING)
        failed = Job.objects.create(kind=APP_DELETE, account=account, state=Job.State.FAILED)
        Job.objects.create(kind=APP_DELETE, account=account, state=Job.State.SUCCEEDED)
        Job.objects.create(kind=APP_DELETE, account=other_account)
        Job.objects.create(kind=VERSION_ROLLOUT, account=account)

        assert list(job_list_app_deletions(account=account)) == [failed, running]


class TestHeartbeat:
    INTERVAL = timedelta(minutes=10)

    def test_never_ran_is_late(self, db):
        status = heartbeat_status(name="tokens_purge", interval=self.INTERVAL)

        assert status.last_seen_at is None
        assert status.detail == {}
        assert status.late

    @pytest.mark.parametrize(("minutes_ago", "late"), [(1, False), (29, False), (31, True)])
    def test_late_after_three_intervals(self, db, minutes_ago, late):
        seen = timezone.now() - timedelta(minutes=minutes_ago)
        Heartbeat.objects.create(name="tokens_purge", last_seen_at=seen, detail={"total": 4})

        status = heartbeat_status(name="tokens_purge", interval=self.INTERVAL)

        assert status.last_seen_at == seen
        assert status.detail == {"total": 4}
        assert status.late is late
