"""An admin's role and group pages: rights per module, and deleting with a replacement."""

import pytest
from django.urls import reverse

from apps.accounts.models import Group, Membership, Role

pytestmark = pytest.mark.django_db


def test_admin_creates_a_role_with_rights(client_for, admin, account):
    response = client_for(admin).post(
        reverse("console:accounts:role-create"),
        {"name": "Support", "right-crm": "read", "right-task": "full", "right-fin": "none"},
    )

    assert response.status_code == 302
    assert Role.objects.get(account=account, name="Support").rights == {
        "crm": "read",
        "task": "full",
    }


def test_the_role_form_shows_the_current_levels(client_for, admin, sales_role):
    page = client_for(admin).get(
        reverse("console:accounts:role-edit", kwargs={"role_id": sales_role.pk})
    )

    assert page.status_code == 200
    assert page.context["form"]["right-crm"].value() == "full"
    assert page.context["form"]["right-fin"].value() == "none"


def test_deleting_a_role_in_use_says_what_uses_it_then_reassigns(
    client_for, admin, member, account, sales_role
):
    support = Role.objects.create(account=account, name="Support")
    url = reverse("console:accounts:role-delete", kwargs={"role_id": sales_role.pk})
    client = client_for(admin)

    page = client.get(url).content.decode()
    refused = client.post(url, {"reassign_to": ""})
    done = client.post(url, {"reassign_to": support.pk})

    assert "1 member" in page
    assert refused.status_code == 409
    assert "in use" in refused.content.decode()
    assert done.status_code == 302
    assert Membership.objects.get(user=member).role == support


def test_groups_are_created_renamed_and_deleted(client_for, admin, account):
    client = client_for(admin)
    client.post(reverse("console:accounts:group-create"), {"name": "North"})
    group = Group.objects.get(account=account)

    client.post(
        reverse("console:accounts:group-edit", kwargs={"group_id": group.pk}), {"name": "South"}
    )
    renamed = Group.objects.get(pk=group.pk).name
    client.post(reverse("console:accounts:group-delete", kwargs={"group_id": group.pk}), {})

    assert renamed == "South"
    assert not Group.objects.filter(pk=group.pk).exists()
