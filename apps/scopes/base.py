"""The product's default catalog: its modules and their models, what each module scope
lets an app reach, the narrower scopes and the embedding locations. A host extends it
through ``MARKETPLACE_SCOPE_CATALOG`` (``catalog.build_catalog``)."""

from __future__ import annotations

from apps.accounts.models import ModuleCode
from apps.scopes.types import Location, Scope

# The host product's modules, their models, and the narrower scopes the product offers.
# Model names are ``<module>.<model>`` as the product's API spells them.
BASE_MODULE_MODELS: dict[str, tuple[str, ...]] = {
    ModuleCode.USERS: ("users.user",),
    ModuleCode.CRM: (
        "crm.account",
        "crm.company",
        "crm.contact",
        "crm.phone",
        "crm.email",
        "crm.leads",
        "crm.leadsitems",
        "crm.pipeline",
        "crm.stage",
    ),
    ModuleCode.PRODUCTS: ("products.product", "products.category"),
    ModuleCode.FIN: (
        "fin.invoices",
        "fin.items",
        "fin.itemsrelation",
        "fin.transaction",
        "fin.bankaccount",
    ),
    ModuleCode.ST: ("st.project", "st.stage"),
    ModuleCode.TASK: ("task.task", "task.checklist", "task.comment"),
    ModuleCode.AGILE: ("agile.project", "agile.issue", "agile.sprint"),
    ModuleCode.CALENDAR: ("calendar.event",),
    ModuleCode.TIMETRACKER: ("timetracker.entry",),
    ModuleCode.KNOWLEDGEBASE: ("knowledgebase.article", "knowledgebase.category"),
    ModuleCode.WORKSPACE: ("workspace.document", "workspace.file"),
    ModuleCode.ORGCHART: ("orgchart.department", "orgchart.position"),
    ModuleCode.CUSTOMLISTS: ("customlists.list", "customlists.item"),
}

# What each scope lets an app reach, as a noun phrase for consent screens.
BASE_MODULE_DESCRIPTIONS: dict[str, str] = {
    ModuleCode.USERS: "the account's users and their profiles",
    ModuleCode.CRM: "everything in the CRM: accounts, contacts, deals and pipelines",
    ModuleCode.PRODUCTS: "products and product categories",
    ModuleCode.FIN: "everything in Finance: invoices, their items, transactions and bank accounts",
    ModuleCode.ST: "projects and their stages",
    ModuleCode.TASK: "tasks, their checklists and comments",
    ModuleCode.AGILE: "agile projects, issues and sprints",
    ModuleCode.CALENDAR: "calendar events",
    ModuleCode.TIMETRACKER: "time tracker entries",
    ModuleCode.KNOWLEDGEBASE: "knowledge base articles and categories",
    ModuleCode.WORKSPACE: "workspace documents and files",
    ModuleCode.ORGCHART: "the org chart: departments and positions",
    ModuleCode.CUSTOMLISTS: "custom lists and their items",
}

BASE_NARROW_SCOPES: tuple[Scope, ...] = (
    Scope(
        code="user.me",
        module=ModuleCode.USERS,
        description="your own user profile (only the user who authorized the app)",
        models=("users.user",),
        is_module=False,
        self_only=True,
    ),
    Scope(
        code="crm.accounts",
        module=ModuleCode.CRM,
        description="CRM accounts, companies and contacts, with their phones and e-mails",
        models=("crm.account", "crm.company", "crm.contact", "crm.phone", "crm.email"),
        is_module=False,
    ),
    Scope(
        code="crm.deals",
        module=ModuleCode.CRM,
        description="CRM deals and their items",
        models=("crm.leads", "crm.leadsitems"),
        is_module=False,
    ),
    Scope(
        code="fin.invoices",
        module=ModuleCode.FIN,
        description="invoices, their items and the links between them",
        models=("fin.invoices", "fin.items", "fin.itemsrelation"),
        is_module=False,
    ),
)

# Where apps can be embedded. Record cards name the model whose id the app receives.
BASE_LOCATIONS: tuple[Location, ...] = (
    Location("main_menu", "Main menu", "An item in the main menu that opens the app full page."),
    Location("dashboard.widget", "Dashboard widget", "A widget on the home dashboard."),
    Location(
        "settings.page",
        "Settings page",
        "A page under Settings > Apps, for account administrators.",
    ),
    Location(
        "users.profile.card", "User profile", "A panel on a user's profile page.", "users.user"
    ),
    Location("crm.account.card", "CRM account card", "A panel on a CRM account.", "crm.account"),
    Location("crm.contact.card", "CRM contact card", "A panel on a CRM contact.", "crm.contact"),
    Location("crm.deal.card", "CRM deal card", "A panel on a CRM deal.", "crm.leads"),
    Location("fin.invoice.card", "Invoice card", "A panel on an invoice.", "fin.invoices"),
    Location("products.product.card", "Product card", "A panel on a product.", "products.product"),
    Location("st.project.card", "Project card", "A panel on a project.", "st.project"),
    Location("task.card", "Task card", "A panel on a task.", "task.task"),
    Location("agile.issue.card", "Agile issue card", "A panel on an agile issue.", "agile.issue"),
    Location(
        "calendar.event.card", "Calendar event card", "A panel on an event.", "calendar.event"
    ),
    Location(
        "knowledgebase.article.card",
        "Knowledge base article",
        "A panel on a knowledge base article.",
        "knowledgebase.article",
    ),
)
