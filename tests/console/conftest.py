"""Helpers for console tests: jobs, a second account for the member, page assertions."""

import pytest

from apps.jobs.kinds import DIAGNOSTIC
from apps.jobs.models import Job
from tests.factories import MembershipFactory


@pytest.fixture
def make_job(db):
    """``make_job(**fields)``: a job row; a pending diagnostic unless told otherwise."""

    def make(**fields) -> Job:
        fields.setdefault("kind", DIAGNOSTIC)
        fields.setdefault("target", "pipeline diagnostic")
        fields.setdefault("progress_total", 5)
        return Job.objects.create(**fields)

    return make


@pytest.fixture
def member_of_two(member, other_account):
    """``member`` of ``account`` (Sales role) is also a plain member of ``other_account``."""
    MembershipFactory(account=other_account, user=member)
    return member


def login_url(next_url: str) -> str:
    return f"/login/?next={next_url}"
