"""What the moderation API reads and answers: the queue's items, reviews, the decision
inputs, and (for the schema) a version under review."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.catalog.api.serializers import EventOutput, ScopeLineOutput
from apps.catalog.models import AppVersion, VersionStatus
from apps.moderation.models import Review
from apps.moderation.policies import CHECKLIST


class AppRefOutput(serializers.Serializer):
    code = serializers.UUIDField()
    name = serializers.CharField()


class DeveloperOutput(serializers.Serializer):
    domain = serializers.CharField()
    name = serializers.CharField()


class QueueItemOutput(serializers.ModelSerializer):
    app = serializers.SerializerMethodField()
    developer = serializers.SerializerMethodField()
    age_seconds = serializers.SerializerMethodField(help_text="Time since submission.")
    claimed_by = serializers.CharField(
        allow_null=True, help_text="The moderator reviewing it, or null while it waits."
    )

    class Meta:
        model = AppVersion
        fields = [
            "id",
            "app",
            "developer",
            "number",
            "status",
            "changelog",
            "submitted_at",
            "age_seconds",
            "claimed_by",
        ]

    @extend_schema_field(AppRefOutput)
    def get_app(self, version: AppVersion) -> dict[str, str]:
        return {"code": str(version.app.code), "name": version.app.name}

    @extend_schema_field(DeveloperOutput)
    def get_developer(self, version: AppVersion) -> dict[str, str]:
        account = version.app.account
        return {"domain": account.slug, "name": account.name}

    def get_age_seconds(self, version: AppVersion) -> int:
        if version.submitted_at is None:
            return 0
        return int((timezone.now() - version.submitted_at).total_seconds())


class ReviewOutput(serializers.ModelSerializer):
    moderator = serializers.CharField(source="moderator_label")

    class Meta:
        model = Review
        fields = [
            "id",
            "moderator",
            "claimed_at",
            "released_at",
            "decided_at",
            "decision",
            "reason",
            "checklist",
            "notes",
        ]


class ChecklistInput(serializers.Serializer):
    functionality = serializers.BooleanField(
        required=False, default=False, help_text=dict(CHECKLIST)["functionality"]
    )
    works_as_described = serializers.BooleanField(
        required=False, default=False, help_text=dict(CHECKLIST)["works_as_described"]
    )
    security = serializers.BooleanField(
        required=False, default=False, help_text=dict(CHECKLIST)["security"]
    )
    scopes = serializers.BooleanField(
        required=False, default=False, help_text=dict(CHECKLIST)["scopes"]
    )


class ApproveInput(serializers.Serializer):
    checklist = ChecklistInput(help_text="Every item must be true to approve.")
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="For moderators."
    )


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, help_text="What the developer must fix; they see it."
    )
    checklist = ChecklistInput(required=False)
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="For moderators."
    )


class ReviewDetailOutput(serializers.Serializer):
    """For the schema: the answer of ``GET /moderation/versions/{id}``."""

    id = serializers.IntegerField()
    app = serializers.DictField()
    developer = DeveloperOutput()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=VersionStatus.choices)
    changelog = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    manifest = serializers.DictField()
    manifest_source = serializers.CharField()
    effective_scopes = ScopeLineOutput(many=True)
    diff = serializers.DictField(
        help_text='Against the last published version; `{"against": null}` when none, and '
        "an `error` instead of the changes when a stored manifest no longer validates "
        "against the scope catalog in force."
    )
    listing = serializers.DictField(
        help_text="The listing text, logo and banners, and `missing`: what the catalog still "
        "needs before the app can be listed, per field (empty when complete). Listing edits "
        "need no moderation."
    )
    checklist = serializers.ListField(child=serializers.DictField())
    claimed_by = serializers.CharField(allow_null=True)
    actions = serializers.ListField(
        child=serializers.CharField(), help_text="claim, release, approve, reject"
    )
    history = EventOutput(many=True)
    reviews = ReviewOutput(many=True)
