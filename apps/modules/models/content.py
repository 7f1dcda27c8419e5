"""The content modules: the knowledge base, the workspace's documents and files, the org
chart and custom lists."""

from django.conf import settings
from django.db import models

from apps.modules.models.base import ModuleRecord


class KbCategory(ModuleRecord):
    """``knowledgebase.category``: a section of the knowledge base."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name", "pk"]
        verbose_name = "knowledge base category"
        verbose_name_plural = "knowledge base categories"

    def __str__(self) -> str:
        return self.name


class KbArticle(ModuleRecord):
    """``knowledgebase.article``: an article, draft or published."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    category = models.ForeignKey(
        KbCategory, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = "knowledge base article"

    def __str__(self) -> str:
        return self.title


class WorkspaceDocument(ModuleRecord):
    """``workspace.document``: a text document of the shared workspace."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        FINAL = "final", "Final"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class WorkspaceFile(ModuleRecord):
    """``workspace.file``: a file's record in the workspace (name, type, size, where it is
    stored), maybe attached to a document."""

    document = models.ForeignKey(
        WorkspaceDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="files"
    )
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size_bytes = models.PositiveBigIntegerField(default=0)
    url = models.URLField(blank=True, help_text="Where the file's content can be fetched.")
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Department(ModuleRecord):
    """``orgchart.department``: a unit of the organisation, inside another, with a head."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Position(ModuleRecord):
    """``orgchart.position``: a job in a department, held by a user or vacant."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="positions")
    title = models.CharField(max_length=100)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["department_id", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class CustomList(ModuleRecord):
    """``customlists.list``: a list the account defines for its own purposes."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class CustomListItem(ModuleRecord):
    """``customlists.item``: an entry of a custom list, its own values as JSON."""

    custom_list = models.ForeignKey(CustomList, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(max_length=200)
    values = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["custom_list_id", "position", "pk"]

    def __str__(self) -> str:
        return self.title
