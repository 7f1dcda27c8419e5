"""The account admin's member pages: one member's role, groups and rights;
deactivating, reactivating and removing; invitations (invite, resend, revoke)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from apps.accounts.models import Invitation, Membership
from apps.accounts.selectors import (
    group_list_for,
    invitation_get_for,
    invitation_list_for,
    member_get_for,
    role_list_for,
)
from apps.accounts.services import (
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_remove,
    membership_set_active,
    membership_update,
)
from apps.core.errors import ApplicationError
from console.access import AccountAdminRequiredMixin, access_errors
from console.accounts.forms import InvitationForm, MemberForm
from console.forms import form_add_application_error

MEMBERS = "console:accounts:member-list"
INVITATIONS = "console:accounts:invitation-list"


def invitation_link_for(request: HttpRequest) -> Any:
    """The absolute address of an invitation's acceptance page, from its raw token."""

    def link(token: str) -> str:
        return request.build_absolute_uri(
            reverse("console:accounts:invitation-accept", kwargs={"token": token})
        )

    return link


def _choices(view: AccountAdminRequiredMixin) -> dict[str, Any]:
    return {
        "roles": list(role_list_for(actor=view.actor)),
        "groups": list(group_list_for(actor=view.actor)),
    }


def _member_initial(membership: Membership) -> dict[str, Any]:
    return {
        "role": str(membership.role_id or ""),
        "groups": [str(group.pk) for group in membership.groups.all()],
        "is_admin": membership.is_admin,
        "is_developer": membership.is_developer,
    }


class MemberEditView(AccountAdminRequiredMixin, View):
    """One member: their role, groups, admin and developer rights; the way to deactivate
    or remove them. Another account's member is a 404."""

    template_name = "console/accounts/member_edit.html"

    def _load(self, user_id: int) -> Membership:
        with access_errors():
            return member_get_for(actor=self.actor, user_id=user_id)

    def _render(self, membership: Membership, form: MemberForm, status: int = 200) -> HttpResponse:
        context = {
            "member": membership,
            "form": form,
            "is_self": membership.pk == self.membership.pk,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, user_id: int) -> HttpResponse:
        membership = self._load(user_id)
        form = MemberForm(initial=_member_initial(membership), **_choices(self))
        return self._render(membership, form)

    def post(self, request: HttpRequest, user_id: int) -> HttpResponse:
        membership = self._load(user_id)
        form = MemberForm(request.POST, **_choices(self))
        if form.is_valid():
            data = form.cleaned_data
            try:
                membership_update(
                    actor=self.actor,
                    membership=membership,
                    role_id=data["role"] or None,
                    group_ids=data["groups"],
                    is_admin=data["is_admin"],
                    is_developer=data["is_developer"],
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, f"Saved {membership.user.email}.")
                return redirect(MEMBERS)
        return self._render(membership, form, status=400)


class _MemberActionView(AccountAdminRequiredMixin, View):
    """GET: a confirmation page; POST: the action. Refusals (the last admin) come back
    as a message on the member's page."""

    template_name = "console/accounts/member_confirm.html"
    action = ""

    def _load(self, user_id: int) -> Membership:
        with access_errors():
            return member_get_for(actor=self.actor, user_id=user_id)

    def get(self, request: HttpRequest, user_id: int) -> HttpResponse:
        membership = self._load(user_id)
        return render(request, self.template_name, {"member": membership, "action": self.action})

    def post(self, request: HttpRequest, user_id: int) -> HttpResponse:
        membership = self._load(user_id)
        try:
            done = self.act(membership)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("console:accounts:member-edit", user_id=user_id)
        messages.success(request, done)
        return redirect(MEMBERS)

    def act(self, membership: Membership) -> str:
        raise NotImplementedError


class MemberDeactivateView(_MemberActionView):
    action = "deactivate"

    def act(self, membership: Membership) -> str:
        membership_set_active(actor=self.actor, membership=membership, active=False)
        return f"{membership.user.email} is deactivated: their app tokens no longer work here."


class MemberActivateView(_MemberActionView):
    action = "reactivate"
    http_method_names = ["post"]

    def act(self, membership: Membership) -> str:
        membership_set_active(actor=self.actor, membership=membership, active=True)
        return f"{membership.user.email} is active again."


class MemberRemoveView(_MemberActionView):
    action = "remove"

    def act(self, membership: Membership) -> str:
        membership_remove(actor=self.actor, membership=membership)
        return f"{membership.user.email} is no longer a member of {self.account.name}."


class InvitationListView(AccountAdminRequiredMixin, View):
    template_name = "console/accounts/invitation_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        with access_errors():
            invitations = list(invitation_list_for(actor=self.actor)[:200])
        return render(request, self.template_name, {"invitations": invitations})


class InvitationCreateView(AccountAdminRequiredMixin, View):
    """Invite a person by e-mail with the role, groups and rights they will have."""

    template_name = "console/accounts/invitation_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": InvitationForm(**_choices(self))})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InvitationForm(request.POST, **_choices(self))
        if form.is_valid():
            data = form.cleaned_data
            try:
                invitation = invitation_create(
                    actor=self.actor,
                    email=data["email"],
                    link_for=invitation_link_for(request),
                    role_id=data["role"] or None,
                    group_ids=data["groups"],
                    is_admin=data["is_admin"],
                    is_developer=data["is_developer"],
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect(INVITATIONS)
        return render(request, self.template_name, {"form": form}, status=400)


class _InvitationActionView(AccountAdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, invitation_id: int) -> HttpResponse:
        with access_errors():
            invitation = invitation_get_for(actor=self.actor, invitation_id=invitation_id)
        try:
            messages.success(request, self.act(invitation))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(INVITATIONS)

    def act(self, invitation: Invitation) -> str:
        raise NotImplementedError


class InvitationResendView(_InvitationActionView):
    def act(self, invitation: Invitation) -> str:
        invitation_resend(
            actor=self.actor, invitation=invitation, link_for=invitation_link_for(self.request)
        )
        return f"Sent the invitation to {invitation.email} again, with a new link."


class InvitationRevokeView(_InvitationActionView):
    def act(self, invitation: Invitation) -> str:
        invitation_revoke(actor=self.actor, invitation=invitation)
        return f"The invitation to {invitation.email} is revoked; its link no longer works."
