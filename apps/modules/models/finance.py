"""The products and finance modules: products and their categories; invoices, their
items and the links between them, transactions and bank accounts."""

from django.db import models

from apps.modules.models.base import ModuleRecord, currency, money


class ProductCategory(ModuleRecord):
    """``products.category``: a group of products, optionally inside another."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "product categories"

    def __str__(self) -> str:
        return self.name


class Product(ModuleRecord):
    """``products.product``: something the account sells, with its price."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISCONTINUED = "discontinued", "Discontinued"

    category = models.ForeignKey(
        ProductCategory, on_delete=models.SET_NULL, null=True, blank=True, related_name="products"
    )
    name = models.CharField(max_length=200)
    sku = models.CharField("SKU", max_length=64, blank=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    unit = models.CharField(max_length=20, default="pcs")
    price = money(default=0)
    currency = currency()
    tax_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Invoice(ModuleRecord):
    """``fin.invoices``: a bill to a CRM account."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        PAID = "paid", "Paid"
        OVERDUE = "overdue", "Overdue"
        VOID = "void", "Void"

    number = models.CharField(max_length=40)
    crm_account = models.ForeignKey(
        "modules.CrmAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    issued_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    currency = currency()
    total = money(default=0)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.number


class FinItem(ModuleRecord):
    """``fin.items``: a billable line (a product or a service), linked to invoices through
    ``fin.itemsrelation``."""

    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=1)
    unit_price = money(default=0)
    currency = currency()
    tax_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)

    class Meta:
        ordering = ["pk"]
        verbose_name = "invoice item"

    def __str__(self) -> str:
        return self.name


class FinItemRelation(ModuleRecord):
    """``fin.itemsrelation``: an item on an invoice, at a position."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="item_links")
    item = models.ForeignKey(FinItem, on_delete=models.CASCADE, related_name="invoice_links")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["invoice_id", "position", "pk"]
        verbose_name = "invoice item link"
        constraints = [
            models.UniqueConstraint(fields=["invoice", "item"], name="modules_invoice_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}:{self.item_id}"


class BankAccount(ModuleRecord):
    """``fin.bankaccount``: where money comes in and goes out."""

    name = models.CharField(max_length=100)
    bank_name = models.CharField(max_length=100, blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True)
    currency = currency()
    balance = money(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class FinTransaction(ModuleRecord):
    """``fin.transaction``: a payment in or out of a bank account, maybe for an invoice."""

    class Direction(models.TextChoices):
        INCOMING = "in", "Incoming"
        OUTGOING = "out", "Outgoing"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DONE = "done", "Done"

    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="transactions"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.SET_NULL, null=True, blank=True, related_name="transactions"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    amount = money()
    currency = currency()
    happened_on = models.DateField()
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-happened_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.direction} {self.amount} {self.currency}"
