"""The demo accounts' module data: a few hundred records each across CRM, products,
finance and tasks, written through the record services (so every one has its change
event), with a fixed random seed so every run makes the same data."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts.actors import Actor, actor_system
from apps.accounts.models import Account, User
from apps.modules import models as m
from apps.modules.services import record_create

NAMES = ("Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Soylent")
KINDS = ("Industries", "Logistics", "Labs", "Foods", "Systems", "Partners")
FIRST = ("Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Radia")
LAST = ("Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Perlman")
PRODUCTS = ("Support plan", "Onboarding", "Licence", "Training day", "Audit", "Integration")


class _Maker:
    def __init__(self, account: Account, actor: Actor, seed: int) -> None:
        self.account, self.actor, self.rng = account, actor, random.Random(seed)  # noqa: S311
        self.users = list(User.objects.filter(memberships__account=account))
        self.count = 0

    def __call__(self, model: type[m.ModuleRecord], **values: Any) -> Any:
        self.count += 1
        values.setdefault("owner", self.rng.choice(self.users) if self.users else None)
        return record_create(
            model=model, account_id=self.account.pk, values=values, actor=self.actor
        )

    def money(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randrange(low, high)) * 10


def _crm(make: _Maker, currency: str) -> tuple[list[Any], list[Any]]:
    rng = make.rng
    pipeline = make(m.CrmPipeline, name="New business", is_default=True)
    stages = [
        make(m.CrmStage, pipeline=pipeline, name=name, position=i, probability=p)
        for i, (name, p) in enumerate((("Lead", 10), ("Qualified", 30), ("Proposal", 60)))
    ]
    accounts = [
        make(
            m.CrmAccount,
            name=f"{rng.choice(NAMES)} {rng.choice(KINDS)} {i + 1}",
            industry=rng.choice(("Retail", "Software", "Logistics")),
            kind=rng.choice(m.CrmAccount.Kind.values),
        )
        for i in range(40)
    ]
    contacts = []
    for i in range(50):
        crm_account = rng.choice(accounts)
        company = (
            make(m.CrmCompany, name=f"{crm_account.name} Ltd", crm_account=crm_account)
            if i % 5 == 0
            else None
        )
        contact = make(
            m.CrmContact,
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            crm_account=crm_account,
            company=company,
            job_title="Buyer",
        )
        make(m.CrmPhone, contact=contact, number=f"+1 555 {1000 + i}", is_primary=True)
        make(
            m.CrmEmail,
            contact=contact,
            address=f"contact{i}@{crm_account.pk}.example",
            is_primary=True,
        )
        contacts.append(contact)
    for i in range(30):
        stage = rng.choice(stages)
        make(
            m.CrmDeal,
            title=f"Deal {i + 1}",
            pipeline=pipeline,
            stage=stage,
            crm_account=rng.choice(accounts),
            contact=rng.choice(contacts),
            amount=make.money(100, 2000),
            currency=currency,
            expected_close_on=date.today() + timedelta(days=rng.randrange(5, 90)),
        )
    return accounts, contacts


def _products_and_fin(make: _Maker, accounts: list[Any], currency: str) -> None:
    rng = make.rng
    category = make(m.ProductCategory, name="Services")
    products = [
        make(
            m.Product,
            name=name,
            sku=f"SKU-{i}",
            category=category,
            price=make.money(5, 200),
            currency=currency,
        )
        for i, name in enumerate(PRODUCTS)
    ]
    bank = make(m.BankAccount, name="Main account", bank_name="First Bank", currency=currency)
    for i in range(30):
        product = rng.choice(products)
        invoice = make(
            m.Invoice,
            number=f"INV-{i + 1:04d}",
            crm_account=rng.choice(accounts),
            status=rng.choice(("draft", "sent", "paid")),
            currency=currency,
            issued_on=date.today() - timedelta(days=i),
            total=product.price,
        )
        item = make(
            m.FinItem,
            product=product,
            name=product.name,
            unit_price=product.price,
            currency=currency,
        )
        make(m.FinItemRelation, invoice=invoice, item=item, position=0)
        if invoice.status == "paid":
            make(
                m.FinTransaction,
                bank_account=bank,
                invoice=invoice,
                direction="in",
                amount=invoice.total,
                currency=currency,
                happened_on=date.today(),
            )


def _tasks(make: _Maker, accounts: list[Any]) -> None:
    rng = make.rng
    projects = [make(m.Project, name=f"Rollout {i + 1}", status="active") for i in range(3)]
    for i in range(60):
        task = make(
            m.Task,
            title=f"Follow up {i + 1}",
            project=rng.choice(projects),
            crm_account=rng.choice(accounts),
            status=rng.choice(m.Task.Status.values),
            assignee=rng.choice(make.users) if make.users else None,
            due_at=timezone.now() + timedelta(days=rng.randrange(1, 30)),
        )
        if i % 4 == 0:
            make(m.TaskChecklistItem, task=task, text="Send the quote")


def demo_records(*, account: Account, seed: int, currency: str) -> int:
    """Fill ``account`` with its demo records, unless it already has CRM accounts.
    Returns how many records it made (0 on a second run)."""
    if m.CrmAccount.objects.filter(account=account).exists():
        return 0
    make = _Maker(account, actor_system(label="demo data"), seed)
    accounts, _contacts = _crm(make, currency)
    _products_and_fin(make, accounts, currency)
    _tasks(make, accounts)
    return make.count
