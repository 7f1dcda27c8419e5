"""The product's own registrations of the work and content modules: projects, tasks,
agile, calendar, time tracker, knowledge base, workspace, org chart and custom lists."""

from __future__ import annotations

from apps.modules import models as m
from apps.modules.registry import Spec, spec
from apps.modules.registry import rules as r

WORK: tuple[Spec, ...] = (
    spec(
        "st.project",
        model=m.Project,
        fields=(
            "name",
            "description",
            "status",
            "crm_account",
            "starts_on",
            "ends_on",
            "budget",
            "currency",
        ),
        filters=("status", "crm_account"),
        search=("name", "description"),
        ordering=("name", "starts_on", "ends_on", "budget"),
        validate=r.dates_in_order,
        example={
            "name": "Website relaunch",
            "status": "active",
            "starts_on": "2026-02-01",
            "budget": "25000.00",
            "currency": "EUR",
        },
    ),
    spec(
        "st.stage",
        model=m.ProjectStage,
        fields=("project", "name", "position", "status", "ends_on"),
        filters=("project", "status"),
        search=("name",),
        ordering=("position", "name", "ends_on"),
        example={"project": 1, "name": "Design", "position": 1},
    ),
    spec(
        "task.task",
        model=m.Task,
        fields=(
            "title",
            "description",
            "status",
            "priority",
            "project",
            "assignee",
            "crm_account",
            "due_at",
            "completed_at",
        ),
        filters=("status", "priority", "project", "assignee", "crm_account"),
        search=("title", "description"),
        ordering=("title", "due_at", "priority", "status"),
        example={
            "title": "Call Initech about the renewal",
            "assignee": 7,
            "due_at": "2026-03-10T09:00:00Z",
            "priority": "high",
            "crm_account": 1,
        },
    ),
    spec(
        "task.checklist",
        model=m.TaskChecklistItem,
        fields=("task", "text", "is_done", "position"),
        filters=("task", "is_done"),
        search=("text",),
        ordering=("position",),
        example={"task": 1, "text": "Send the quote", "is_done": False},
    ),
    spec(
        "task.comment",
        model=m.TaskComment,
        fields=("task", "body"),
        filters=("task",),
        search=("body",),
        example={"task": 1, "body": "They asked for a discount."},
    ),
    spec(
        "agile.project",
        model=m.AgileProject,
        fields=("name", "key", "status", "description"),
        filters=("status", "key"),
        search=("name", "key"),
        ordering=("name", "key"),
        example={"name": "Web app", "key": "WEB"},
    ),
    spec(
        "agile.sprint",
        model=m.AgileSprint,
        fields=("project", "name", "status", "goal", "starts_on", "ends_on"),
        filters=("project", "status"),
        search=("name", "goal"),
        ordering=("starts_on", "name"),
        validate=r.dates_in_order,
        example={
            "project": 1,
            "name": "Sprint 14",
            "starts_on": "2026-03-02",
            "ends_on": "2026-03-13",
        },
    ),
    spec(
        "agile.issue",
        model=m.AgileIssue,
        fields=(
            "project",
            "sprint",
            "title",
            "description",
            "kind",
            "status",
            "priority",
            "assignee",
            "story_points",
        ),
        filters=("project", "sprint", "kind", "status", "priority", "assignee"),
        search=("title", "description"),
        ordering=("title", "priority", "status", "story_points"),
        example={
            "project": 1,
            "sprint": 1,
            "title": "Log-in fails on Safari",
            "kind": "bug",
            "status": "todo",
            "story_points": 3,
        },
    ),
    spec(
        "calendar.event",
        model=m.CalendarEvent,
        fields=(
            "title",
            "description",
            "status",
            "starts_at",
            "ends_at",
            "all_day",
            "location",
            "contact",
        ),
        filters=("status", "contact", "all_day"),
        search=("title", "description", "location"),
        ordering=("starts_at", "ends_at", "title"),
        validate=r.event_ends_after_start,
        example={
            "title": "Renewal call",
            "starts_at": "2026-03-10T09:00:00Z",
            "ends_at": "2026-03-10T09:30:00Z",
            "contact": 1,
        },
    ),
    spec(
        "timetracker.entry",
        model=m.TimeEntry,
        fields=("task", "project", "started_at", "minutes", "description", "billable"),
        filters=("task", "project", "billable"),
        search=("description",),
        ordering=("started_at", "minutes"),
        example={"task": 1, "started_at": "2026-03-10T09:00:00Z", "minutes": 45, "billable": True},
    ),
)


CONTENT: tuple[Spec, ...] = (
    spec(
        "knowledgebase.article",
        model=m.KbArticle,
        fields=("category", "title", "body", "status", "published_at"),
        filters=("category", "status"),
        search=("title", "body"),
        ordering=("title", "published_at"),
        example={"category": 1, "title": "Resetting a password", "status": "published"},
    ),
    spec(
        "knowledgebase.category",
        model=m.KbCategory,
        fields=("name", "parent", "position"),
        filters=("parent",),
        search=("name",),
        ordering=("position", "name"),
        example={"name": "Getting started"},
    ),
    spec(
        "workspace.document",
        model=m.WorkspaceDocument,
        fields=("title", "body", "status"),
        filters=("status",),
        search=("title", "body"),
        ordering=("title",),
        example={"title": "Meeting notes", "body": "Agenda: ...", "status": "draft"},
    ),
    spec(
        "workspace.file",
        model=m.WorkspaceFile,
        fields=("document", "name", "content_type", "size_bytes", "url", "description"),
        filters=("document", "content_type"),
        search=("name", "description"),
        ordering=("name", "size_bytes"),
        example={
            "name": "quote.pdf",
            "content_type": "application/pdf",
            "size_bytes": 48213,
            "url": "https://files.example/quote.pdf",
        },
    ),
    spec(
        "orgchart.department",
        model=m.Department,
        fields=("name", "parent", "head"),
        filters=("parent", "head"),
        search=("name",),
        ordering=("name",),
        example={"name": "Sales", "head": 7},
    ),
    spec(
        "orgchart.position",
        model=m.Position,
        fields=("department", "title", "holder"),
        filters=("department", "holder"),
        search=("title",),
        ordering=("title",),
        example={"department": 1, "title": "Account executive", "holder": 7},
    ),
    spec(
        "customlists.list",
        model=m.CustomList,
        fields=("name", "description"),
        search=("name", "description"),
        ordering=("name",),
        example={"name": "Lead sources"},
    ),
    spec(
        "customlists.item",
        model=m.CustomListItem,
        fields=("custom_list", "title", "values", "position"),
        filters=("custom_list",),
        search=("title",),
        ordering=("position", "title"),
        example={"custom_list": 1, "title": "Trade fair", "values": {"region": "EU"}},
    ),
)


def register_builtin() -> None:
    """Register every model of the product (from ``ModulesConfig.ready``); a second call
    changes nothing."""
    from apps.modules.registry import register, registration_for
    from apps.modules.registry.builtin import CRM, PRODUCTS_AND_FIN

    if registration_for("crm.account") is not None:
        return
    for code, options in (*CRM, *PRODUCTS_AND_FIN, *WORK, *CONTENT):
        register(code, **options)
