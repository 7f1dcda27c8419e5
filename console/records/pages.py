"""Which module models have pages of their own in the console, and how their lists look.

Everything else about a page comes from the model's registration in the module registry
(``apps.modules.registry``): the fields a record has and which of them can be written,
the search fields, the cross-field checks and the account rules for relations. Adding a
page for another registered model is one more ``RecordPage`` in ``PAGES``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from apps.modules.registry import Registration, registration_for


@dataclass(frozen=True)
class RecordPage:
    """The console pages of the catalog model ``code``.

    ``path`` is where they live under ``/records/`` (``crm/accounts``); ``slug`` names
    their routes (``console:records:<slug>-list``); ``label`` is the list's title and
    sidebar link. ``columns`` are the model fields the list shows, the first linking to
    the record; ``filters`` the choice and yes/no fields offered as list filters;
    ``sort`` the list's order until the user picks a column.
    """

    code: str
    slug: str
    path: str
    label: str
    columns: tuple[str, ...]
    filters: tuple[str, ...] = ()
    sort: str = "-pk"

    @property
    def registered(self) -> bool:
        """Whether the model is still registered (a host may unregister one)."""
        return registration_for(self.code) is not None

    @property
    def registration(self) -> Registration:
        registration = registration_for(self.code)
        if registration is None:  # a host unregistered it: no pages either
            raise LookupError(f"{self.code} is not registered in the module registry.")
        return registration

    @property
    def model(self) -> type[models.Model]:
        return self.registration.model

    @property
    def noun(self) -> str:
        """One record, in words: "CRM account"."""
        return str(self.model._meta.verbose_name)

    def url_name(self, verb: str) -> str:
        return f"console:records:{self.slug}-{verb}"


PAGES: tuple[RecordPage, ...] = (
    RecordPage(
        "crm.account",
        "crm_account",
        "crm/accounts",
        "CRM accounts",
        columns=("name", "kind", "status", "industry", "email"),
        filters=("kind", "status"),
        sort="name",
    ),
    RecordPage(
        "crm.contact",
        "crm_contact",
        "crm/contacts",
        "Contacts",
        columns=("last_name", "first_name", "job_title", "crm_account", "status"),
        filters=("status",),
        sort="last_name",
    ),
    RecordPage(
        "crm.leads",
        "crm_deal",
        "crm/deals",
        "Deals",
        columns=("title", "status", "crm_account", "amount", "currency", "expected_close_on"),
        filters=("status",),
    ),
    RecordPage(
        "fin.invoices",
        "invoice",
        "finance/invoices",
        "Invoices",
        columns=("number", "crm_account", "status", "issued_on", "due_on", "total", "currency"),
        filters=("status",),
        sort="-issued_on",
    ),
    RecordPage(
        "products.product",
        "product",
        "products",
        "Products",
        columns=("name", "sku", "status", "price", "currency"),
        filters=("status",),
        sort="name",
    ),
    RecordPage(
        "st.project",
        "project",
        "projects",
        "Projects",
        columns=("name", "status", "crm_account", "starts_on", "ends_on"),
        filters=("status",),
        sort="name",
    ),
    RecordPage(
        "task.task",
        "task",
        "tasks",
        "Tasks",
        columns=("title", "status", "priority", "assignee", "due_at"),
        filters=("status", "priority"),
    ),
    RecordPage(
        "agile.issue",
        "agile_issue",
        "agile/issues",
        "Issues",
        columns=("title", "project", "kind", "status", "priority", "assignee"),
        filters=("kind", "status", "priority"),
    ),
    RecordPage(
        "calendar.event",
        "calendar_event",
        "calendar/events",
        "Calendar",
        columns=("title", "starts_at", "ends_at", "location", "status"),
        filters=("status", "all_day"),
        sort="-starts_at",
    ),
    RecordPage(
        "knowledgebase.article",
        "kb_article",
        "knowledge-base/articles",
        "Knowledge base",
        columns=("title", "category", "status", "published_at"),
        filters=("status",),
        sort="title",
    ),
)


def page_for_model(model: type[models.Model]) -> RecordPage | None:
    """The pages of ``model``, if it has any (to link a related record to its page)."""
    return next((page for page in PAGES if page.registered and page.model is model), None)


def model_fields(registration: Registration, *, writable: bool = False) -> list[str]:
    """The fields of the registration's serializer that are fields of its model (a
    serializer a host brings may add others, which the pages leave to the API), in its
    order; ``writable``: only those a write may set, the owner last."""
    model_names = {f.name for f in registration.model._meta.get_fields()}
    names = [
        name
        for name, field in registration.serializer().fields.items()
        if name in model_names and not (writable and field.read_only)
    ]
    if not writable:
        return names
    return [name for name in names if name != "owner"] + (["owner"] if "owner" in names else [])
