"""Inputs and outputs of the account administration endpoints: members, invitations,
roles, groups and the account's history."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import AccountEvent, Group, Invitation, Membership, Role
from apps.accounts.policies import effective_rights
from apps.core.api import ID_MAX


class NamedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _named(obj: Role | Group | None) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


class MemberOutput(serializers.Serializer):
    id = serializers.IntegerField(
        source="user_id", help_text="The user's id (what per-user settings take)."
    )
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()
    is_admin = serializers.BooleanField()
    is_developer = serializers.BooleanField()
    is_active = serializers.BooleanField()
    joined_at = serializers.DateTimeField(source="created_at")

    @extend_schema_field(NamedOutput(allow_null=True))
    def get_role(self, membership: Membership) -> dict[str, Any] | None:
        return _named(membership.role)

    @extend_schema_field(NamedOutput(many=True))
    def get_groups(self, membership: Membership) -> list[dict[str, Any]]:
        groups = sorted(membership.groups.all(), key=lambda group: group.name)
        return [{"id": group.pk, "name": group.name} for group in groups]


def _id() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX)


class MemberUpdateInput(serializers.Serializer):
    role = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, allow_null=True, required=False, help_text="null: no role"
    )
    groups = serializers.ListField(child=_id(), required=False, help_text="Replaces the groups.")
    is_admin = serializers.BooleanField(required=False)
    is_developer = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(
        required=False, help_text="false deactivates the member; true reactivates them."
    )


class InvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    status = serializers.ChoiceField(choices=Invitation.Status.choices)
    role = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()
    is_admin = serializers.BooleanField()
    is_developer = serializers.BooleanField()
    invited_by = serializers.CharField(source="invited_by_label")
    sent_at = serializers.DateTimeField()
    send_count = serializers.IntegerField()
    expires_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(NamedOutput(allow_null=True))
    def get_role(self, invitation: Invitation) -> dict[str, Any] | None:
        return _named(invitation.role)

    @extend_schema_field(NamedOutput(many=True))
    def get_groups(self, invitation: Invitation) -> list[dict[str, Any]]:
        return [{"id": group.pk, "name": group.name} for group in invitation.groups.all()]


class InvitationCreateInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    role = serializers.IntegerField(min_value=1, max_value=ID_MAX, allow_null=True, required=False)
    groups = serializers.ListField(child=_id(), required=False, default=list)
    is_admin = serializers.BooleanField(required=False, default=False)
    is_developer = serializers.BooleanField(required=False, default=False)


class RoleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rights = serializers.SerializerMethodField(
        help_text="The level (none, read, full) on every module of the product."
    )
    member_count = serializers.IntegerField()

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_rights(self, role: Role) -> dict[str, str]:
        return effective_rights(rights=role.rights, is_admin=False)


class RoleInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    rights = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="Module code → none, read or full; a module left out is none.",
    )


class GroupOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    member_count = serializers.IntegerField()


class GroupInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class AccountEventOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = AccountEvent
        fields = ["id", "kind", "actor", "at", "target", "detail"]
