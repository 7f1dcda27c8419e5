"""Account pages: switching account, and the account admin's members, roles and API keys."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from apps.accounts.middleware import SESSION_KEY
from apps.accounts.policies import effective_rights, module_choices
from apps.accounts.selectors import (
    api_key_get,
    group_list_with_member_count_for_account,
    membership_get,
    role_list_for_account,
)
from apps.accounts.services import api_key_create, api_key_revoke_many
from apps.core.errors import ApplicationError
from console.access import AccountAdminRequiredMixin, access_errors, safe_next_url
from console.accounts.changelists import REVOKE, api_key_changelist, member_changelist
from console.accounts.forms import ApiKeyCreateForm
from console.changelist import ChangeList
from console.forms import form_add_application_error
from console.shown_once import shown_once_hold, shown_once_pop


class AccountSwitchView(LoginRequiredMixin, View):
    """Make another of the user's accounts the current one (POST ``account=<domain>``)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        with access_errors():
            membership = membership_get(
                user=request.user, account_slug=request.POST.get("account", "").strip()
            )
        request.session[SESSION_KEY] = membership.account_id
        messages.success(request, f"You are now working in {membership.account.name}.")
        return redirect(safe_next_url(request, request.POST.get("next")) or "console:home")


class MemberListView(AccountAdminRequiredMixin, TemplateView):
    template_name = "console/accounts/member_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {"cl": member_changelist(self.request, account=self.account)}


class RoleListView(AccountAdminRequiredMixin, TemplateView):
    """Roles with their module rights as a matrix, and groups with member counts."""

    template_name = "console/accounts/role_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        roles = list(role_list_for_account(account=self.account))
        rights = [effective_rights(rights=role.rights, is_admin=False) for role in roles]
        matrix = [
            {"module": module, "label": label, "levels": [r[module] for r in rights]}
            for module, label in module_choices()
        ]
        return {
            "roles": roles,
            "matrix": matrix,
            "groups": group_list_with_member_count_for_account(account=self.account),
        }


class ApiKeyListView(AccountAdminRequiredMixin, View):
    """The account's API keys; POST runs the bulk revoke (after a confirmation page)."""

    template_name = "console/accounts/api_key_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"cl": self._changelist()})

    def post(self, request: HttpRequest) -> HttpResponse:
        cl = self._changelist()
        action = cl.action_for(request.POST.get("action", ""))
        keys = list(cl.selected(request.POST))
        if action != REVOKE or not keys:
            messages.warning(request, "Choose an action and tick at least one key.")
            return redirect(request.get_full_path())
        if request.POST.get("confirm") != "yes":
            return render(
                request,
                "console/accounts/api_key_bulk_revoke.html",
                {"keys": keys, "active": [key for key in keys if key.is_active]},
            )
        revoked = api_key_revoke_many(
            account=self.account, key_ids=[key.pk for key in keys], revoked_by=request.user
        )
        messages.success(request, f"Revoked {revoked} API key{'s' if revoked != 1 else ''}.")
        return redirect(request.get_full_path())

    def _changelist(self) -> ChangeList:
        return api_key_changelist(self.request, account=self.account)


def _api_key_slot(key_id: int) -> str:
    return f"api_key:{key_id}"


class ApiKeyCreateView(AccountAdminRequiredMixin, FormView):
    """Create a key, then redirect to its page, which shows it once (post/redirect/get:
    a reload never creates a second key). Only a fingerprint of the key is stored."""

    template_name = "console/accounts/api_key_form.html"
    form_class = ApiKeyCreateForm

    def form_valid(self, form: ApiKeyCreateForm) -> HttpResponse:
        try:
            key, raw = api_key_create(
                account=self.account, name=form.cleaned_data["name"], created_by=self.request.user
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
            return self.form_invalid(form)
        shown_once_hold(self.request, slot=_api_key_slot(key.pk), value=raw)
        return redirect("console:accounts:api_key-created", key_id=key.pk)


@method_decorator(never_cache, name="dispatch")
class ApiKeyCreatedView(AccountAdminRequiredMixin, View):
    """The new key, shown once to the session that created it; any later visit says it
    was shown once and offers to revoke it and create another. Another account's key is
    a 404."""

    template_name = "console/accounts/api_key_created.html"

    def get(self, request: HttpRequest, key_id: int) -> HttpResponse:
        with access_errors():
            key = api_key_get(account=self.account, key_id=key_id)
        raw = shown_once_pop(request, slot=_api_key_slot(key.pk))
        return render(request, self.template_name, {"key": key, "raw_key": raw})


class ApiKeyRevokeView(AccountAdminRequiredMixin, View):
    """GET: the confirmation page; POST: revoke. Another account's key is a 404."""

    template_name = "console/accounts/api_key_revoke.html"

    def get(self, request: HttpRequest, key_id: int) -> HttpResponse:
        with access_errors():
            key = api_key_get(account=self.account, key_id=key_id)
        return render(request, self.template_name, {"key": key})

    def post(self, request: HttpRequest, key_id: int) -> HttpResponse:
        with access_errors():
            key = api_key_get(account=self.account, key_id=key_id)
        if api_key_revoke_many(account=self.account, key_ids=[key.pk], revoked_by=request.user):
            messages.success(request, f"The API key “{key.name}” is revoked.")
        else:
            messages.info(request, f"The API key “{key.name}” was already revoked.")
        return redirect(reverse("console:accounts:api_key-list"))
