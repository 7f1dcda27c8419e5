"""Reads of the product's own modules, as an app's token user or an API key sees them."""

from typing import Any

from django.db.models import Model, QuerySet

from apps.accounts.actors import Actor
from apps.accounts.models import AccessLevel, Membership
from apps.core.api import ID_MAX
from apps.core.errors import NotFound, PermissionDenied
from apps.modules.policies import record_refusal


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


def record_list_for(*, actor: Actor, code: str) -> QuerySet[Any]:
    """The records of the catalog model ``code`` that the member ``actor`` may see: their
    account's, when their role gives read on the model's module; else ``PermissionDenied``
    naming the right they lack."""
    from apps.modules.registry import registration_for

    registration = registration_for(code)
    if registration is None:
        raise NotFound(f"There are no {code} records in this product.")
    refusal = record_refusal(actor, code=code, level=AccessLevel.READ)
    if refusal is not None or actor.account_id is None:
        raise PermissionDenied(refusal or "You do not belong to any account yet.")
    return record_list_for_account(model=registration.model, account_id=actor.account_id)


def record_get_for(*, actor: Actor, code: str, record_id: int, to_change: bool = False) -> Any:
    """One record of ``code`` the member ``actor`` may see (``to_change``: may change):
    ``PermissionDenied`` without the right on the module (checked first, so nothing is
    looked up), ``NotFound`` for an id that is not a record of their account."""
    records = record_list_for(actor=actor, code=code)
    if to_change:
        refusal = record_refusal(actor, code=code, level=AccessLevel.FULL)
        if refusal is not None:
            raise PermissionDenied(refusal)
    record = records.filter(pk=record_id).first() if 0 < record_id <= ID_MAX else None
    if record is None:
        noun = records.model._meta.verbose_name
        raise NotFound(f"There is no {noun} {record_id} in this account.")
    return record
