"""Serializers of the installations API: what the endpoints answer, and their JSON inputs.

An installation reads the rows ``installation_details_load`` prefetched (access rules,
webhook subscriptions, the app's published versions), so a page of installations costs
the same number of queries whatever its length. Secret setting values never reach a
serializer: settings come from ``installation_settings``, which masks them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from apps.catalog.models import AppVersion, VersionStatus
from apps.catalog.policies import semver_key
from apps.core.api import ID_MAX
from apps.installations.api.setting_serializers import (
    InstallationSettingOutput as InstallationSettingOutput,
)
from apps.installations.api.setting_serializers import file_path as file_path
from apps.installations.api.setting_serializers import setting_data as setting_data
from apps.installations.models import Installation, InstallationAccess, InstallationEvent
from apps.installations.selectors import (
    installation_pending_update,
    installation_setup_missing,
    installation_setup_missing_for,
)
from apps.installations.services import UpdatePlan
from apps.jobs.models import Job
from apps.scopes.policies import UnknownScope, parse_scope, scope_phrase

# --- loading ---------------------------------------------------------------------------------


def installation_details_load(installations: Iterable[Installation]) -> None:
    """Prefetch, for every installation given, what its output shows: four queries for
    any number of installations (three when no installed version has a required
    setting)."""
    from django.db.models import prefetch_related_objects

    installations = list(installations)
    setup = installation_setup_missing_for(installations=installations)
    for installation in installations:
        installation.needs_setup = installation.pk in setup  # type: ignore[attr-defined]
    prefetch_related_objects(
        installations,
        Prefetch(
            "access_rules",
            queryset=InstallationAccess.objects.select_related("role", "group").order_by(
                "role__name", "group__name", "pk"
            ),
        ),
        "webhook_subscriptions",
        Prefetch(
            "app__versions",
            queryset=AppVersion.objects.filter(status=VersionStatus.PUBLISHED),
            to_attr="published_versions",
        ),
    )


def scope_line(scope: str) -> dict[str, str]:
    """A granted scope with its consent phrase (the scope itself when the catalog no
    longer knows it)."""
    try:
        phrase = scope_phrase(parse_scope(scope))
    except UnknownScope:
        phrase = scope
    return {"scope": scope, "phrase": phrase}


def update_available(installation: Installation) -> AppVersion | None:
    """The newest published version above the installed one (from the prefetch)."""
    current = semver_key(installation.version.number)
    published = getattr(installation.app, "published_versions", None)
    if published is None:
        published = list(installation.app.versions.filter(status=VersionStatus.PUBLISHED))
    newer = [v for v in published if semver_key(v.number) > current]
    return max(newer, key=lambda v: semver_key(v.number), default=None)


# --- installations ---------------------------------------------------------------------------


class GrantedScopeOutput(serializers.Serializer):
    scope = serializers.CharField(help_text="`code:level`, e.g. `crm.accounts:read`.")
    phrase = serializers.CharField(help_text="The scope in plain words, as on consent screens.")


class AccessEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class InstallationAccessOutput(serializers.Serializer):
    everyone = serializers.BooleanField(
        help_text="Every member of the account may use the app, whatever their role."
    )
    roles = AccessEntryOutput(many=True)
    groups = AccessEntryOutput(many=True)
    admins_only = serializers.BooleanField(
        help_text="Not for everyone and no role or group chosen: only the account's admins "
        "may use the app."
    )


def access_data(rules: Iterable[InstallationAccess], *, everyone: bool) -> dict[str, Any]:
    rules = list(rules)
    roles = [{"id": r.role.pk, "name": r.role.name} for r in rules if r.role is not None]
    groups = [{"id": r.group.pk, "name": r.group.name} for r in rules if r.group is not None]
    return {
        "everyone": everyone,
        "roles": roles,
        "groups": groups,
        "admins_only": not (everyone or roles or groups),
    }


class InstallationAppOutput(serializers.Serializer):
    code = serializers.UUIDField()
    name = serializers.CharField()
    publisher = inline_serializer(
        "InstallationPublisher",
        fields={"name": serializers.CharField(), "domain": serializers.CharField()},
    )


class InstallationWebhookOutput(serializers.Serializer):
    id = serializers.CharField(source="webhook_id")
    event = serializers.CharField()
    url = serializers.URLField()


class InstallationEmbeddingOutput(serializers.Serializer):
    id = serializers.CharField()
    location = serializers.CharField()
    code = serializers.CharField()
    url = serializers.URLField()
    title = serializers.CharField()


class InstallationVersionOutput(serializers.Serializer):
    number = serializers.CharField()
    changelog = serializers.CharField()


class InstallationPendingUpdateOutput(serializers.Serializer):
    version = serializers.CharField(help_text="The version waiting, e.g. 1.1.0.")
    new_scopes = serializers.ListField(
        child=serializers.CharField(),
        help_text="What it asks beyond the installation's grant: approve them by updating "
        "with `consent: true`.",
    )


class InstallationOutput(serializers.ModelSerializer):
    app = serializers.SerializerMethodField()
    version = serializers.CharField(source="version.number")
    # A plain string in the schema: an enum would clash with other ``status`` fields.
    status = serializers.CharField(
        help_text="`active`; `uninstalling` (tokens refused, its data being removed)."
    )
    granted_scopes = serializers.SerializerMethodField()
    installed_by = serializers.EmailField(
        source="installed_by.email", default=None, allow_null=True
    )
    access = serializers.SerializerMethodField()
    webhooks = InstallationWebhookOutput(source="webhook_subscriptions", many=True)
    embeddings = serializers.SerializerMethodField()
    update_available = serializers.SerializerMethodField(
        help_text="The newest published version above the installed one, or null."
    )
    pinned = serializers.BooleanField(
        source="is_pinned",
        help_text="Kept on its version: new versions are not installed automatically "
        "(an admin can still update by hand).",
    )
    pending_update = serializers.SerializerMethodField(
        help_text="A published version not installed automatically because it asks for more "
        "access, or null."
    )
    needs_setup = serializers.SerializerMethodField(
        help_text="Required app-level settings of the installed version have no value yet: "
        "fill them in with `PATCH .../settings`. The app's tokens work meanwhile; the app "
        "decides what to do without them."
    )

    class Meta:
        model = Installation
        fields = [
            "id",
            "app",
            "version",
            "status",
            "granted_scopes",
            "installed_by",
            "installed_at",
            "uninstall_requested_at",
            "access",
            "webhooks",
            "embeddings",
            "update_available",
            "pinned",
            "pinned_at",
            "pending_update",
            "needs_setup",
        ]
        read_only_fields = fields

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> serializers.ListSerializer:
        # A page of installations: their details in three queries, not three per row.
        if args and args[0] is not None:
            installation_details_load(args[0])
        return super().many_init(*args, **kwargs)

    @extend_schema_field(InstallationAppOutput)
    def get_app(self, installation: Installation) -> dict[str, Any]:
        app = installation.app
        return {
            "code": app.code,
            "name": app.name,
            "publisher": {"name": app.account.name, "domain": app.account.slug},
        }

    @extend_schema_field(GrantedScopeOutput(many=True))
    def get_granted_scopes(self, installation: Installation) -> list[dict[str, str]]:
        return [scope_line(s) for s in installation.granted_scopes]

    @extend_schema_field(InstallationAccessOutput)
    def get_access(self, installation: Installation) -> dict[str, Any]:
        return access_data(installation.access_rules.all(), everyone=installation.access_everyone)

    @extend_schema_field(InstallationEmbeddingOutput(many=True))
    def get_embeddings(self, installation: Installation) -> list[dict[str, Any]]:
        # The manifest as stored was valid when stored; read it as is so an installation
        # stays readable when the scope catalog shrank since.
        embeddings = installation.version.manifest.get("embeddings") or []
        keys = ("id", "location", "code", "url", "title")
        return [{k: e.get(k, "") for k in keys} for e in embeddings if isinstance(e, dict)]

    @extend_schema_field(InstallationVersionOutput(allow_null=True))
    def get_update_available(self, installation: Installation) -> dict[str, str] | None:
        version = update_available(installation)
        if version is None:
            return None
        return {"number": version.number, "changelog": version.changelog}

    @extend_schema_field(serializers.BooleanField())
    def get_needs_setup(self, installation: Installation) -> bool:
        loaded = getattr(installation, "needs_setup", None)
        if loaded is not None:
            return bool(loaded)
        return bool(installation_setup_missing(installation=installation))

    @extend_schema_field(InstallationPendingUpdateOutput(allow_null=True))
    def get_pending_update(self, installation: Installation) -> dict[str, Any] | None:
        pending = installation_pending_update(installation=installation)
        if pending is None:
            return None
        return {"version": pending.version.number, "new_scopes": list(pending.new_scopes)}


class InstallationJobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField(help_text="pending, running, succeeded or failed.")
    url = serializers.CharField(help_text="Follow its progress here (`GET /api/v1/jobs/{id}`).")


def job_data(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "state": job.state,
        "url": reverse("api:jobs:job-detail", kwargs={"job_id": job.pk}),
    }


class InstallationUninstallOutput(InstallationOutput):
    """The installation just marked uninstalling, with the job (``context["job"]``) that
    removes its data."""

    job = serializers.SerializerMethodField(
        help_text="The background job removing the app's data from the account."
    )

    class Meta(InstallationOutput.Meta):
        fields = [*InstallationOutput.Meta.fields, "job"]

    @extend_schema_field(InstallationJobOutput(allow_null=True))
    def get_job(self, installation: Installation) -> dict[str, Any] | None:
        job = self.context.get("job")
        return job_data(job) if job is not None else None


class InstallationAccessInput(serializers.Serializer):
    everyone = serializers.BooleanField(
        required=False,
        help_text="Give the app to every member of the account; left out: as it is.",
    )
    roles = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        help_text="Ids of the account's roles.",
    )
    groups = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        help_text="Ids of the account's groups.",
    )


class InstallationEventOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", help_text="An e-mail or an API key.")
    at = serializers.DateTimeField(source="created_at")
    detail = serializers.DictField(help_text="What changed; its keys depend on `kind`.")

    class Meta:
        model = InstallationEvent
        fields = ["id", "kind", "actor", "at", "detail"]


# --- updates ---------------------------------------------------------------------------------


class InstallationUpdatePlanOutput(serializers.Serializer):
    version = InstallationVersionOutput()
    scopes_before = serializers.ListField(child=serializers.CharField())
    scopes_after = serializers.ListField(child=serializers.CharField())
    added = serializers.ListField(
        child=serializers.CharField(), help_text="Scopes new or raised to full."
    )
    removed = serializers.ListField(
        child=serializers.CharField(), help_text="Scopes dropped or lowered to read."
    )
    needs_consent = serializers.BooleanField(
        help_text="The new version asks for more: send `consent: true` to update."
    )
    exceeding = serializers.ListField(
        child=serializers.CharField(), help_text="What the current grant does not cover."
    )


def plan_data(plan: UpdatePlan) -> dict[str, Any]:
    return {
        "version": {"number": plan.version.number, "changelog": plan.version.changelog},
        "scopes_before": list(plan.scopes_before),
        "scopes_after": list(plan.scopes_after),
        "added": list(plan.added),
        "removed": list(plan.removed),
        "needs_consent": plan.needs_consent,
        "exceeding": list(plan.exceeding),
    }


class InstallationUpdateInput(serializers.Serializer):
    version = serializers.CharField(max_length=64, help_text="The version number, e.g. 1.1.0.")
    consent = serializers.BooleanField(
        default=False,
        help_text="The admin saw the new scopes and agrees; needed when the version asks "
        "for more than the installation granted.",
    )
