"""Reads of the product's own modules, as an app's token user or an API key sees them."""

from typing import Any

from django.db.models import Model, QuerySet

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


def record_list_for_account(*, model: type[Model], account_id: int) -> QuerySet[Any]:
    """The records of ``model`` that belong to the account ``account_id``: every other
    account's rows are out of reach, so their ids answer "not found". The caller passes
    the account its credentials act for, never one taken from the request."""
    return model._default_manager.filter(account_id=account_id)


def records_existing(account_id: int, model: str, ids: list[int]) -> set[int]:
    """Of ``ids``, those that are records of catalog model ``model`` in the account (for
    ``users.user``: its members' user ids). What reference settings are checked with."""
    from apps.modules.registry import registration_for

    if model == "users.user":
        rows = Membership.objects.filter(account_id=account_id, user_id__in=ids)
        return set(rows.values_list("user_id", flat=True))
    registration = registration_for(model)
    if registration is None:
        return set()
    records = registration.model._default_manager.filter(account_id=account_id, pk__in=ids)
    return set(records.values_list("pk", flat=True))
