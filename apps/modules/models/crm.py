"""The CRM module: accounts, companies, contacts with their phones and e-mails, deals
(``crm.leads``) with their items, pipelines and their stages."""

from django.db import models

from apps.modules.models.base import ActiveStatus, ModuleRecord, currency, money


class CrmAccount(ModuleRecord):
    """``crm.account``: a customer, partner or supplier the account works with."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        PROSPECT = "prospect", "Prospect"
        PARTNER = "partner", "Partner"
        SUPPLIER = "supplier", "Supplier"

    Status = ActiveStatus

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CUSTOMER)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    industry = models.CharField(max_length=100, blank=True)
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "CRM account"

    def __str__(self) -> str:
        return self.name


class CrmCompany(ModuleRecord):
    """``crm.company``: an organisation, optionally tied to a CRM account."""

    crm_account = models.ForeignKey(
        CrmAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="companies"
    )
    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    tax_id = models.CharField(max_length=50, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    website = models.URLField(blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "CRM company"
        verbose_name_plural = "CRM companies"

    def __str__(self) -> str:
        return self.name


class CrmContact(ModuleRecord):
    """``crm.contact``: a person, at a company."""

    Status = ActiveStatus

    company = models.ForeignKey(
        CrmCompany, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    crm_account = models.ForeignKey(
        CrmAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    job_title = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    birthday = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = "CRM contact"

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContactChannelKind(models.TextChoices):
    WORK = "work", "Work"
    MOBILE = "mobile", "Mobile"
    HOME = "home", "Home"
    OTHER = "other", "Other"


class CrmPhone(ModuleRecord):
    """``crm.phone``: a contact's phone number."""

    contact = models.ForeignKey(CrmContact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=40)
    kind = models.CharField(
        max_length=10, choices=ContactChannelKind.choices, default=ContactChannelKind.WORK
    )
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["contact_id", "-is_primary", "pk"]
        verbose_name = "CRM phone"

    def __str__(self) -> str:
        return self.number


class CrmEmail(ModuleRecord):
    """``crm.email``: a contact's e-mail address."""

    contact = models.ForeignKey(CrmContact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField()
    kind = models.CharField(
        max_length=10, choices=ContactChannelKind.choices, default=ContactChannelKind.WORK
    )
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["contact_id", "-is_primary", "pk"]
        verbose_name = "CRM e-mail"

    def __str__(self) -> str:
        return self.address


class CrmPipeline(ModuleRecord):
    """``crm.pipeline``: a sales process, its stages in order."""

    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "CRM pipeline"

    def __str__(self) -> str:
        return self.name


class CrmStage(ModuleRecord):
    """``crm.stage``: one step of a pipeline, with the chance of winning a deal there."""

    pipeline = models.ForeignKey(CrmPipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    probability = models.PositiveSmallIntegerField(default=0, help_text="Percent, 0 to 100.")

    class Meta:
        ordering = ["pipeline_id", "position", "pk"]
        verbose_name = "CRM stage"

    def __str__(self) -> str:
        return self.name


class CrmDeal(ModuleRecord):
    """``crm.leads``: a deal (opportunity) moving through a pipeline's stages."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    pipeline = models.ForeignKey(
        CrmPipeline, on_delete=models.PROTECT, null=True, blank=True, related_name="deals"
    )
    stage = models.ForeignKey(
        CrmStage, on_delete=models.PROTECT, null=True, blank=True, related_name="deals"
    )
    crm_account = models.ForeignKey(
        CrmAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="deals"
    )
    contact = models.ForeignKey(
        CrmContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="deals"
    )
    amount = money(default=0)
    currency = currency()
    expected_close_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "CRM deal"

    def __str__(self) -> str:
        return self.title


class CrmDealItem(ModuleRecord):
    """``crm.leadsitems``: a product or service line of a deal."""

    deal = models.ForeignKey(CrmDeal, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        "modules.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=1)
    unit_price = money(default=0)
    currency = currency()
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)

    class Meta:
        ordering = ["deal_id", "pk"]
        verbose_name = "CRM deal item"

    def __str__(self) -> str:
        return self.name
