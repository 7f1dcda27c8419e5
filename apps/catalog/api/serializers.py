"""Serializers of the catalog API: what the developer, marketplace and install-link
endpoints answer, and the few inputs that are plain JSON.

Outputs read the annotated rows the selectors return (``version_count``,
``published_number``...), so a list costs the same number of queries whatever its length.
URLs are absolute when the serializer has the request in its context.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.catalog.models import App, AppBanner, AppStatus, AppVersion, InstallLink, VersionEvent
from apps.catalog.policies import (
    app_listing_problems,
    version_developer_moves,
    version_is_editable,
)
from apps.catalog.selectors import ScopeLine
from apps.catalog.services import INSTALL_LINK_MAX_DAYS, LISTING_FIELDS
from apps.core.api import PAGE_PARAMETERS, page_of  # noqa: F401  (the views' `out.` namespace)
from apps.jobs.api.serializers import JobRefOutput, job_ref
from apps.jobs.kinds import APP_DELETE, VERSION_ROLLOUT
from apps.jobs.selectors import job_latest_for

# --- helpers ---------------------------------------------------------------------------------


def absolute(context: dict[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def logo_url(context: dict[str, Any], app: App) -> str | None:
    if not app.logo:
        return None
    return absolute(context, reverse("console:marketplace:app-logo", args=[app.code]))


def banner_url(context: dict[str, Any], banner: AppBanner) -> str:
    return absolute(
        context, reverse("console:marketplace:app-banner", args=[banner.app.code, banner.pk])
    )


def developer_actions(version: AppVersion) -> list[str]:
    """What the app's developers can do with the version now: ``edit`` while it is a draft
    or rejected, then the status moves the table allows them (``submit``, ``withdraw``,
    ``publish``, ``hide``). Nothing while the app is being deleted."""
    app = version.app
    if app.status == AppStatus.DELETING:
        return []
    edit = ["edit"] if version_is_editable(version.status) else []
    return edit + version_developer_moves(
        app_type=app.type, app_status=app.status, status=version.status
    )


class ScopeLineOutput(serializers.Serializer):
    scope = serializers.CharField(help_text="`code:level`, e.g. `crm.accounts:read`.")
    phrase = serializers.CharField(help_text="The scope in plain words, as on consent screens.")
    reason = serializers.CharField(help_text="Why the app asks for it, from the manifest.")


def scope_lines(lines: list[ScopeLine]) -> list[dict[str, str]]:
    return [{"scope": line.scope, "phrase": line.phrase, "reason": line.reason} for line in lines]


# --- apps ------------------------------------------------------------------------------------


class AppOutput(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)
    # A plain string in the schema: an enum would clash with a version's ``status``.
    status = serializers.CharField(
        help_text="`active`; `inactive` (cannot be installed, tokens refused); `deleting` "
        "(being removed, nothing can change it)."
    )
    listed = serializers.BooleanField(source="is_listed")
    logo_url = serializers.SerializerMethodField()
    client_id = serializers.CharField(source="oauth_application.client_id")
    version_count = serializers.IntegerField()
    pending_count = serializers.IntegerField(help_text="Versions submitted or in review.")
    latest_number = serializers.CharField(allow_null=True, help_text="The newest version.")
    published_number = serializers.CharField(
        allow_null=True, help_text="The most recently published version."
    )
    listing_problems = serializers.SerializerMethodField(
        help_text="What stops the app from being listed in the catalog, per field."
    )
    deletion_job = serializers.SerializerMethodField(
        help_text="While the app is `deleting`: the job removing it from every account "
        "(progress in accounts). Null otherwise."
    )

    class Meta:
        model = App
        fields = [
            "code",
            "name",
            "type",
            "status",
            "listed",
            "summary",
            "description",
            "support_email",
            "support_url",
            "logo_url",
            "client_id",
            "credentials_rotated_at",
            "version_count",
            "pending_count",
            "latest_number",
            "published_number",
            "listing_problems",
            "created_at",
            "updated_at",
            "deleting_at",
            "deletion_job",
        ]

    def get_logo_url(self, app: App) -> str | None:
        return logo_url(self.context, app)

    @extend_schema_field(JobRefOutput(allow_null=True))
    def get_deletion_job(self, app: App) -> dict[str, Any] | None:
        # A list passes the page's deletion jobs, read in one query, as ``deletion_jobs``.
        if app.status != AppStatus.DELETING:
            return None
        jobs = self.context.get("deletion_jobs")
        if jobs is not None:
            return job_ref(jobs.get(app.pk), self.context)
        job = job_latest_for(account_id=app.account_id, kind=APP_DELETE, key="app_id", value=app.pk)
        return job_ref(job, self.context)

    @extend_schema_field(serializers.DictField(child=serializers.ListField()))
    def get_listing_problems(self, app: App) -> dict[str, list[str]]:
        if app.is_listed:
            return {}
        return app_listing_problems(
            app_type=app.type,
            status=app.status,
            has_published_version=app.published_number is not None,  # type: ignore[attr-defined]
            listing={name: getattr(app, name) for name in LISTING_FIELDS},
        )


class NewCredentialsOutput(serializers.Serializer):
    client_id = serializers.CharField()
    client_secret = serializers.CharField(help_text="Shown only once: store it now.")


class AppCreatedOutput(AppOutput):
    credentials = serializers.SerializerMethodField(
        help_text="The OAuth client. The secret is shown only once."
    )

    class Meta(AppOutput.Meta):
        fields = [*AppOutput.Meta.fields, "credentials"]

    @extend_schema_field(NewCredentialsOutput)
    def get_credentials(self, app: App) -> dict[str, str]:
        return {
            "client_id": app.oauth_application.client_id,
            "client_secret": self.context["client_secret"],
        }


class AppCreateInput(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, trim_whitespace=False)
    type = serializers.CharField(help_text="`private` or `public`; cannot change later.")


class AppUpdateInput(serializers.Serializer):
    """Every field optional: only those sent change."""

    name = serializers.CharField(required=False, allow_blank=True)
    summary = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    support_email = serializers.CharField(required=False, allow_blank=True)
    support_url = serializers.CharField(required=False, allow_blank=True)


class CredentialsOutput(serializers.Serializer):
    client_id = serializers.CharField(source="oauth_application.client_id")
    rotated_at = serializers.DateTimeField(source="credentials_rotated_at", allow_null=True)


class BannerOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = AppBanner
        fields = ["id", "position", "url", "created_at"]

    def get_url(self, banner: AppBanner) -> str:
        return banner_url(self.context, banner)


class ImageUploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="PNG, JPEG or WebP.")


# --- versions --------------------------------------------------------------------------------


class VersionListOutput(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", default=None, allow_null=True)

    class Meta:
        model = AppVersion
        fields = [
            "number",
            "status",
            "changelog",
            "effective_scopes",
            "rejection_reason",
            "created_by",
            "created_at",
            "status_changed_at",
            "submitted_at",
            "published_at",
        ]


class VersionOutput(VersionListOutput):
    effective_scopes = serializers.SerializerMethodField(
        help_text="The scopes that count after precedence, in plain words, with reasons."
    )
    actions = serializers.SerializerMethodField(
        help_text="What you can do with this version now: edit, submit, withdraw, publish, hide."
    )
    rollout_job = serializers.SerializerMethodField(
        help_text="Once the version is published over installations of other versions: the "
        "job updating them or flagging them for approval (progress in installations). Null "
        "when there is none."
    )

    class Meta(VersionListOutput.Meta):
        fields = [
            "number",
            "status",
            "changelog",
            "manifest",
            "manifest_source",
            "manifest_format",
            "effective_scopes",
            "rejection_reason",
            "actions",
            "rollout_job",
            "created_by",
            "created_at",
            "updated_at",
            "status_changed_at",
            "submitted_at",
            "published_at",
        ]

    @extend_schema_field(ScopeLineOutput(many=True))
    def get_effective_scopes(self, version: AppVersion) -> list[dict[str, str]]:
        return scope_lines(self.context["scope_lines"])

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, version: AppVersion) -> list[str]:
        return developer_actions(version)

    @extend_schema_field(JobRefOutput(allow_null=True))
    def get_rollout_job(self, version: AppVersion) -> dict[str, Any] | None:
        job = job_latest_for(
            account_id=version.app.account_id,
            kind=VERSION_ROLLOUT,
            key="version_id",
            value=version.pk,
        )
        return job_ref(job, self.context)


class VersionChangelogInput(serializers.Serializer):
    changelog = serializers.CharField(allow_blank=True, trim_whitespace=False)


class EventOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", help_text="Who: an e-mail or an API key.")
    at = serializers.DateTimeField(source="created_at", help_text="When.")
    from_status = serializers.CharField(allow_null=True, help_text="From (null when created).")
    to_status = serializers.CharField(help_text="To.")
    reason = serializers.CharField(help_text="Why.")

    class Meta:
        model = VersionEvent
        fields = ["actor", "at", "from_status", "to_status", "reason"]

    def to_representation(self, instance: VersionEvent) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["from_status"] = data["from_status"] or None
        return data


# --- install links ---------------------------------------------------------------------------


class InstallLinkOutput(serializers.ModelSerializer):
    prefix = serializers.CharField(source="display_prefix")
    state = serializers.SerializerMethodField(help_text="`active`, `revoked` or `expired`.")
    created_by = serializers.EmailField(source="created_by.email", default=None, allow_null=True)
    revoked_by = serializers.EmailField(source="revoked_by.email", default=None, allow_null=True)

    class Meta:
        model = InstallLink
        fields = [
            "id",
            "label",
            "prefix",
            "state",
            "expires_at",
            "created_at",
            "created_by",
            "revoked_at",
            "revoked_by",
        ]

    def get_state(self, link: InstallLink) -> str:
        if link.revoked_at is not None:
            return "revoked"
        return "expired" if link.expires_at <= timezone.now() else "active"


class InstallLinkCreatedOutput(InstallLinkOutput):
    token = serializers.SerializerMethodField(help_text="The link's token. Shown only once.")
    url = serializers.SerializerMethodField(help_text="The page to send. Shown only once.")

    class Meta(InstallLinkOutput.Meta):
        fields = [*InstallLinkOutput.Meta.fields, "token", "url"]

    def get_token(self, link: InstallLink) -> str:
        return self.context["token"]

    def get_url(self, link: InstallLink) -> str:
        path = reverse("console:marketplace:install_link-detail", args=[self.context["token"]])
        return absolute(self.context, path)


class InstallLinkCreateInput(serializers.Serializer):
    label = serializers.CharField(required=False, allow_blank=True, default="")
    expires_in_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=f"1 to {INSTALL_LINK_MAX_DAYS}; 7 when left out.",
    )


class PublisherOutput(serializers.Serializer):
    name = serializers.CharField()
    domain = serializers.CharField()


class InstallPreviewOutput(serializers.Serializer):
    """What an install link will install: shown before anything is installed."""

    app = serializers.DictField(help_text="code, name, summary, logo_url")
    publisher = PublisherOutput()
    version = serializers.DictField(help_text="number, changelog, authorization")
    scopes = ScopeLineOutput(many=True)
    expires_at = serializers.DateTimeField()
