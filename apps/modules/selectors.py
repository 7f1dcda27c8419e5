"""Reads of the product's own modules, as an app's token user sees them."""

from django.db.models import QuerySet

from apps.accounts.models import Membership


def user_list_for_account(*, account_id: int) -> QuerySet[Membership]:
    """The members of the account ``account_id`` with their user, role and account, by
    e-mail (one query per page). The caller passes the account its credentials act for
    (an app token's installation account), never one taken from the request."""
    return (
        Membership.objects.filter(account_id=account_id)
        .select_related("user", "role", "account")
        .order_by("user__email", "pk")
    )
