"""Reads of the product's own modules, as an app's token user sees them."""

from django.db.models import QuerySet

from apps.accounts.models import Account, Membership


def user_list_for_account(*, account: Account) -> QuerySet[Membership]:
    """The account's members with their user, role and account, by e-mail (one query per
    page)."""
    return (
        Membership.objects.filter(account=account)
        .select_related("user", "role", "account")
        .order_by("user__email", "pk")
    )
