"""Who may retry a job of an account: the one rule the console and the API ask."""

import pytest

from apps.accounts.actors import ANONYMOUS, actor_for_api_key, actor_for_user, actor_system
from apps.jobs.kinds import APP_DELETE, DIAGNOSTIC, INSTALLATION_UNINSTALL, VERSION_ROLLOUT
from apps.jobs.models import Job
from apps.jobs.policies import job_can_retry, job_retry_refusal
from tests.factories import ApiKeyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def member(account, **flags):
    membership = MembershipFactory(account=account, **flags)
    return actor_for_user(user=membership.user, membership=membership)


def job(kind, account):
    return Job(kind=kind, account=account)


@pytest.mark.parametrize("kind", [INSTALLATION_UNINSTALL, APP_DELETE, VERSION_ROLLOUT, DIAGNOSTIC])
def test_an_admin_and_an_api_key_retry_every_job_of_their_account(account, kind):
    key, _raw = ApiKeyFactory(account=account)

    assert job_can_retry(member(account, is_admin=True), job=job(kind, account))
    assert job_can_retry(actor_for_api_key(api_key=key), job=job(kind, account))


def test_a_developer_retries_the_developer_kinds_only(account):
    developer = member(account, is_developer=True)

    assert job_can_retry(developer, job=job(APP_DELETE, account))
    assert job_can_retry(developer, job=job(VERSION_ROLLOUT, account))
    assert not job_can_retry(developer, job=job(INSTALLATION_UNINSTALL, account))


def test_nobody_retries_another_accounts_job_nor_a_plain_member_nor_the_anonymous(
    account, other_account
):
    key, _raw = ApiKeyFactory(account=other_account)
    elsewhere = job(APP_DELETE, account)

    assert not job_can_retry(member(other_account, is_admin=True), job=elsewhere)
    assert not job_can_retry(actor_for_api_key(api_key=key), job=elsewhere)
    assert not job_can_retry(member(account), job=elsewhere)
    assert not job_can_retry(ANONYMOUS, job=elsewhere)
    assert not job_can_retry(actor_system(label="a command"), job=elsewhere)
    assert not job_can_retry(member(account, is_admin=True), job=Job(kind=DIAGNOSTIC))


def test_the_refusal_names_who_can_retry():
    assert job_retry_refusal(Job(kind=APP_DELETE)).endswith(
        "members with the developer right can retry app deletions and rollouts."
    )
    assert job_retry_refusal(Job(kind=INSTALLATION_UNINSTALL)) == (
        "Only an admin of this account can retry this job."
    )
