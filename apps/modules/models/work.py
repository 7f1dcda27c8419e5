"""The work modules: projects (``st``) and their stages, tasks with checklists and
comments, agile projects, sprints and issues, calendar events and time entries."""

from django.conf import settings
from django.db import models

from apps.modules.models.base import ActiveStatus, ModuleRecord, Priority, currency, money


class Project(ModuleRecord):
    """``st.project``: a piece of work with a budget, for a CRM account or internal."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        ON_HOLD = "on_hold", "On hold"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    crm_account = models.ForeignKey(
        "modules.CrmAccount", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    budget = money(default=0)
    currency = currency()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ProjectStage(ModuleRecord):
    """``st.stage``: a phase of a project."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class Task(ModuleRecord):
    """``task.task``: something to do, by an assignee, maybe in a project."""

    class Status(models.TextChoices):
        TODO = "todo", "To do"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TODO)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    crm_account = models.ForeignKey(
        "modules.CrmAccount", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title


class TaskChecklistItem(ModuleRecord):
    """``task.checklist``: one line of a task's checklist."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(max_length=300)
    is_done = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["task_id", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class TaskComment(ModuleRecord):
    """``task.comment``: a comment on a task; its owner is its author."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField()

    class Meta:
        ordering = ["task_id", "pk"]

    def __str__(self) -> str:
        return self.body[:50]


class AgileProject(ModuleRecord):
    """``agile.project``: a board of issues worked in sprints."""

    Status = ActiveStatus

    name = models.CharField(max_length=200)
    key = models.CharField(max_length=10, help_text="Short prefix of issue numbers, e.g. WEB.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class AgileSprint(ModuleRecord):
    """``agile.sprint``: a time box of an agile project."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    project = models.ForeignKey(AgileProject, on_delete=models.CASCADE, related_name="sprints")
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    goal = models.CharField(max_length=300, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "-pk"]

    def __str__(self) -> str:
        return self.name


class AgileIssue(ModuleRecord):
    """``agile.issue``: a story, bug or task on an agile project, maybe in a sprint."""

    class Kind(models.TextChoices):
        STORY = "story", "Story"
        BUG = "bug", "Bug"
        TASK = "task", "Task"
        EPIC = "epic", "Epic"

    class Status(models.TextChoices):
        BACKLOG = "backlog", "Backlog"
        TODO = "todo", "To do"
        IN_PROGRESS = "in_progress", "In progress"
        REVIEW = "review", "In review"
        DONE = "done", "Done"

    project = models.ForeignKey(AgileProject, on_delete=models.CASCADE, related_name="issues")
    sprint = models.ForeignKey(
        AgileSprint, on_delete=models.SET_NULL, null=True, blank=True, related_name="issues"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STORY)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BACKLOG)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    story_points = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title


class CalendarEvent(ModuleRecord):
    """``calendar.event``: a meeting or an appointment, maybe with a CRM contact."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        TENTATIVE = "tentative", "Tentative"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    all_day = models.BooleanField(default=False)
    location = models.CharField(max_length=200, blank=True)
    contact = models.ForeignKey(
        "modules.CrmContact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return self.title


class TimeEntry(ModuleRecord):
    """``timetracker.entry``: time its owner spent, maybe on a task or project."""

    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries"
    )
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries"
    )
    started_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    description = models.CharField(max_length=300, blank=True)
    billable = models.BooleanField(default=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name_plural = "time entries"

    def __str__(self) -> str:
        return f"{self.minutes} min"
