"""The product's own registrations: every catalog model but ``users.user``. Registered
when the modules app is ready (``ModulesConfig.ready``); a host's app registered after it
may replace any of them (``register(..., replace=True)``)."""

from __future__ import annotations

from apps.modules import models as m
from apps.modules.registry import register
from apps.modules.registry import rules as r

NAMED = ("name",)


def register_crm() -> None:
    register(
        "crm.account",
        model=m.CrmAccount,
        fields=(
            "name",
            "kind",
            "status",
            "industry",
            "website",
            "email",
            "phone",
            "address",
            "notes",
        ),
        filters=("kind", "status", "industry"),
        search=("name", "email", "website"),
        ordering=NAMED,
        example={
            "name": "Initech",
            "kind": "customer",
            "status": "active",
            "industry": "Software",
            "website": "https://initech.example",
        },
    )
    register(
        "crm.company",
        model=m.CrmCompany,
        fields=("crm_account", "name", "legal_name", "tax_id", "industry", "website", "employees"),
        filters=("crm_account", "industry"),
        search=("name", "legal_name", "tax_id"),
        ordering=(*NAMED, "employees"),
        example={"name": "Initech GmbH", "legal_name": "Initech GmbH", "employees": 120},
    )
    register(
        "crm.contact",
        model=m.CrmContact,
        fields=(
            "company",
            "crm_account",
            "first_name",
            "last_name",
            "job_title",
            "status",
            "birthday",
            "notes",
        ),
        filters=("company", "crm_account", "status"),
        search=("first_name", "last_name", "job_title"),
        ordering=("last_name", "first_name"),
        example={"first_name": "Ada", "last_name": "Lovelace", "job_title": "CTO"},
    )
    register(
        "crm.phone",
        model=m.CrmPhone,
        fields=("contact", "number", "kind", "is_primary"),
        filters=("contact", "kind", "is_primary"),
        search=("number",),
        example={"contact": 1, "number": "+1 555 0100", "kind": "mobile", "is_primary": True},
    )
    register(
        "crm.email",
        model=m.CrmEmail,
        fields=("contact", "address", "kind", "is_primary"),
        filters=("contact", "kind", "is_primary"),
        search=("address",),
        example={"contact": 1, "address": "ada@initech.example", "kind": "work"},
    )
    register(
        "crm.leads",
        model=m.CrmDeal,
        fields=(
            "title",
            "status",
            "pipeline",
            "stage",
            "crm_account",
            "contact",
            "amount",
            "currency",
            "expected_close_on",
            "closed_at",
            "description",
        ),
        filters=("status", "pipeline", "stage", "crm_account", "contact", "currency"),
        search=("title", "description"),
        ordering=("title", "amount", "expected_close_on"),
        validate=r.deal_stage_in_pipeline,
        example={
            "title": "Initech renewal",
            "amount": "12000.00",
            "currency": "EUR",
            "pipeline": 1,
            "stage": 2,
            "crm_account": 1,
        },
    )
    register(
        "crm.leadsitems",
        model=m.CrmDealItem,
        fields=(
            "deal",
            "product",
            "name",
            "quantity",
            "unit_price",
            "currency",
            "discount_percent",
        ),
        filters=("deal", "product"),
        search=("name",),
        example={
            "deal": 1,
            "product": 3,
            "name": "Support plan",
            "quantity": "2.000",
            "unit_price": "500.00",
            "currency": "EUR",
        },
    )
    register(
        "crm.pipeline",
        model=m.CrmPipeline,
        fields=("name", "is_default"),
        filters=("is_default",),
        search=NAMED,
        ordering=NAMED,
        example={"name": "New business", "is_default": True},
    )
    register(
        "crm.stage",
        model=m.CrmStage,
        fields=("pipeline", "name", "position", "probability"),
        filters=("pipeline",),
        search=NAMED,
        ordering=("position", "name"),
        validate=r.percent,
        example={"pipeline": 1, "name": "Proposal", "position": 2, "probability": 50},
    )


def register_products_and_fin() -> None:
    register(
        "products.product",
        model=m.Product,
        fields=(
            "category",
            "name",
            "sku",
            "description",
            "status",
            "unit",
            "price",
            "currency",
            "tax_percent",
        ),
        filters=("category", "status", "sku", "currency"),
        search=("name", "sku", "description"),
        ordering=(*NAMED, "price", "sku"),
        example={"name": "Support plan", "sku": "SUP-1", "price": "500.00", "currency": "EUR"},
    )
    register(
        "products.category",
        model=m.ProductCategory,
        fields=("name", "parent"),
        filters=("parent",),
        search=NAMED,
        ordering=NAMED,
        example={"name": "Services"},
    )
    register(
        "fin.invoices",
        model=m.Invoice,
        fields=(
            "number",
            "crm_account",
            "status",
            "issued_on",
            "due_on",
            "currency",
            "total",
            "notes",
        ),
        filters=("crm_account", "status", "number", "currency"),
        search=("number", "notes"),
        ordering=("number", "issued_on", "due_on", "total"),
        validate=r.invoice_dates_in_order,
        example={
            "number": "INV-2026-0042",
            "crm_account": 1,
            "status": "sent",
            "issued_on": "2026-03-01",
            "due_on": "2026-03-31",
            "currency": "EUR",
            "total": "1000.00",
        },
    )
    register(
        "fin.items",
        model=m.FinItem,
        fields=("product", "name", "quantity", "unit_price", "currency", "tax_percent"),
        filters=("product", "currency"),
        search=("name",),
        ordering=("name", "unit_price"),
        example={
            "product": 3,
            "name": "Support plan",
            "quantity": "2.000",
            "unit_price": "500.00",
            "currency": "EUR",
        },
    )
    register(
        "fin.itemsrelation",
        model=m.FinItemRelation,
        fields=("invoice", "item", "position"),
        filters=("invoice", "item"),
        ordering=("position",),
        example={"invoice": 1, "item": 1, "position": 0},
    )
    register(
        "fin.transaction",
        model=m.FinTransaction,
        fields=(
            "bank_account",
            "invoice",
            "direction",
            "status",
            "amount",
            "currency",
            "happened_on",
            "description",
        ),
        filters=("bank_account", "invoice", "direction", "status", "currency"),
        search=("description",),
        ordering=("happened_on", "amount"),
        example={
            "bank_account": 1,
            "invoice": 1,
            "direction": "in",
            "amount": "1000.00",
            "currency": "EUR",
            "happened_on": "2026-03-20",
        },
    )
    register(
        "fin.bankaccount",
        model=m.BankAccount,
        fields=("name", "bank_name", "iban", "currency", "balance", "is_active"),
        filters=("currency", "is_active"),
        search=("name", "bank_name", "iban"),
        ordering=(*NAMED, "balance"),
        example={"name": "Main account", "bank_name": "First Bank", "currency": "EUR"},
    )
