"""The account admin's role and group pages: create, rename, edit a role's module rights,
delete (with a replacement for what uses it); and the account's history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.models import AccessLevel, Group, Role
from apps.accounts.policies import module_choices
from apps.accounts.selectors import (
    account_event_list_for,
    group_get_for,
    group_list_for,
    role_get_for,
    role_list_for,
)
from apps.accounts.services import (
    group_create,
    group_delete,
    group_rename,
    group_uses,
    role_create,
    role_delete,
    role_update,
    role_uses,
)
from apps.core.errors import ApplicationError
from console.access import AccountAdminRequiredMixin, access_errors
from console.accounts.forms import NameForm, ReassignForm, RoleForm, right_field_name
from console.forms import form_add_application_error

ROLES = "console:accounts:role-list"


class RoleFormView(AccountAdminRequiredMixin, View):
    """A new role (no ``role_id``) or an existing one: its name and a level (none, read,
    full) for every module."""

    template_name = "console/accounts/role_form.html"

    def _role(self, role_id: int | None) -> Role | None:
        if role_id is None:
            return None
        with access_errors():
            return role_get_for(actor=self.actor, role_id=role_id)

    def _render(self, form: RoleForm, role: Role | None, status: int = 200) -> HttpResponse:
        context = {"form": form, "role": role, "rights": form.right_fields()}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, role_id: int | None = None) -> HttpResponse:
        role = self._role(role_id)
        initial: dict[str, Any] = {}
        if role is not None:
            initial["name"] = role.name
            for module, _label in module_choices():
                initial[right_field_name(module)] = role.rights.get(module, AccessLevel.NONE)
        return self._render(RoleForm(initial=initial), role)

    def post(self, request: HttpRequest, role_id: int | None = None) -> HttpResponse:
        role = self._role(role_id)
        form = RoleForm(request.POST)
        if form.is_valid():
            name, rights = form.cleaned_data["name"], form.rights()
            try:
                if role is None:
                    role = role_create(actor=self.actor, name=name, rights=rights)
                else:
                    role = role_update(actor=self.actor, role=role, name=name, rights=rights)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, f"Saved the role “{role.name}”.")
                return redirect(ROLES)
        return self._render(form, role, status=400)


class GroupFormView(AccountAdminRequiredMixin, View):
    """A new group (no ``group_id``) or an existing one's name."""

    template_name = "console/accounts/group_form.html"

    def _group(self, group_id: int | None) -> Group | None:
        if group_id is None:
            return None
        with access_errors():
            return group_get_for(actor=self.actor, group_id=group_id)

    def get(self, request: HttpRequest, group_id: int | None = None) -> HttpResponse:
        group = self._group(group_id)
        form = NameForm(initial={"name": group.name} if group else {})
        return render(request, self.template_name, {"form": form, "group": group})

    def post(self, request: HttpRequest, group_id: int | None = None) -> HttpResponse:
        group = self._group(group_id)
        form = NameForm(request.POST)
        if form.is_valid():
            name = form.cleaned_data["name"]
            try:
                if group is None:
                    group = group_create(actor=self.actor, name=name)
                else:
                    group = group_rename(actor=self.actor, group=group, name=name)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, f"Saved the group “{group.name}”.")
                return redirect(ROLES)
        context = {"form": form, "group": group}
        return render(request, self.template_name, context, status=400)


class _DeleteView(AccountAdminRequiredMixin, View):
    """GET: what uses the role or group, and a choice of replacement; POST: delete,
    giving its uses to the replacement chosen (refused, saying why, when something uses
    it and none is chosen)."""

    template_name = "console/accounts/role_delete.html"
    noun = ""
    kwarg = ""

    def load(self, pk: int) -> Role | Group:
        raise NotImplementedError

    def others(self, obj: Role | Group) -> list[Role | Group]:
        raise NotImplementedError

    def uses(self, obj: Role | Group) -> list[str]:
        raise NotImplementedError

    def delete(self, obj: Role | Group, reassign_to: str) -> None:
        raise NotImplementedError

    def _render(self, obj: Role | Group, form: ReassignForm, status: int = 200) -> HttpResponse:
        context = {"obj": obj, "noun": self.noun, "uses": self.uses(obj), "form": form}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, **kwargs: int) -> HttpResponse:
        obj = self.load(kwargs[self.kwarg])
        return self._render(obj, ReassignForm(others=self.others(obj)))

    def post(self, request: HttpRequest, **kwargs: int) -> HttpResponse:
        obj = self.load(kwargs[self.kwarg])
        form = ReassignForm(request.POST, others=self.others(obj))
        if form.is_valid():
            try:
                self.delete(obj, form.cleaned_data["reassign_to"])
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, f"Deleted the {self.noun} “{obj.name}”.")
                return redirect(ROLES)
        return self._render(obj, form, status=409)


class RoleDeleteView(_DeleteView):
    noun = "role"
    kwarg = "role_id"

    def load(self, pk: int) -> Role:
        with access_errors():
            return role_get_for(actor=self.actor, role_id=pk)

    def others(self, obj: Role | Group) -> list[Role | Group]:
        return [role for role in role_list_for(actor=self.actor) if role.pk != obj.pk]

    def uses(self, obj: Role | Group) -> list[str]:
        assert isinstance(obj, Role)
        return role_uses(role=obj)

    def delete(self, obj: Role | Group, reassign_to: str) -> None:
        assert isinstance(obj, Role)
        role_delete(actor=self.actor, role=obj, reassign_to_id=reassign_to or None)


class GroupDeleteView(_DeleteView):
    noun = "group"
    kwarg = "group_id"

    def load(self, pk: int) -> Group:
        with access_errors():
            return group_get_for(actor=self.actor, group_id=pk)

    def others(self, obj: Role | Group) -> list[Role | Group]:
        return [group for group in group_list_for(actor=self.actor) if group.pk != obj.pk]

    def uses(self, obj: Role | Group) -> list[str]:
        assert isinstance(obj, Group)
        return group_uses(group=obj)

    def delete(self, obj: Role | Group, reassign_to: str) -> None:
        assert isinstance(obj, Group)
        group_delete(actor=self.actor, group=obj, reassign_to_id=reassign_to or None)


class AccountEventListView(AccountAdminRequiredMixin, TemplateView):
    """The account's history: who changed which member, invitation, role or group, when,
    and what changed; newest first."""

    template_name = "console/accounts/event_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        with access_errors():
            events = list(account_event_list_for(actor=self.actor)[:300])
        return {"rows": [(event, event_details(event.detail)) for event in events]}


def _shown(value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_shown(item)}" for key, item in value.items())
    return str(value)


def event_details(detail: dict[str, Any]) -> list[str]:
    """A history row's details, one line each: "role: Sales → Support"."""
    lines = []
    for key, value in detail.items():
        if isinstance(value, dict) and set(value) == {"before", "after"}:
            lines.append(f"{key}: {_shown(value['before'])} → {_shown(value['after'])}")
        elif key in ("name",) and isinstance(value, list) and len(value) == 2:
            lines.append(f"{key}: {value[0]} → {value[1]}")
        elif key == "rights" and isinstance(value, dict):
            changes = [
                f"{module} {pair[0]} → {pair[1]}" if isinstance(pair, list) else f"{module} {pair}"
                for module, pair in value.items()
            ]
            lines.append(f"rights: {', '.join(changes) or 'none'}")
        else:
            lines.append(f"{key}: {_shown(value)}")
    return lines
