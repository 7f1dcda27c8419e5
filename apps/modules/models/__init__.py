"""The host product's module data: one Django model per catalog model (see
``apps/modules/README.md`` and ``apps.modules.registry``)."""

from apps.modules.models.base import ModuleRecord, Priority
from apps.modules.models.content import (
    CustomList,
    CustomListItem,
    Department,
    KbArticle,
    KbCategory,
    Position,
    WorkspaceDocument,
    WorkspaceFile,
)
from apps.modules.models.crm import (
    CrmAccount,
    CrmCompany,
    CrmContact,
    CrmDeal,
    CrmDealItem,
    CrmEmail,
    CrmPhone,
    CrmPipeline,
    CrmStage,
)
from apps.modules.models.events import ChangeEvent
from apps.modules.models.finance import (
    BankAccount,
    FinItem,
    FinItemRelation,
    FinTransaction,
    Invoice,
    Product,
    ProductCategory,
)
from apps.modules.models.idempotency import IdempotentCreate
from apps.modules.models.work import (
    AgileIssue,
    AgileProject,
    AgileSprint,
    CalendarEvent,
    Project,
    ProjectStage,
    Task,
    TaskChecklistItem,
    TaskComment,
    TimeEntry,
)

__all__ = [
    "AgileIssue",
    "AgileProject",
    "AgileSprint",
    "BankAccount",
    "CalendarEvent",
    "ChangeEvent",
    "CrmAccount",
    "CrmCompany",
    "CrmContact",
    "CrmDeal",
    "CrmDealItem",
    "CrmEmail",
    "CrmPhone",
    "CrmPipeline",
    "CrmStage",
    "CustomList",
    "CustomListItem",
    "Department",
    "FinItem",
    "FinItemRelation",
    "FinTransaction",
    "IdempotentCreate",
    "Invoice",
    "KbArticle",
    "KbCategory",
    "ModuleRecord",
    "Position",
    "Priority",
    "Product",
    "ProductCategory",
    "Project",
    "ProjectStage",
    "Task",
    "TaskChecklistItem",
    "TaskComment",
    "TimeEntry",
    "WorkspaceDocument",
    "WorkspaceFile",
]
