"""Records of any registered model, made from its fields alone, so the generated tests
cover a newly registered model without code of their own."""

from datetime import date
from decimal import Decimal
from itertools import count

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from tests.factories import MembershipFactory, UserFactory

_n = count()


def _user_of(account):
    user = get_user_model().objects.filter(memberships__account=account).first()
    if user is None:
        user = MembershipFactory(account=account, user=UserFactory()).user
    return user


def _value(field: models.Field, account):
    n = next(_n)
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey):
        related = field.related_model
        return _user_of(account) if related is get_user_model() else make_record(related, account)
    if isinstance(field, models.EmailField):
        return f"r{n}@records.test"
    if isinstance(field, models.URLField):
        return f"https://records.test/{n}"
    if isinstance(field, models.CharField | models.TextField):
        return f"{field.name} {n}"[: field.max_length or 100]
    if isinstance(field, models.DecimalField):
        return Decimal("10.00")
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return date.today()
    if isinstance(field, models.IntegerField):
        return 1
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.JSONField):
        return {}
    raise NotImplementedError(f"No test value for {field!r}")


def record_values(model, account) -> dict:
    """Values of every required field of ``model`` (relations made in ``account``)."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in ("account", "owner", "revision"):
            continue
        if field.null or field.blank or field.has_default() or not field.editable:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        values[field.name] = _value(field, account)
    return values


def make_record(model, account, **values):
    """A saved record of ``model`` owned by ``account``."""
    fields = {**record_values(model, account), **values}
    return model.objects.create(account=account, **fields)


def create_payload(registration, account) -> dict:
    """A valid POST body for ``registration``, its relations in ``account``."""
    instance = registration.model(account=account, **record_values(registration.model, account))
    data = registration.serializer(instance, context={"account_id": account.pk}).data
    writable = {n for n, f in registration.serializer().fields.items() if not f.read_only}
    return {k: v for k, v in data.items() if k in writable and v is not None}
